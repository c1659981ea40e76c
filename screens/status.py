"""The answer to the member's questions, for every membership they hold: active? why not?
paid, month by month? covered? how much JHT? what now?

A job changer may hold three KPJs: they are listed current first in a container
that scrolls by touch, mouse or the arrow and page keys, and what concerns the
person as a whole (data to correct, balances to merge) comes before them all.

The screen is built once per language and kept (:meth:`KioskApp.show_status`):
composing its bar and buttons afresh was most of a member's wait for it
(``kiosk bench``). Only the member's part is mounted for each member, before
the screen is shown, and it is removed as soon as the screen leaves the stack.
"""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.dates import short_day_and_time
from kiosk.speech import Phrase
from screens.printing import PrintingScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.membership import MembershipPanel
from screens.widgets.notice import Notice
from screens.widgets.reading import SCROLL_BINDINGS, ReadingScroll, ScrollsReading


class StatusScreen(ScrollsReading, PrintingScreen):
    GUIDANCE = "status"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Escape no longer wipes the member at once: it goes to Done, which Enter then presses.
        Binding("escape", "focus_done", show=False),
        *SCROLL_BINDINGS,
    ]
    SHORTCUTS = ("card", "jht", "done")
    AUTO_FOCUS = "#card"

    def body(self) -> Iterable[Widget]:
        with ReadingScroll(id="status"):
            yield from self._member()

    def legend(self) -> Iterable[str]:
        move = [self.key("move"), self.key("press"), self.key("scroll")]
        return [*move, *self.shortcut_keys(), self.key("help")]

    def spoken(self) -> list[Phrase]:
        """The instruction for anyone; the member's name and memberships only into headphones
        (the speaker leaves out what is marked personal unless staff declared them)."""
        session = self.kiosk.session
        if session is None or session.view is None:
            return []  # Uncovered on its way out by a wipe: nobody's status to say.
        lang = self.kiosk.lang
        panels = self.query(MembershipPanel)
        personal = [self.view.name, *(line for panel in panels for line in panel.spoken())]
        return [*super().spoken(), *(Phrase(text, lang, personal=True) for text in personal)]

    def action_focus_done(self) -> None:
        self.query_one("#done", Button).focus()

    async def refill(self) -> None:
        """The member of the session now, in place of the last one; the data's date anew."""
        box = self.query_one(ReadingScroll)
        await box.remove_children()
        await box.mount_all(self._member())
        self.refresh_data_date()
        self.query_one("#card", Button).focus()
        self.ask_printer()

    async def on_screen_suspend(self) -> None:
        """Under Help or the idle countdown the member stays; once off the stack, nothing does."""
        if self not in self.kiosk.screen_stack:
            box = self.query_one(ReadingScroll)
            await box.remove_children()
            box.scroll_home(animate=False)

    def _member(self) -> Iterable[Widget]:
        view = self.view
        standing = view.standing
        lang = self.kiosk.lang
        who = Text.assemble((view.name, "bold"), f"   NIK {standing.masked_nik}")
        yield Static(who, id="who")
        for notice in standing.notices:
            yield Notice(notice.text(lang))
        if len(standing.memberships) > 1:
            yield Static(self.t("ui.status.count", count=len(standing.memberships)), id="count")
        shown: set[str] = set()
        for membership in standing.memberships:
            # The call centre and the branch once, under the first membership that needs them.
            advice = [a.text(lang) for a in membership.advice if a.text(lang) not in shown]
            shown.update(advice)
            yield MembershipPanel(membership, lang, advice, console=self.kiosk.linux_console)
        yield Static(
            self.t(
                "ui.status.updated", when=short_day_and_time(standing.updated_at, self.kiosk.lang)
            )
        )

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("ui.status.card"), id="card", variant="primary")
        yield KioskButton(self.t("ui.status.jht_button"), id="jht", variant="primary")
        yield from self.print_button()
        yield KioskButton(self.t("ui.done"), id="done")

    def notes(self) -> Iterable[Widget]:
        yield self.print_note()

    def on_mount(self) -> None:
        self.ask_printer()

    @on(Button.Pressed, "#card")
    def action_card(self) -> None:
        from screens.card import CardScreen

        self.kiosk.switch_screen(CardScreen())

    @on(Button.Pressed, "#jht")
    def action_jht(self) -> None:
        from screens.jht import JhtScreen

        self.kiosk.switch_screen(JhtScreen())

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        from screens.done import DoneScreen

        self.kiosk.wipe(DoneScreen())
