"""The printed slip, offered where the member sees their status or card.

The button shows only once the printer has said it is ready (asked off the
event loop: a network printer may take seconds to answer), and a print runs
in a worker thread too. A printer that fails says why in one sentence in the
member's language, and the button goes until the next member.
"""

from collections.abc import Iterable

from textual import on, work
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.printer import PrinterError, PrinterState
from kiosk.serving import MemberView
from screens.base import VerifiedScreen
from screens.widgets.buttons import KioskButton


class PrintingScreen(VerifiedScreen):
    """A verified screen with a Print button (``#print``) and a line for how it went."""

    printer_ready = False
    """The printer last said it was ready; the button shows only then."""
    printing = False

    @property
    def has_printer(self) -> bool:
        return self.kiosk.service.printer.configured

    def shortcuts(self) -> tuple[str, ...]:
        """Print by its letter too, on a kiosk with a printer; before Done, as the buttons."""
        if not self.has_printer:
            return self.SHORTCUTS
        *others, done = self.SHORTCUTS
        return (*others, "print", done)

    def print_button(self) -> Iterable[Widget]:
        button = KioskButton(self.t("ui.print.button"), id="print")
        button.display = self.printer_ready
        yield button

    def print_note(self) -> Static:
        note = Static("", id="print-note", classes="hint")
        note.display = False
        return note

    def card_index(self) -> int | None:
        """The card the slip carries: ``None``, the current membership's."""
        return None

    def ask_printer(self) -> None:
        """Whether to offer the button, for the member now on screen."""
        self._show_print(ready=False, note="")
        if self.has_printer:
            self._ask_printer()

    @work(thread=True, exclusive=True, group="printer")
    def _ask_printer(self) -> None:
        state = self.kiosk.service.printer.state()
        self.kiosk.call_from_thread(self._show_print, ready=state is PrinterState.READY)

    def _show_print(self, *, ready: bool, note: str | None = None) -> None:
        self.printer_ready = ready
        try:
            self.query_one("#print", Button).display = ready
            if note is not None:
                shown = self.query_one("#print-note", Static)
                shown.update(note)
                shown.display = bool(note)
        except NoMatches:
            return  # The screen was rebuilt or left meanwhile: the next build asks again.

    @on(Button.Pressed, "#print")
    def action_print(self) -> None:
        if not self.printer_ready or self.printing:
            return
        self.printing = True
        self._show_print(ready=True, note=self.t("ui.print.printing"))
        self._print(self.view, self.card_index())

    @work(thread=True, group="printer")
    def _print(self, view: MemberView, card: int | None) -> None:
        try:
            self.kiosk.service.printer.print_slip(view, self.kiosk.lang, card=card)
        except PrinterError as error:
            self.kiosk.call_from_thread(self._printed, error)
            return
        self.kiosk.call_from_thread(self._printed, None)

    def _printed(self, error: PrinterError | None) -> None:
        self.printing = False
        if self.kiosk.session is None:
            return  # Wiped while printing: the next member must not read about it.
        if error is None:
            self._show_print(ready=True, note=self.t("ui.print.done"))
        else:
            self._show_print(ready=False, note=error.message.text(self.kiosk.lang))
