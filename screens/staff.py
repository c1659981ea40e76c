"""The way into maintenance mode: the staff PIN, typed or tapped, checked off the event loop."""

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.dates import clock_time
from kiosk.errors import KioskError
from kiosk.maintenance import LoggedIn, Login, NoPin, WrongPin
from kiosk.pin import MAX_PIN
from kiosk.serving import Locked
from screens.base import EntryScreen, KioskScreen
from screens.widgets.buttons import TouchButton
from screens.widgets.entry import EntryForm
from screens.widgets.keypad import DigitPad

PIN_DOT = "●"


class StaffScreen(KioskScreen):
    """A screen of staff's: the member idle timer leaves it alone, the staff one does not."""

    def staff_topbar(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self.t("staff.title"), id="brand")


class PinScreen(EntryScreen, StaffScreen):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def topbar(self, *, data_date: bool = True) -> ComposeResult:
        return self.staff_topbar()

    def body(self) -> Iterable[Widget]:
        yield EntryForm(
            self.t("staff.pin.prompt"),
            DigitPad(self.t("ui.key.back"), self.t("staff.pin.enter")),
            typing=self.typed,
            drawing=self.dots,
        )

    def legend(self) -> Iterable[str]:
        return map(self.key, ("digits", "erase", "check", "back"))

    def actions(self) -> Iterable[Widget]:
        yield TouchButton(self.t("staff.cancel"), id="cancel")

    def dots(self, pin: str) -> tuple[str, str]:
        dot = "*" if self.kiosk.linux_console else PIN_DOT
        return dot * len(pin), "" if pin else "_"

    def typed(self, pin: str, text: str) -> tuple[str, str]:
        if not (text.isascii() and text.isdigit()):
            return pin, self.t("staff.pin.digits_only")
        return (pin + text)[:MAX_PIN], ""

    @on(EntryForm.Submitted)
    def check(self, event: EntryForm.Submitted) -> None:
        if self.checking or not event.value:
            return
        self.form.message = self.t("staff.pin.checking")
        self.ask(partial(self._login, event.value), self.checked, "a PIN could not be checked")

    def _login(self, pin: str) -> Login | KioskError:
        """scrypt takes a tenth of a second on purpose (never on the event loop); a PIN store
        that cannot be read is said here, to staff, not hidden behind the members' error screen."""
        try:
            return self.kiosk.maintenance.login(pin)
        except KioskError as error:
            return error

    def checked(self, result: Login | KioskError) -> None:
        self.form.value = ""
        if isinstance(result, LoggedIn):
            self.kiosk.enter_staff()
        elif isinstance(result, WrongPin):
            self.form.message = self.t("staff.pin.wrong", left=result.attempts_left)
        elif isinstance(result, Locked):
            self.form.message = self.t(
                "staff.pin.locked", until=clock_time(result.until, self.kiosk.lang)
            )
        elif isinstance(result, NoPin):
            self.form.message = self.t("staff.pin.none")
        else:
            self.form.message = result.message.text(self.kiosk.lang)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.kiosk.leave_staff("cancel")
