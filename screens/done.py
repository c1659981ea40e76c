"""The end of a session: everything personal is already gone; thank the member."""

from collections.abc import Iterable

from textual import events, on
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.i18n import msg
from screens.base import MemberScreen
from screens.widgets.buttons import KioskButton


class DoneScreen(MemberScreen):
    GUIDANCE = "done"
    FAREWELL = True
    SHOWN_SECONDS = 8.0

    def body(self) -> Iterable[Widget]:
        with Vertical(id="done-box"):
            yield Static(msg("ui.done_screen.thanks").text("id"), classes="title")
            yield Static(msg("ui.done_screen.thanks").text("en"), classes="title-en")
            yield Static(msg("ui.done_screen.wiped").bilingual(), classes="lead")
            yield Static(msg("ui.done_screen.channels").bilingual(), classes="note")

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(msg("ui.done_screen.again").bilingual(), id="again", variant="primary")

    @on(Button.Pressed, "#again")
    def again(self) -> None:
        self.kiosk.wipe()

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.again()
