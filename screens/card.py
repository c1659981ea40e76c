"""The digital card: its details beside the QR the central store signed, drawn to be scanned.

Each membership has its own card. With one, it is shown at once; with several,
the member first picks the KPJ (a button, or its number on the keyboard). The
QR is only drawn where it fits whole with its quiet zone; anywhere smaller the
screen says so and how else to get the card, rather than show a code that
cannot be read.
"""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.card import CardVerdict
from kiosk.config import QrMode
from kiosk.dates import day
from kiosk.layout import CARD_SIDE_COLUMNS, card_fits
from kiosk.member import MembershipStatus, Program
from kiosk.serving import MembershipCard, MemberView
from kiosk.standing import program_name
from screens.printing import PrintingScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.legend import KeyLegend
from screens.widgets.qr import QrCode

QR_GAP = 1
"""Columns between the QR and the details; the details get the rest of CARD_SIDE_COLUMNS."""
PICK_KEYS = "123456789"
"""The keys that pick a card, in the order the cards are listed."""


class CardScreen(PrintingScreen):
    GUIDANCE = "card"
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("backspace", "back", "Back"),
        Binding("up", "app.focus_previous", show=False),
        Binding("down", "app.focus_next", show=False),
        *(Binding(key, f"pick({n})", show=False) for n, key in enumerate(PICK_KEYS)),
    ]
    SHORTCUTS = ("jht", "done")

    picked: reactive[int | None] = reactive(None, recompose=True)
    """The index of the card shown, in the order of the memberships; ``None`` while choosing."""
    fits: reactive[bool] = reactive(False, recompose=True)
    """The picked card's QR fits the screen whole, with its quiet zone."""

    def __init__(self) -> None:
        super().__init__()
        self._last_picked: int | None = None
        if len(self.view.cards) == 1:
            self.set_reactive(CardScreen.picked, 0)
            self.set_reactive(CardScreen.fits, self._qr_fits(self.view.cards[0]))

    @property
    def mode(self) -> QrMode:
        return self.kiosk.qr_mode

    @property
    def card(self) -> MembershipCard | None:
        return None if self.picked is None else self.view.cards[self.picked]

    def _qr_fits(self, card: MembershipCard) -> bool:
        return card.ok and card_fits(QrCode.cells(card.text, self.mode), self.kiosk.size)

    def compose(self) -> ComposeResult:
        yield from self.topbar(data_date=False)
        card = self.card
        if card is None:
            yield from self._picker()
            return
        with Horizontal(id="card-layout"):
            if self.fits:
                qr = QrCode(card.text, self.mode, id="qr")
                qr.styles.margin = (0, QR_GAP, 0, 0)
                yield qr
            with Vertical(id="card-side") as side:
                # From kiosk.layout, not kiosk.tcss: the room card_fits counts is the room given.
                side.styles.min_width = CARD_SIDE_COLUMNS - QR_GAP
                yield from self._details(card)
                yield from self._buttons()
                # Beside the QR: a line under it would cost the QR the line it may need.
                yield KeyLegend(self._legend(), place="inline")

    def _picker(self) -> Iterable[Widget]:
        with Vertical(id="card-pick"):
            yield Static(self.t("ui.card.title"), classes="title-small")
            yield Static(self.t("ui.card.pick"), classes="lead")
            for n, standing in enumerate(self.view.standing.memberships):
                membership = standing.membership
                # The employer's name is feed text: a Text label is never read as markup.
                label = Text(f"{PICK_KEYS[n]}   KPJ {membership.kpj}   ")
                segment = self.t(f"ui.segment.{membership.segment.value}")
                label.append(membership.employer_name or segment)
                yield KioskButton(label, action=f"screen.pick({n})", classes="pick", id=f"pick-{n}")
            yield from self._buttons()
        yield KeyLegend(self._legend(), place="docked")

    def _buttons(self) -> Iterable[Widget]:
        """What the status screen offers, from here: back to it (or to the choice), JHT, Done."""
        yield KioskButton(self.t("ui.back"), id="back", variant="primary")
        yield KioskButton(self.t("ui.status.jht_button"), id="jht")
        yield from self.print_button()
        yield KioskButton(self.t("ui.done"), id="done")
        yield self.print_note()

    def card_index(self) -> int | None:
        return self.picked

    def _legend(self) -> list[str]:
        keys = [self.key("move_list"), self.key("press")]
        if self.picked is None:
            keys.append(self.key("pick", last=len(self.view.cards)))
        return [*keys, self.key("back"), *self.shortcut_keys(), self.key("help")]

    def _details(self, card: MembershipCard) -> Iterable[Widget]:
        lang = self.kiosk.lang
        check = card.check
        yield Static(self.t("ui.card.title"), classes="title-small")
        if check is None or check.claims is None or not card.text:
            yield Static(self.t("ui.card.missing"), classes="problem")
            return
        claims = check.claims
        text = Text.assemble((claims.name, "bold"))
        text.append(f"\nKPJ {claims.kpj}\n")
        active = claims.status is MembershipStatus.AKTIF
        text.append(self.t("ui.status.active" if active else "ui.status.inactive") + "\n")
        text.append(", ".join(program_name(p).text(lang) for p in Program if p in claims.programs))
        text.append("\n" + self.t("ui.card.valid_until", date=day(claims.expires_at, lang)))
        yield Static(text, id="card-details")
        if check.verdict is CardVerdict.EXPIRED:
            yield Static(self.t("ui.card.expired"), classes="problem")
        elif self.fits:
            yield Static(self.t("ui.card.scan"), classes="hint")
        else:
            yield Static(self.t("ui.card.too_small"), classes="problem")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A card is picked only while choosing, and only one that is listed."""
        if action == "pick":
            index = parameters[0]
            return self.picked is None and isinstance(index, int) and index < len(self.view.cards)
        return True

    async def recompose(self) -> None:
        """A new layout has new buttons: focus goes to the first (Back, or the first card), or
        back to the card the member just looked at, so Enter always has a button to press."""
        await super().recompose()
        buttons = [button for button in self.query(Button) if button.focusable]
        if self._last_picked is not None and self.picked is None:
            self.set_focus(buttons[self._last_picked])
        elif buttons:
            self.set_focus(buttons[0])

    def action_pick(self, index: int) -> None:
        card = self.view.cards[index]
        self.fits = self._qr_fits(card)
        self._last_picked = index
        self.picked = index
        self.note_shown(self.view, self._outcome(card))

    def on_mount(self) -> None:
        self.ask_printer()
        if self.card is not None:
            self.note_shown(self.view, self._outcome(self.card))

    def _outcome(self, card: MembershipCard) -> str:
        check = card.check
        if check is None or not card.text:
            return "missing"
        if check.verdict is CardVerdict.EXPIRED:
            return "expired"
        if check.verdict is not CardVerdict.VALID:
            return "invalid"
        return "shown" if self.fits else "too_small"

    @work(thread=True, group="audit")
    def note_shown(self, view: MemberView, outcome: str) -> None:
        """Audited off the event loop; a failure to audit is the App's error to show."""
        self.kiosk.service.note_card(view, outcome)

    def on_resize(self, event: events.Resize) -> None:
        if self.card is not None:
            self.fits = self._qr_fits(self.card)

    @on(Button.Pressed, "#back")
    async def action_back(self) -> None:
        """From a card back to the choice when there was one, else to the status."""
        if self.picked is not None and len(self.view.cards) > 1:
            self.picked = None
            return
        await self.kiosk.show_status()

    @on(Button.Pressed, "#jht")
    def action_jht(self) -> None:
        from screens.jht import JhtScreen

        self.kiosk.switch_screen(JhtScreen())

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        from screens.done import DoneScreen

        self.kiosk.wipe(DoneScreen())
