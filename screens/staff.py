"""The way into maintenance mode: the staff PIN, typed or tapped, checked off the event loop."""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.errors import KioskError
from kiosk.maintenance import LoggedIn, Login, NoPin, WrongPin
from kiosk.pin import MAX_PIN
from kiosk.serving import Locked
from screens.base import EntryScreen, KioskScreen, format_clock
from screens.widgets.buttons import KioskButton
from screens.widgets.entry import EntryLine
from screens.widgets.keypad import DigitPad

PIN_DOT = "●"


class StaffScreen(KioskScreen):
    """A screen of staff's: the member idle timer leaves it alone, the staff one does not."""

    def staff_topbar(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self.t("staff.title"), id="brand")


class PinScreen(EntryScreen, StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.pin = ""
        self.checking = False

    def topbar(self, *, data_date: bool = True) -> ComposeResult:
        return self.staff_topbar()

    def body(self) -> Iterable[Widget]:
        with Vertical(id="entry"):
            yield Static(self.t("staff.pin.prompt"), classes="prompt")
            with Center():
                yield EntryLine(id="pin")
            yield Static(id="problem", classes="problem")
            with Center():
                yield DigitPad(self.t("ui.key.back"), self.t("staff.pin.enter"))

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("staff.cancel"), id="cancel")

    def on_mount(self) -> None:
        self._show()

    def _show(self, problem: str = "") -> None:
        dot = "*" if self.kiosk.linux_console else PIN_DOT
        self.query_one("#pin", EntryLine).show(dot * len(self.pin), "_" if not self.pin else "")
        self.query_one("#problem", Static).update(Text(problem))

    def type_text(self, text: str) -> None:
        if not (text.isascii() and text.isdigit()):
            self._show(self.t("staff.pin.digits_only"))
            return
        self.pin = (self.pin + text)[:MAX_PIN]
        self._show()

    def erase(self) -> None:
        self.pin = self.pin[:-1]
        self._show()

    def submit(self) -> None:
        if self.checking or not self.pin:
            return
        self.checking = True
        self._show(self.t("staff.pin.checking"))
        self.check(self.pin)

    @work(thread=True, exclusive=True, group="pin")
    def check(self, pin: str) -> None:
        """scrypt takes a tenth of a second on purpose: never on the event loop."""
        try:
            result: Login | KioskError = self.kiosk.maintenance.login(pin)
        except KioskError as error:
            result = error
        self.kiosk.call_from_thread(self.checked, result)

    def checked(self, result: Login | KioskError) -> None:
        self.checking = False
        self.pin = ""
        if isinstance(result, LoggedIn):
            self.kiosk.enter_staff()
        elif isinstance(result, WrongPin):
            self._show(self.t("staff.pin.wrong", left=result.attempts_left))
        elif isinstance(result, Locked):
            self._show(self.t("staff.pin.locked", until=format_clock(result.until)))
        elif isinstance(result, NoPin):
            self._show(self.t("staff.pin.none"))
        else:
            self._show(result.message.text(self.kiosk.lang))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.kiosk.leave_staff("cancel")
