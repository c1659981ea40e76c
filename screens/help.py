"""Help from any member screen: the other official channels and what to do in each problem."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Static

from screens.base import KioskModal
from screens.widgets.buttons import KioskButton
from screens.widgets.legend import KeyLegend
from screens.widgets.reading import SCROLL_BINDINGS, ReadingScroll, ScrollsReading

PROBLEMS = ("nik", "no_match", "inactive", "unpaid", "wrong_data", "card", "lost")


class HelpScreen(ScrollsReading, KioskModal):
    GUIDANCE = "help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("f1", "close", "Close"),
        Binding("enter", "close", "Close"),
        *SCROLL_BINDINGS,
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(self.t("ui.help.title"), classes="title-small")
            with ReadingScroll(id="help-text"):
                yield Static(self.t("ui.help.channels_title"), classes="heading")
                yield Static(self.t("ui.help.channels"), classes="channels")
                yield Static(self.t("ui.help.problems_title"), classes="heading")
                for problem in PROBLEMS:
                    yield Static(self.t(f"ui.help.problem.{problem}"), classes="problem-help")
            yield KioskButton(self.t("ui.help.close"), id="close", variant="primary")
            keys = (self.t("ui.legend.close"), self.t("ui.legend.scroll"))
            yield KeyLegend(keys, place="inline")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()
