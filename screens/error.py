"""What a member sees instead of a traceback: an apology, then a fresh start."""

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import msg
from screens.base import KioskScreen


class ErrorScreen(KioskScreen):
    FAREWELL = True
    SHOWN_SECONDS = 6.0

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Static(msg("ui.error.title").text("id"), classes="title")
            yield Static(msg("ui.error.title").text("en"), classes="title-en")
            yield Static(msg("ui.error.body").bilingual(), classes="lead")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.kiosk.wipe()
