"""The kiosk App: lock-down, the member session, the idle wipe and the last line against errors.

Everything blocking lives in :class:`kiosk.service.KioskService`, handed in
through the constructor; tests build the App with a temporary cache, a fixed
clock and a fake tick source (:func:`screens.factory.build_app`).
"""

import asyncio
import gc
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from kiosk.banner import Banner
from kiosk.config import AccessibilitySettings, QrMode
from kiosk.errors import KioskError
from kiosk.i18n import Lang, msg
from kiosk.logs import log_unexpected
from kiosk.maintenance import Maintenance
from kiosk.notify import Notifier
from kiosk.schedule import SYNC_NOW, SyncSchedule, sync_now_was_held
from kiosk.serving import KioskService, MemberView, Readiness
from kiosk.speech import Speaker
from screens.theme import HIGH_CONTRAST_CONSOLE_THEME, HIGH_CONTRAST_THEME, KIOSK_THEME, THEMES

log = logging.getLogger(__name__)

IDLE_WARNING = 10.0
"""Seconds of countdown shown before an idle session is wiped."""
ERROR_BURST = 3
"""Unexpected errors within :data:`ERROR_WINDOW` that make the App exit for systemd to restart."""
ERROR_WINDOW = 60.0
TALL_SCREEN = 30
STAFF_KEY = "f12"
"""The key documented for staff; members' keypads and keyboards have none."""
STAFF_TAPS = 5
"""Taps on the top-left corner, within :data:`STAFF_TAP_SECONDS`, that open the PIN prompt."""
STAFF_TAP_SECONDS = 3.0
STAFF_CORNER = (12, 2)
"""Columns and rows of the top-left corner that counts for the staff gesture."""
_ACTIVITY = (
    events.Key,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)
"""Rows from which on-screen keys get their full, touch-sized height."""


@dataclass
class Session:
    """What one member has told the kiosk and been shown; dropped whole on wipe."""

    lang: Lang
    nik: str = ""
    view: MemberView | None = None


def _tidy_memory() -> None:
    """Collect between members, and freeze what survives, so that no full collection
    lands while the next member waits for their status (it cost 100-500 ms there)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class KioskApp(App[int], inherit_bindings=False):
    """No quit, no palette, no suspend: App's own bindings are not inherited."""

    CSS_PATH = "kiosk.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(STAFF_KEY, "staff", "Staff", show=False, priority=True),
    ]
    TITLE = "BPJS Ketenagakerjaan"

    def __init__(
        self,
        service: KioskService,
        maintenance: Maintenance,
        *,
        console: bool = False,
        qr_mode: QrMode = "half",
        banner: Banner | None = None,
        ticks: Callable[[], float] = time.monotonic,
        notifier: Notifier | None = None,
        schedule: SyncSchedule | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        super().__init__()
        self.speaker = speaker or Speaker(AccessibilitySettings())
        """Each screen's instruction read aloud; silent unless staff turned speech on."""
        # Before the stylesheet is first read: it asks for the kiosk's own variables.
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = KIOSK_THEME.name
        self.notifier = notifier or Notifier(None)
        """systemd's READY, WATCHDOG and STATUS; a no-op outside systemd."""
        self.schedule = schedule
        """The background sync; ``None``: none (tests, benchmarks)."""
        self.last_sync: str = "none yet"
        """The background sync's last outcome, for STATUS=; nothing personal."""
        self._next_sync: Timer | None = None
        self._syncing = False
        self._ready_sent = False
        self.service = service
        self.maintenance = maintenance
        self.linux_console = console
        """The bare Linux console: 16 colours, CP437 glyphs, whole-cell QR codes."""
        self.qr_mode = qr_mode
        self.banner = banner
        self.ticks = ticks
        self.session: Session | None = None
        self.staff = False
        """Staff proved the PIN and are in maintenance mode."""
        self.readiness: Readiness | None = None
        self.contrast_choice: bool | None = None
        """A member's own choice of high contrast (``None``: staff's default), until the wipe."""
        self._taps: list[float] = []
        self._last_input = ticks()
        self._errors: list[float] = []

    @property
    def lang(self) -> Lang:
        """The member's choice; before it, the kiosk's default language."""
        if self.session is not None:
            return self.session.lang
        return "id" if self.readiness is None else self.readiness.lang

    def t(self, key: str, /, **params: object) -> str:
        """A sentence in the member's language (Bahasa Indonesia until one is chosen)."""
        return msg(key, **params).text(self.lang)

    @property
    def high_contrast(self) -> bool:
        """The member's choice; before it and after their session, the staff's default."""
        if self.contrast_choice is not None:
            return self.contrast_choice
        return self.readiness is not None and self.readiness.high_contrast

    def choose_contrast(self, high: bool) -> None:
        """A member's choice of look: it lasts until the session is wiped."""
        self.contrast_choice = high
        self.note_input()
        self.show_contrast()

    def show_contrast(self) -> None:
        """Theme and class follow :attr:`high_contrast`; only a change restyles the screens."""
        high = self.high_contrast
        theme = KIOSK_THEME
        if high:
            theme = HIGH_CONTRAST_CONSOLE_THEME if self.linux_console else HIGH_CONTRAST_THEME
        if self.theme != theme.name:
            self.theme = theme.name
        self.set_class(high, "-high-contrast")

    def on_mount(self) -> None:
        self.set_class(self.linux_console, "-console")
        asked_while_starting = sync_now_was_held()
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(number, self._stop)
            loop.add_signal_handler(SYNC_NOW, self.sync_now)
        self.set_interval(0.25, self.tick_idle)
        if (every := self.notifier.watchdog_interval) is not None:
            # From the event loop itself: a hung UI stops the pings and systemd restarts it.
            self.set_interval(every, self.notifier.watchdog)
        if self.schedule is not None:
            self._next_sync = self.set_timer(self.schedule.first(), self.background_sync)
        if asked_while_starting:
            self.sync_now()
        from screens.welcome import WelcomeScreen

        self.push_screen(WelcomeScreen())

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < TALL_SCREEN, "-short")

    def on_unmount(self) -> None:
        self.speaker.stop()

    def _stop(self) -> None:
        """Signals end the App through its own shutdown, which restores the terminal."""
        log.info("stopping on signal")
        self.exit(0)

    # The session -----------------------------------------------------------------

    def start_session(self, lang: Lang) -> None:
        self.session = Session(lang=lang)
        self.note_input()

    async def show_status(self) -> None:
        """The verified member's status, on the screen kept for their language.

        Refilled before it is shown, so that the first paint is already theirs.
        """
        from screens.status import StatusScreen

        name = f"status-{self.lang}"
        if self.is_screen_installed(name):
            screen = self.get_screen(name, StatusScreen)
            await screen.refill()
        else:
            screen = StatusScreen()
            self.install_screen(screen, name)
        self.switch_screen(screen)

    def wipe(self, then: Screen[Any] | None = None) -> None:
        """Forget the member and show ``then`` (the welcome screen): nothing of them stays.

        Their choice of look goes too, but for a farewell screen (Done, the apology),
        which closes their visit in the look they read it in.
        """
        from screens.base import KioskScreen
        from screens.welcome import WelcomeScreen

        self.session = None
        self.speaker.stop()
        if not (isinstance(then, KioskScreen) and then.FAREWELL):
            self.contrast_choice = None
            self.show_contrast()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(then or WelcomeScreen())
        self.call_after_refresh(_tidy_memory)

    def note_input(self) -> None:
        self._last_input = self.ticks()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _ACTIVITY):
            self.note_input()
        if isinstance(event, events.MouseDown):
            self._tap(event.screen_x, event.screen_y)
        await super().on_event(event)

    def idle_for(self) -> float:
        return self.ticks() - self._last_input

    def tick_idle(self) -> None:
        """Count down in the last seconds and wipe at the end; only while a session is open."""
        from screens.base import KioskScreen
        from screens.idle import IdleScreen
        from screens.staff import StaffScreen

        if isinstance(self.screen, KioskScreen) and self.screen.farewell_over(self.ticks()):
            self.wipe()
            return
        if isinstance(self.screen, StaffScreen):
            if self.idle_for() >= self.service.guard.limits.staff_idle.total_seconds():
                self.leave_staff("idle")
            return
        left = self.service.settings.idle_timeout.total_seconds() - self.idle_for()
        if self.session is None:
            # Help opened, or the look changed, before anyone started: the next member must
            # find the welcome screen as staff left it.
            chose = isinstance(self.screen, ModalScreen) or self.contrast_choice is not None
            if left <= 0 and chose:
                self.wipe()
            return
        if left <= 0:
            log.info("session wiped after idle time")
            self.wipe()
        elif left <= IDLE_WARNING:
            if isinstance(self.screen, IdleScreen):
                self.screen.seconds_left = left
            else:
                self.push_screen(IdleScreen(left))

    # Staff -----------------------------------------------------------------------

    def _tap(self, x: int, y: int) -> None:
        """The hidden gesture for touch screens: quick taps on the top-left corner."""
        columns, rows = STAFF_CORNER
        if x >= columns or y >= rows:
            self._taps.clear()
            return
        now = self.ticks()
        self._taps = [t for t in self._taps if now - t < STAFF_TAP_SECONDS] + [now]
        if len(self._taps) >= STAFF_TAPS:
            self._taps.clear()
            self.action_staff()

    def action_staff(self) -> None:
        """Open the PIN prompt; a member's session, if one is open, is wiped first."""
        from screens.staff import PinScreen, StaffScreen

        if isinstance(self.screen, StaffScreen):
            return
        if self.session is not None:
            log.info("member session wiped for staff")
        self.wipe(PinScreen())

    def enter_staff(self) -> None:
        from screens.maintenance import MaintenanceScreen

        self.staff = True
        self.note_input()
        self.switch_screen(MaintenanceScreen())

    def leave_staff(self, reason: str) -> None:
        """Back to the members' side; a logged-in staff member's logout is audited."""
        if self.staff:
            self.staff = False
            self.run_worker(lambda: self.maintenance.logout(reason), thread=True, group="audit")
        self.readiness = None
        self.wipe()

    # Errors ----------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Log where it happened, never what it said; then start over at the welcome screen.

        An exception's text or locals may hold a NIK or a name, so only its
        type and the code locations reach the log, and nothing reaches the screen
        but the error screen. A burst of errors means the App itself is broken:
        it exits and systemd starts a fresh one.
        """
        from screens.error import ErrorScreen

        log_unexpected(log, error)
        now = self.ticks()
        self._errors = [t for t in self._errors if now - t < ERROR_WINDOW] + [now]
        if len(self._errors) >= ERROR_BURST or not self.is_running:
            self._return_code = 1
            self.exit(1)
            return
        self.session = None
        self.staff = False
        self.call_later(self.wipe, ErrorScreen())

    # systemd and the background sync ---------------------------------------------------

    def readiness_known(self, readiness: Readiness) -> None:
        """The cache was opened (or found broken) and a screen is up: tell systemd."""
        self.readiness = readiness
        self.show_contrast()
        status = self.status_line()
        if not self._ready_sent:
            self._ready_sent = True
            self.notifier.ready(status)
        else:
            self.notifier.status(status)

    def status_line(self) -> str:
        """``STATUS=`` for ``systemctl status``: the cache's state, never a member's data."""
        readiness = self.readiness
        if readiness is None:
            state = "starting"
        elif readiness.maintenance:
            state = "out of service (staff)"
        elif readiness.problem is not None:
            state = f"out of service: {readiness.problem.key}"
        else:
            state = "serving" + (" (stale data)" if readiness.stale else "")
        data = readiness.data_time if readiness is not None else None
        when = "never synced" if data is None else f"data of {data:%Y-%m-%d %H:%M} UTC"
        return f"{state}; {when}; last background sync: {self.last_sync}"

    def background_sync(self, trigger: str = "timer") -> None:
        self._syncing = True
        self.run_worker(
            lambda: self._sync_in_background(trigger), thread=True, group="background-sync"
        )

    def sync_now(self) -> None:
        """The operator's :data:`~kiosk.schedule.SYNC_NOW_COMMAND` (a USB stick was just plugged
        in, say): the background sync at once rather than at its next time, then on schedule."""
        if self.schedule is None or self._syncing:
            log.info("sync requested by signal: %s", "already syncing" if self._syncing else "off")
            return
        log.info("sync requested by signal")
        if self._next_sync is not None:
            self._next_sync.stop()
        self.background_sync(trigger="signal")

    def _sync_in_background(self, trigger: str) -> None:
        """A worker thread with its own cache connection: members' lookups go on meanwhile."""
        try:
            result = self.maintenance.sync(None, trigger=trigger)
        except KioskError as error:
            outcome, ok = f"failed ({error.message.key})", False
        else:
            after = result.after.sequence if result.after else 0
            outcome, ok = f"ok, sequence {after}", True
        moment = self.service.clock()
        self.call_from_thread(self._synced, f"{outcome} at {moment:%H:%M} UTC", ok)

    def _synced(self, outcome: str, ok: bool) -> None:
        self._syncing = False
        self.last_sync = outcome
        log.info("background sync: %s", outcome)
        self.notifier.status(self.status_line())
        from screens.base import KioskScreen

        if ok and isinstance(self.screen, KioskScreen):
            # The new data's date and state at once, not at the screen's next recheck.
            self.screen.check_readiness()
        if self.schedule is not None:
            self._next_sync = self.set_timer(self.schedule.after(ok), self.background_sync)

    def data_time(self) -> datetime | None:
        return None if self.readiness is None else self.readiness.data_time
