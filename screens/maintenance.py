"""Maintenance mode: the kiosk's state, and what staff do about it, every action audited.

Each action runs in a thread worker (a sync or an integrity check of a million
records takes a while) and reports back to the screen; the screen never waits.
"""

from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Button, ProgressBar, Static

from kiosk.audit import UNTIL_FORMAT, AuditEvent, Event, parse_details
from kiosk.cache import IntegrityReport
from kiosk.dates import clock_time, short_day_and_time
from kiosk.errors import KioskError
from kiosk.feed.client import Applied, BundleRef, SyncResult
from kiosk.i18n import LANG_NAMES, LANGS, Lang, catalogue, format_count, msg
from kiosk.maintenance import KioskState
from kiosk.sizes import format_size
from screens.staff import StaffScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.legend import KeyLegend

EXIT_CONFIRM_SECONDS = 5.0


def age(delta: timedelta, lang: Lang) -> str:
    """``2 jam 05 menit`` / ``2 h 05 min``."""
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return msg("staff.state.age", hours=hours, minutes=f"{rest // 60:02d}").text(lang)


def describe(event: AuditEvent, lang: Lang, *, named: bool = True) -> str:
    """An audit event in staff's language: ``Sinkron: diterapkan (staf: urutan 2, ...)``;
    without its name where the line already says what it is (``named`` false).

    The log keeps codes; what has no words in the catalogue is shown as it is stored.
    """
    if event.event == Event.STAFF_LANGUAGE and event.outcome in LANGS:
        outcome = LANG_NAMES[event.outcome]
    else:
        outcome = _word(f"audit.outcome.{event.outcome}", event.outcome, lang)
    detail = _detail(event, lang)
    said = outcome + (f" ({detail})" if detail else "")
    return f"{_word(f'audit.event.{event.event}', event.event, lang)}: {said}" if named else said


def _word(key: str, stored: str, lang: Lang) -> str:
    return msg(key).text(lang) if key in catalogue() else stored


def _detail(event: AuditEvent, lang: Lang) -> str:
    key = f"audit.detail.{event.event}.{event.outcome}"
    fields = parse_details(event.detail)
    if fields is None or key not in catalogue():
        return event.detail
    params = {name: _field(name, value, lang) for name, value in fields.items()}
    try:
        return msg(key, **params).text(lang)
    except KeyError:
        return event.detail  # Written by another version, with other fields.


def _field(name: str, value: str, lang: Lang) -> str:
    if name in ("trigger", "target"):
        return _word(f"audit.{name}.{value}", value, lang)
    if name == "error":
        try:
            return _word(value, value, lang)
        except KeyError:
            return value  # A sentence that needs parameters the log does not keep.
    if name == "until":
        with suppress(ValueError):
            return clock_time(datetime.strptime(value, UNTIL_FORMAT).replace(tzinfo=UTC), lang)
        return value
    return format_count(int(value), lang) if value.isdigit() else value


class MaintenanceScreen(StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        ("s", "sync", "Sync"),
        ("i", "integrity", "Integrity"),
        ("o", "serving", "Service on/off"),
        ("b", "language", "Language"),
        ("k", "contrast", "Contrast"),
        ("x", "exit_app", "Exit"),
        ("escape", "logout", "Log out"),
        Binding("up", "app.focus_previous", show=False),
        Binding("down", "app.focus_next", show=False),
    ]

    kiosk_state: var[KioskState | None] = var(None)
    """What the kiosk last reported; ``None`` until the first report arrives."""
    state_problem: var[str] = var("")
    """Why the state could not be read, in staff's language."""
    busy: var[bool] = var(False)
    """A sync or an integrity check is running: its progress bar shows, other actions wait."""
    result: var[str] = var("")
    """The outcome of staff's last action."""

    def __init__(self) -> None:
        super().__init__()
        self._exit_armed_at: float | None = None

    def compose(self) -> ComposeResult:
        yield from self.staff_topbar()
        with Horizontal(id="staff-layout"):
            with Vertical(id="staff-state"):
                yield Static(self.t("staff.loading"), id="state")
                yield Static(self.t("staff.recent"), classes="heading")
                yield Static(id="recent")
            with Vertical(id="staff-actions"):
                yield KioskButton(self.t("staff.sync"), id="sync", variant="primary")
                yield KioskButton(self.t("staff.integrity"), id="integrity")
                yield KioskButton(self.t("staff.serving_off"), id="serving")
                yield KioskButton(self.t("staff.language"), id="language")
                yield KioskButton(self.t("staff.contrast"), id="contrast")
                yield KioskButton(self.t("staff.logout"), id="logout")
                yield KioskButton(self.t("staff.exit"), id="exit-app", variant="error")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static(id="result")
        yield KeyLegend([self.t("ui.legend.move_list"), self.t("ui.legend.press")], place="docked")

    def on_mount(self) -> None:
        self.load_state()

    # The state ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="staff-state")
    def load_state(self) -> None:
        try:
            state: KioskState | KioskError = self.kiosk.maintenance.state()
        except KioskError as error:
            state = error
        self.kiosk.call_from_thread(self._state_arrived, state)

    def _state_arrived(self, state: KioskState | KioskError) -> None:
        if not self.is_attached:
            return
        if isinstance(state, KioskError):
            self.state_problem = state.message.text(self.kiosk.lang)
            return
        before = self.kiosk_state
        self.kiosk.readiness_known(state.readiness)
        if before is not None and before.readiness.lang != state.readiness.lang:
            self.kiosk.switch_screen(MaintenanceScreen())  # Every label in the new language.
            return
        self.kiosk_state = state

    def watch_state_problem(self, problem: str) -> None:
        if problem:
            self.query_one("#state", Static).update(Text(problem))

    def watch_kiosk_state(self, state: KioskState | None) -> None:
        if state is None:
            return
        self.query_one("#state", Static).update(self._state_text(state))
        self.query_one("#recent", Static).update(self._recent_text(state.recent))
        serving = self.query_one("#serving", Button)
        serving.label = self.t(
            "staff.serving_on" if state.readiness.maintenance else "staff.serving_off"
        )

    def _state_text(self, state: KioskState) -> Text:
        t = self.t
        readiness = state.readiness
        lines: list[tuple[str, str]] = []
        if readiness.maintenance:
            lines.append((t("staff.state.service"), t("staff.state.maintenance")))
        elif readiness.serving:
            lines.append((t("staff.state.service"), t("staff.state.serving")))
        else:
            lines.append((t("staff.state.service"), t("staff.state.not_serving")))
        if readiness.problem is not None and not readiness.maintenance:
            lines.append((t("staff.state.reason"), readiness.problem.text(self.kiosk.lang)))
        if state.problem is not None:
            lines.append((t("staff.state.cache"), state.problem.text(self.kiosk.lang)))
        lang = self.kiosk.lang
        records = "?" if state.records is None else format_count(state.records, lang)
        lines.append((t("staff.state.records"), records))
        cursor = state.cursor
        if cursor is None:
            lines.append((t("staff.state.feed"), t("staff.state.never")))
        else:
            lines.append((t("staff.state.feed"), t("staff.state.cursor", sequence=cursor.sequence)))
            now = self.kiosk.service.clock()
            lines.append((t("staff.state.data_age"), age(now - cursor.synced_at, lang)))
        expires = state.metadata_expires
        lines.append(
            (
                t("staff.state.metadata"),
                "?" if expires is None else short_day_and_time(expires, lang),
            )
        )
        last = state.last_sync
        lines.append(
            (
                t("staff.state.last_sync"),
                t("staff.state.never")
                if last is None
                else f"{short_day_and_time(last.at, lang)} {describe(last, lang, named=False)}",
            )
        )
        lines.append((t("staff.state.key"), state.key_id or "?"))
        disk = state.disk
        lines.append(
            (
                t("staff.state.disk"),
                t(
                    "staff.state.disk_use",
                    cache=format_size(disk.cache, lang),
                    state=format_size(disk.state, lang),
                    free=format_size(disk.free, lang),
                ),
            )
        )
        lines.append((t("staff.state.language"), LANG_NAMES[readiness.lang]))
        lines.append((t("staff.state.printer"), state.printer.text(lang)))
        look = (
            "staff.state.contrast_high"
            if readiness.high_contrast
            else "staff.state.contrast_normal"
        )
        lines.append((t("staff.state.contrast"), t(look)))
        text = Text()
        for label, value in lines:
            text.append(f"{label}: ", style="bold")
            text.append(value + "\n")
        return text

    def _recent_text(self, events: list[AuditEvent]) -> Text:
        text = Text()
        lang = self.kiosk.lang
        for event in events:
            member = f" #{event.member[:8]}" if event.member else ""
            text.append(f"{short_day_and_time(event.at, lang)} ", style="dim")
            text.append(f"{describe(event, lang)}{member}\n")
        return text

    # Actions -----------------------------------------------------------------------

    def watch_result(self, text: str) -> None:
        self.query_one("#result", Static).update(Text(text))

    def watch_busy(self, busy: bool) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if busy:
            bar.update(total=None, progress=0)
        bar.display = busy

    def _start(self, label: str) -> bool:
        """One long action at a time; says so when staff ask for a second."""
        if self.busy:
            self.result = self.t("staff.busy")
            return False
        self.busy = True
        self._exit_armed_at = None
        self.result = label
        return True

    def _finish(self, text: str) -> None:
        if not self.is_attached:
            return
        self.busy = False
        self.result = text
        self.load_state()

    def _progress(self, done: int, total: int | None) -> None:
        if not self.is_attached:
            return
        self.kiosk.note_input()
        self.query_one("#progress", ProgressBar).update(total=total, progress=done)

    @on(Button.Pressed, "#sync")
    def action_sync(self) -> None:
        if self._start(self.t("staff.syncing")):
            self.run_sync()

    @work(thread=True, exclusive=True, group="staff-sync")
    def run_sync(self) -> None:
        report = self.kiosk.call_from_thread
        try:
            result = self.kiosk.maintenance.sync(_SyncProgress(self._progress, report))
        except KioskError as error:
            report(
                self._finish,
                self.t("staff.sync_failed", reason=error.message.text(self.kiosk.lang)),
            )
            return
        report(self._finish, self._sync_summary(result))

    def _sync_summary(self, result: SyncResult) -> str:
        sequence = result.after.sequence if result.after else 0
        if not result.applied:
            return self.t("staff.sync_current", sequence=sequence)
        stored = sum(done.upserted for done in result.applied)
        removed = sum(done.deleted for done in result.applied)
        return self.t("staff.sync_done", sequence=sequence, stored=stored, removed=removed)

    @on(Button.Pressed, "#integrity")
    def action_integrity(self) -> None:
        if self._start(self.t("staff.checking")):
            self.run_integrity()

    @work(thread=True, exclusive=True, group="staff-integrity")
    def run_integrity(self) -> None:
        report = self.kiosk.call_from_thread

        def progress(done: int, total: int) -> None:
            report(self._progress, done, total)

        try:
            result = self.kiosk.maintenance.check_integrity(progress)
        except KioskError as error:
            report(self._finish, error.message.text(self.kiosk.lang))
            return
        report(self._finish, self._integrity_summary(result))

    def _integrity_summary(self, result: IntegrityReport) -> str:
        if not result.bad:
            return self.t("staff.integrity_ok", checked=result.checked)
        rows = ", ".join(result.bad[:5]) + (" …" if len(result.bad) > 5 else "")
        return self.t("staff.integrity_bad", bad=len(result.bad), checked=result.checked, rows=rows)

    @on(Button.Pressed, "#serving")
    def action_serving(self) -> None:
        state = self.kiosk_state
        if state is None or self.busy:
            return
        self._quick(lambda: self.kiosk.maintenance.set_serving(state.readiness.maintenance))

    @on(Button.Pressed, "#language")
    def action_language(self) -> None:
        state = self.kiosk_state
        if state is None or self.busy:
            return
        other = next(lang for lang in LANGS if lang != state.readiness.lang)
        self._quick(lambda: self.kiosk.maintenance.set_default_lang(other))

    @on(Button.Pressed, "#contrast")
    def action_contrast(self) -> None:
        """The look members find on the welcome screen; staff see it at once, as they will."""
        state = self.kiosk_state
        if state is None or self.busy:
            return
        high = not state.readiness.high_contrast
        self._quick(lambda: self.kiosk.maintenance.set_default_contrast(high))

    def _quick(self, change: Callable[[], None]) -> None:
        """A setting: written and audited in a worker, then the state is read again.

        The last action's result goes: it was about that action, not this one.
        """
        self._exit_armed_at = None
        self.result = ""

        def run() -> None:
            try:
                change()
            except KioskError as error:
                self.kiosk.call_from_thread(
                    setattr, self, "result", error.message.text(self.kiosk.lang)
                )
            self.kiosk.call_from_thread(self.load_state)

        self.run_worker(run, thread=True, group="staff-setting")

    @on(Button.Pressed, "#logout")
    def action_logout(self) -> None:
        self.kiosk.leave_staff("staff")

    @on(Button.Pressed, "#exit-app")
    def action_exit_app(self) -> None:
        """Twice within a few seconds: systemd starts the kiosk again."""
        now = self.kiosk.ticks()
        armed = self._exit_armed_at
        if armed is None or now - armed > EXIT_CONFIRM_SECONDS:
            self._exit_armed_at = now
            self.result = self.t("staff.exit_confirm")
            return

        def run() -> None:
            try:
                self.kiosk.maintenance.note_exit()
            finally:
                self.kiosk.call_from_thread(self.kiosk.exit, 0)

        self.run_worker(run, thread=True, group="staff-exit")


class _SyncProgress:
    """The feed client's progress, carried to the screen's bar from the worker thread."""

    def __init__(
        self,
        show: Callable[[int, int | None], None],
        report: Callable[..., object],
    ) -> None:
        self._show = show
        self._report = report
        self._total: int | None = None
        self._done = 0

    def begin(self, bundle: BundleRef) -> None:
        self._total, self._done = bundle.records, 0
        self._report(self._show, 0, self._total)

    def advance(self, records: int) -> None:
        self._done += records
        self._report(self._show, self._done, self._total)

    def end(self, applied: Applied) -> None:
        self._report(self._show, self._done, self._total)
