"""NIK entry: the physical keyboard or the on-screen pad, digits only, 16 at most."""

import logging
import math
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.errors import KioskError
from kiosk.i18n import Message, msg
from kiosk.nik import NIK_LENGTH, InvalidNikError, NikProblem, normalise_nik
from kiosk.serving import Accepted, Admission, Busy, Invalid, Wait
from screens.base import EntryScreen, format_clock
from screens.error import ErrorScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.entry import EntryLine, group_digits
from screens.widgets.keypad import DigitPad

log = logging.getLogger(__name__)


class NikScreen(EntryScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]
    SHOW_DEMO = True

    def __init__(self) -> None:
        super().__init__()
        session = self.kiosk.session
        self.digits = session.nik if session is not None else ""
        self.checking = False

    def body(self) -> Iterable[Widget]:
        with Vertical(id="entry"):
            yield Static(self.t("ui.nik.prompt"), classes="prompt")
            with Center():
                yield EntryLine(id="nik")
            yield Static(id="count", classes="hint")
            yield Static(id="problem", classes="problem")
            with Center():
                yield DigitPad(self.t("ui.key.back"), self.t("ui.key.next"))

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("ui.back"), id="back")

    def on_mount(self) -> None:
        self._show()

    def _show(self, *problems: Message | None) -> None:
        typed, rest = group_digits(self.digits, NIK_LENGTH)
        self.query_one("#nik", EntryLine).show(typed, rest)
        self.query_one("#count", Static).update(
            self.t("ui.nik.count", count=len(self.digits), length=NIK_LENGTH)
        )
        lang = self.kiosk.lang
        self.query_one("#problem", Static).update(
            " ".join(problem.text(lang) for problem in problems if problem is not None)
        )

    def type_text(self, text: str) -> None:
        """Typing and pasting both land here; anything but digits changes nothing."""
        number = normalise_nik(text)
        if not (number.isascii() and number.isdigit()):
            self._show(InvalidNikError(NikProblem.NOT_DIGITS).message)
            return
        joined = self.digits + number
        if len(joined) > NIK_LENGTH:
            self._show(InvalidNikError(NikProblem.TOO_LONG, count=len(joined)).message)
            return
        self.digits = joined
        self._show()

    def erase(self) -> None:
        self.digits = self.digits[:-1]
        self._show()

    def submit(self) -> None:
        if self.checking or self.kiosk.session is None:
            return
        self.checking = True
        self.admit(self.digits)

    @work(thread=True, exclusive=True, group="admit")
    def admit(self, digits: str) -> None:
        """The service checks the NIK against the rules and the abuse limits, and audits it."""
        try:
            result = self.kiosk.service.admit(digits)
        except KioskError as error:
            log.error("a NIK could not be checked: %s", error.message.key)
            self.kiosk.call_from_thread(self.kiosk.wipe, ErrorScreen())
            return
        self.kiosk.call_from_thread(self.admitted, result)

    def admitted(self, result: Admission) -> None:
        from screens.verify import VerifyScreen

        self.checking = False
        session = self.kiosk.session
        if session is None:
            return
        if isinstance(result, Accepted):
            session.nik = result.nik
            self.kiosk.switch_screen(VerifyScreen())
        elif isinstance(result, Invalid):
            self._show(result.problem, self._wait_note(result.wait_until))
        elif isinstance(result, Wait):
            self._show(msg("ui.limits.wait", seconds=self._seconds_to(result.until)))
        elif isinstance(result, Busy):
            self._show(msg("ui.limits.busy", seconds=self._seconds_to(result.until)))
        else:
            self.digits = ""
            self._show(msg("ui.limits.locked", until=format_clock(result.until)))

    def _seconds_to(self, moment: datetime) -> int:
        return max(1, math.ceil((moment - self.kiosk.service.clock()).total_seconds()))

    def _wait_note(self, until: datetime | None) -> Message | None:
        return None if until is None else msg("ui.limits.wait", seconds=self._seconds_to(until))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.kiosk.wipe()
