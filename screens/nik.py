"""NIK entry: the physical keyboard or the on-screen pad, digits only, 16 at most."""

import math
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual import on
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Button

from kiosk.dates import clock_time
from kiosk.i18n import Message, msg
from kiosk.nik import NIK_LENGTH, InvalidNikError, NikProblem, normalise_nik
from kiosk.serving import Accepted, Admission, Busy, Invalid, Wait
from screens.base import EntryScreen
from screens.widgets.buttons import TouchButton
from screens.widgets.entry import EntryForm, group_digits
from screens.widgets.keypad import DigitPad


class NikScreen(EntryScreen):
    GUIDANCE = "nik"
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]
    SHOW_DEMO = True

    @property
    def digits(self) -> str:
        """The NIK typed so far: the form's value."""
        return self.form.value

    @digits.setter
    def digits(self, digits: str) -> None:
        self.form.value = digits

    def body(self) -> Iterable[Widget]:
        yield EntryForm(
            self.t("ui.nik.prompt"),
            DigitPad(self.t("ui.key.back"), self.t("ui.key.next")),
            typing=self.typed,
            drawing=lambda digits: group_digits(digits, NIK_LENGTH),
            hint=lambda digits: self.t("ui.nik.count", count=len(digits), length=NIK_LENGTH),
        )

    def legend(self) -> Iterable[str]:
        return map(self.key, ("digits", "erase", "next", "back", "help"))

    def actions(self) -> Iterable[Widget]:
        yield TouchButton(self.t("ui.back"), id="back")

    def on_mount(self) -> None:
        """Back from the mother's-name step, the member finds the NIK they typed."""
        session = self.kiosk.session
        if session is not None:
            self.digits = session.nik

    def _say(self, *problems: Message | None) -> str:
        lang = self.kiosk.lang
        return " ".join(problem.text(lang) for problem in problems if problem is not None)

    def typed(self, digits: str, text: str) -> tuple[str, str]:
        """Typing and pasting both land here; anything but digits changes nothing."""
        number = normalise_nik(text)
        if not (number.isascii() and number.isdigit()):
            return digits, self._say(InvalidNikError(NikProblem.NOT_DIGITS).message)
        joined = digits + number
        if len(joined) > NIK_LENGTH:
            too_long = InvalidNikError(NikProblem.TOO_LONG, count=len(joined))
            return digits, self._say(too_long.message)
        return joined, ""

    @on(EntryForm.Submitted)
    def admit(self, event: EntryForm.Submitted) -> None:
        """The service checks the NIK against the rules and the abuse limits, and audits it."""
        if self.checking or self.kiosk.session is None:
            return
        admit = partial(self.kiosk.service.admit, event.value)
        self.ask(admit, self.admitted, "a NIK could not be checked")

    def admitted(self, result: Admission) -> None:
        from screens.verify import VerifyScreen

        if isinstance(result, Accepted):
            self.session.nik = result.nik
            self.kiosk.switch_screen(VerifyScreen())
            return
        problems: tuple[Message | None, ...]
        if isinstance(result, Invalid):
            problems = (result.problem, self._wait_note(result.wait_until))
        elif isinstance(result, Wait):
            problems = (msg("ui.limits.wait", count=self._seconds_to(result.until)),)
        elif isinstance(result, Busy):
            problems = (msg("ui.limits.busy", count=self._seconds_to(result.until)),)
        else:
            self.digits = ""
            problems = (msg("ui.limits.locked", until=clock_time(result.until, self.kiosk.lang)),)
        self.form.message = self._say(*problems)

    def _seconds_to(self, moment: datetime) -> int:
        return max(1, math.ceil((moment - self.kiosk.service.clock()).total_seconds()))

    def _wait_note(self, until: datetime | None) -> Message | None:
        return None if until is None else msg("ui.limits.wait", count=self._seconds_to(until))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.kiosk.wipe()
