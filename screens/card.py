"""The digital card: its details beside the QR the central store signed, drawn to be scanned.

The QR is only drawn where it fits whole with its quiet zone; anywhere smaller
the screen says so and how else to get the card, rather than show a code that
cannot be read.
"""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.card import CardVerdict
from kiosk.config import QrMode
from kiosk.layout import CARD_SIDE_COLUMNS, card_fits
from kiosk.member import Program
from kiosk.serving import MemberView
from kiosk.standing import program_name
from screens.base import VerifiedScreen
from screens.dates import day
from screens.widgets.buttons import KioskButton
from screens.widgets.qr import QrCode

QR_GAP = 1
"""Columns between the QR and the details; the details get the rest of CARD_SIDE_COLUMNS."""


class CardScreen(VerifiedScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("backspace", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._fits = self._qr_fits()

    @property
    def mode(self) -> QrMode:
        return self.kiosk.qr_mode

    def _qr_fits(self) -> bool:
        view = self.view
        if not view.card_ok:
            return False
        return card_fits(QrCode.cells(view.card, self.mode), self.kiosk.size)

    def compose(self) -> ComposeResult:
        yield from self.topbar(data_date=False)
        with Horizontal(id="card-layout"):
            if self._fits:
                qr = QrCode(self.view.card, self.mode, id="qr")
                qr.styles.margin = (0, QR_GAP, 0, 0)
                yield qr
            with Vertical(id="card-side") as side:
                # From kiosk.layout, not kiosk.tcss: the room card_fits counts is the room given.
                side.styles.min_width = CARD_SIDE_COLUMNS - QR_GAP
                yield from self._details()
                yield KioskButton(self.t("ui.back"), id="back")
                yield KioskButton(self.t("ui.done"), id="done")

    def _details(self) -> Iterable[Widget]:
        view = self.view
        lang = self.kiosk.lang
        check = view.card_check
        yield Static(self.t("ui.card.title"), classes="title-small")
        if check is None or check.claims is None or not view.card:
            yield Static(self.t("ui.card.missing"), classes="problem")
            return
        claims = check.claims
        text = Text.assemble((claims.name, "bold"))
        text.append(f"\nKPJ {claims.kpj}\n")
        text.append(self.t("ui.card.status", status=claims.status.value) + "\n")
        text.append(", ".join(program_name(p).text(lang) for p in Program if p in claims.programs))
        text.append("\n" + self.t("ui.card.valid_until", date=day(claims.expires_at, lang)))
        yield Static(text, id="card-details")
        if check.verdict is CardVerdict.EXPIRED:
            yield Static(self.t("ui.card.expired"), classes="problem")
        elif self._fits:
            yield Static(self.t("ui.card.scan"), classes="hint")
        else:
            yield Static(self.t("ui.card.too_small"), classes="problem")

    def on_mount(self) -> None:
        self.note_shown(self.view, self._outcome())

    def _outcome(self) -> str:
        view = self.view
        check = view.card_check
        if check is None or not view.card:
            return "missing"
        if check.verdict is CardVerdict.EXPIRED:
            return "expired"
        if check.verdict is not CardVerdict.VALID:
            return "invalid"
        return "shown" if self._fits else "too_small"

    @work(thread=True, group="audit")
    def note_shown(self, view: MemberView, outcome: str) -> None:
        """Audited off the event loop; a failure to audit is the App's error to show."""
        self.kiosk.service.note_card(view, outcome)

    def on_resize(self, event: events.Resize) -> None:
        fits = self._qr_fits()
        if fits != self._fits:
            self._fits = fits
            self.refresh(recompose=True)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        from screens.status import StatusScreen

        self.kiosk.switch_screen(StatusScreen())

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        from screens.done import DoneScreen

        self.kiosk.wipe(DoneScreen())
