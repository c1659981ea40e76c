"""The printed slip: what a member without a smartphone takes home in place of the screen.

It says what the status screen says, in the member's language only, and carries
the signed card as a QR code. This module lays it out as lines of plain text of
a paper's width and knows nothing of printers: :mod:`kiosk.printer` turns a
:class:`Slip` into ESC/POS and sends it.

Only printable ASCII reaches the paper. A receipt printer's character table is
whatever its code page and its firmware make of a byte, and plain ASCII is the
part every code page agrees on; anything else is spelled in ASCII
(:func:`printable`), never left to print as the wrong glyph.
"""

import logging
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.config import Paper
from kiosk.dates import day, day_and_time
from kiosk.i18n import Lang, Message, msg
from kiosk.standing import MembershipStanding, contribution_summary

if TYPE_CHECKING:
    # kiosk.serving holds the printer, and so this module's reader: only its types are needed.
    from kiosk.serving import MembershipCard, MemberView

log = logging.getLogger(__name__)

AGENCY = "BPJS Ketenagakerjaan"
"""A proper name: the same in both languages, the slip's first line."""
RULE = "-"
UNSPELLABLE = "?"
"""What a character with no ASCII spelling prints as: visibly a gap, never a wrong letter."""
_SPELLINGS = str.maketrans(
    {
        "‘": "'", "’": "'", "ʼ": "'", "ʻ": "'", "´": "'", "`": "'",
        "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-",
        "•": "*", "·": ".", "…": "...", "\u00a0": " ",
        "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o",
        "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th",
        "ı": "i", "ħ": "h", "Ħ": "H",
    }
)  # fmt: skip
"""Letters and marks that Unicode does not decompose into ASCII, each as a reader spells it."""


def printable(text: str) -> str:
    """``text`` in printable ASCII: É as E, ’ as ', ß as ss; what has no spelling as ``?``.

    The names on record are Latin script; a character outside it is counted in
    the log (never shown there), so staff learn that a slip had a gap.
    """
    spelled = unicodedata.normalize("NFKD", text.translate(_SPELLINGS)).translate(_SPELLINGS)
    out = []
    gaps = 0
    for char in spelled:
        if unicodedata.combining(char):
            continue
        if " " <= char <= "~":
            out.append(char)
        elif char.isspace():
            out.append(" ")
        else:
            out.append(UNSPELLABLE)
            gaps += 1
    if gaps:
        log.warning("slip: %d characters have no ASCII spelling", gaps)
    return "".join(out)


@dataclass(frozen=True)
class Line:
    """One printed line of at most the paper's columns, in printable ASCII."""

    text: str
    bold: bool = False
    centred: bool = False


@dataclass(frozen=True)
class Code:
    """The signed card, drawn as a QR code across the paper."""

    text: str


Part = Line | Code


@dataclass(frozen=True)
class Slip:
    parts: tuple[Part, ...]
    paper: Paper
    card_kpj: str | None
    """The membership whose card the QR holds; ``None`` when the slip has no card."""

    @property
    def text(self) -> str:
        """Every line as printed, the card standing as ``[QR]``: for tests and staff to read."""
        return "\n".join(part.text if isinstance(part, Line) else "[QR]" for part in self.parts)


def make_slip(
    view: "MemberView",
    lang: Lang,
    paper: Paper,
    *,
    card: int | None,
    printed_at: datetime,
    kiosk_id: str,
) -> Slip:
    """The slip of what ``view`` shows, in ``lang``, for a paper of ``paper``'s width.

    ``card``: the index (in ``view.cards``) of the membership whose card the member is
    looking at; ``None`` prints the current membership's, the first. A card that is
    missing, expired or not signed by the central store is not printed: the slip says so.
    """
    columns = paper.columns
    rule = Line(RULE * columns)
    parts: list[Part] = []
    brand = msg("ui.brand").text(lang)
    title = brand.removeprefix(AGENCY).strip(" -")
    parts += _wrapped(AGENCY, columns, bold=True, centred=True)
    parts += _wrapped(title, columns, centred=True)
    parts.append(rule)
    parts += _wrapped(view.name, columns, bold=True)
    parts += _wrapped(f"NIK {view.standing.masked_nik}", columns)
    shown: set[str] = set()
    for membership in view.standing.memberships:
        parts.append(rule)
        parts += _membership(membership, lang, columns, shown)
    contact = msg("status.advice.contact").text(lang)
    if contact not in shown:
        parts += [Line(""), *_wrapped(contact, columns)]
    parts.append(rule)
    chosen = view.cards[0 if card is None else card] if view.cards else None
    parts += _card(chosen, lang, columns)
    parts.append(rule)
    updated = day_and_time(view.standing.updated_at, lang)
    parts += _wrapped(msg("ui.status.updated", when=updated).text(lang), columns)
    printed = msg("printer.slip.printed", when=day_and_time(printed_at, lang), kiosk=kiosk_id)
    parts += _wrapped(printed.text(lang), columns)
    kpj = chosen.kpj if chosen is not None and chosen.ok else None
    return Slip(tuple(parts), paper, kpj)


def _membership(
    standing: MembershipStanding, lang: Lang, columns: int, shown: set[str]
) -> Iterator[Line]:
    """As the status screen has it; advice already printed above is not printed again."""
    membership = standing.membership
    yield from _wrapped(f"KPJ {membership.kpj}", columns, bold=True)
    segment = msg(f"ui.segment.{membership.segment.value}").text(lang)
    yield from _wrapped(membership.employer_name or segment, columns)
    yield from _wrapped(
        _said("ui.status.active" if standing.active else "ui.status.inactive", lang), columns
    )
    if standing.reason is not None:
        reason = f"{_said('ui.status.reason', lang)} {standing.reason.text(lang)}"
        yield from _wrapped(reason, columns)
    yield from _wrapped(contribution_summary(standing.contributions, lang), columns)
    for advice in _new(standing.advice, lang, shown):
        yield Line("")
        yield from _wrapped(advice, columns)


def _new(advice: Sequence[Message], lang: Lang, shown: set[str]) -> Iterator[str]:
    for sentence in advice:
        text = sentence.text(lang)
        if text not in shown:
            shown.add(text)
            yield text


def _card(card: "MembershipCard | None", lang: Lang, columns: int) -> Iterator[Part]:
    if card is None or not card.ok or card.check is None or card.check.claims is None:
        yield from _wrapped(_said("printer.slip.no_card", lang), columns)
        return
    yield from _wrapped(_said("printer.slip.card", lang, kpj=card.kpj), columns, centred=True)
    yield Code(card.text)
    until = day(card.check.claims.expires_at, lang)
    yield from _wrapped(_said("ui.card.valid_until", lang, date=until), columns, centred=True)
    yield from _wrapped(_said("printer.slip.scan", lang), columns, centred=True)


def _said(key: str, lang: Lang, **params: object) -> str:
    return msg(key, **params).text(lang)


def _wrapped(text: str, columns: int, *, bold: bool = False, centred: bool = False) -> list[Line]:
    """``text`` in ASCII, broken between words into lines of at most ``columns``."""
    lines: Iterable[str] = textwrap.wrap(printable(text), columns, break_on_hyphens=False)
    return [Line(line, bold, centred) for line in lines]
