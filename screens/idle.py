"""The countdown before an idle session is wiped, with a button to keep it."""

import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static

from screens.base import KioskModal
from screens.widgets.buttons import KioskButton


class IdleScreen(KioskModal):
    def __init__(self, seconds_left: float) -> None:
        super().__init__()
        self._left = seconds_left

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-box"):
            yield Static(self.t("ui.idle.title"), classes="title-small")
            yield Static(self._text(), id="countdown")
            yield KioskButton(self.t("ui.idle.continue"), id="continue", variant="primary")

    def _text(self) -> str:
        return self.t("ui.idle.countdown", seconds=max(0, math.ceil(self._left)))

    def show(self, seconds_left: float) -> None:
        self._left = seconds_left
        self.query_one("#countdown", Static).update(self._text())

    @on(Button.Pressed, "#continue")
    def keep(self) -> None:
        self.kiosk.note_input()
        self.dismiss()

    def on_key(self) -> None:
        self.keep()
