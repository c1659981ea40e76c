"""The countdown before an idle session is wiped, with a button to keep it."""

import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Button, Static

from screens.base import KioskModal
from screens.widgets.buttons import KioskButton
from screens.widgets.legend import KeyLegend


class IdleScreen(KioskModal):
    GUIDANCE = "idle"
    seconds_left: var[float] = var(0.0)
    """Until the session is wiped; the App counts it down."""

    def __init__(self, seconds_left: float) -> None:
        super().__init__()
        self.set_reactive(IdleScreen.seconds_left, seconds_left)

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-box"):
            yield Static(self.t("ui.idle.title"), classes="title-small")
            yield Static(self._text(), id="countdown")
            yield KioskButton(self.t("ui.idle.continue"), id="continue", variant="primary")
            yield KeyLegend([self.t("ui.legend.any_key")], place="inline")

    def _text(self) -> str:
        return self.t("ui.idle.countdown", count=max(0, math.ceil(self.seconds_left)))

    def watch_seconds_left(self) -> None:
        self.query_one("#countdown", Static).update(self._text())

    @on(Button.Pressed, "#continue")
    def keep(self) -> None:
        self.kiosk.note_input()
        self.dismiss()

    def on_key(self) -> None:
        self.keep()
