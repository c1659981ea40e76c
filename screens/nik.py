"""NIK entry: the physical keyboard or the on-screen pad, digits only, 16 at most."""

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.errors import KioskError
from kiosk.i18n import Message
from kiosk.nik import NIK_LENGTH, InvalidNikError, NikProblem, normalise_nik, parse_nik
from screens.base import EntryScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.entry import EntryLine, group_digits
from screens.widgets.keypad import DigitPad


class NikScreen(EntryScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "back", "Back")]
    SHOW_DEMO = True

    def __init__(self) -> None:
        super().__init__()
        session = self.kiosk.session
        self.digits = session.nik if session is not None else ""

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

    def _show(self, problem: Message | None = None) -> None:
        typed, rest = group_digits(self.digits, NIK_LENGTH)
        self.query_one("#nik", EntryLine).show(typed, rest)
        self.query_one("#count", Static).update(
            self.t("ui.nik.count", count=len(self.digits), length=NIK_LENGTH)
        )
        self.query_one("#problem", Static).update(
            "" if problem is None else problem.text(self.kiosk.lang)
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
        from screens.verify import VerifyScreen

        try:
            nik = parse_nik(self.digits, self.kiosk.service.clock().date())
        except KioskError as error:
            self._show(error.message)
            return
        session = self.kiosk.session
        if session is None:
            return
        session.nik = nik.number
        self.kiosk.switch_screen(VerifyScreen())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.kiosk.wipe()
