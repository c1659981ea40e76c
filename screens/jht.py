"""Can I withdraw my JHT? The answer for each of the member's KPJs with the JHT programme.

The rules are the core's (:mod:`kiosk.claims`); this screen words them: now,
from a date, or not and why; the part that may be taken while still working;
what to bring and where to go. Feed text (employer names) is drawn as plain text.
"""

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.claims import (
    PARTIAL_AFTER_YEARS,
    PARTIAL_SHARES,
    RETIREMENT_AGE,
    Document,
    Ground,
    Outcome,
    Partial,
    Withdrawal,
)
from kiosk.clock import local_date
from kiosk.dates import day
from kiosk.i18n import Lang, Message, msg
from kiosk.member import Membership
from kiosk.standing import format_rupiah
from screens.base import VerifiedScreen
from screens.widgets.buttons import KioskButton
from screens.widgets.membership import jht_balance, kpj_heading, segment_name
from screens.widgets.notice import Notice
from screens.widgets.reading import SCROLL_BINDINGS, ReadingScroll, ScrollsReading

_OUTCOME_CLASSES = {Outcome.NOW: "-good", Outcome.FROM: "-soon", Outcome.NOT: "-bad"}


class WithdrawalPanel(Vertical):
    """One KPJ's balance: the answer, its ground or blocker, the part, the documents."""

    DEFAULT_CSS = """
    WithdrawalPanel { height: auto; margin-bottom: 1; }
    WithdrawalPanel > Static { padding: 0 1; }
    WithdrawalPanel > .kpj { background: $panel; }
    WithdrawalPanel > .outcome { text-style: bold; }
    WithdrawalPanel > .outcome.-good { color: $success; }
    WithdrawalPanel > .outcome.-soon { color: $warning; }
    WithdrawalPanel > .outcome.-bad { color: $error; }
    WithdrawalPanel > .partial, WithdrawalPanel > .documents { margin-top: 1; }
    """

    def __init__(self, answer: Withdrawal, membership: Membership, lang: Lang, today: date) -> None:
        super().__init__()
        self._answer = answer
        self._membership = membership
        self._lang = lang
        self._today = today

    def compose(self) -> ComposeResult:
        answer, membership, lang = self._answer, self._membership, self._lang
        rest = membership.employer_name or segment_name(membership, lang)
        yield Static(kpj_heading(membership, rest), classes="kpj")
        yield Static(jht_balance(answer.balance, membership.jht_as_of, lang))
        yield Static(self._outcome(), classes="outcome " + _OUTCOME_CLASSES[answer.outcome])
        yield Static(self._why())
        if answer.partial is not None:
            yield Static(self._partial(answer.partial), classes="partial")
        if answer.documents:
            yield Static(
                _documents(msg("jht.documents"), answer.documents, lang), classes="documents"
            )

    def _outcome(self) -> Text:
        answer, lang = self._answer, self._lang
        if answer.outcome is Outcome.NOW:
            return Text(msg("jht.outcome.now").text(lang))
        if answer.outcome is Outcome.FROM and answer.since is not None:
            return Text(msg("jht.outcome.from", date=day(answer.since, lang)).text(lang))
        return Text(msg("jht.outcome.not").text(lang))

    def _why(self) -> Text:
        answer, lang = self._answer, self._lang
        if answer.blocker is not None:
            return Text(msg(f"jht.blocker.{answer.blocker.value}").text(lang))
        text = Text()
        if answer.ground is not None:
            text.append(msg(f"jht.ground.{answer.ground.value}").text(lang))
        if answer.outcome is Outcome.NOW and answer.since is not None:
            text.append(" " + msg("jht.since", date=day(answer.since, lang)).text(lang))
        return text

    def _partial(self, partial: Partial) -> Text:
        lang = self._lang
        if partial.available(self._today):
            lead = msg("jht.partial.now", years=PARTIAL_AFTER_YEARS)
        else:
            lead = msg("jht.partial.from", date=day(partial.since, lang), years=PARTIAL_AFTER_YEARS)
        text = Text(lead.text(lang), style="bold")
        for share, amount in zip(PARTIAL_SHARES, partial.amounts, strict=True):
            text.append("\n- " + msg(f"jht.partial.share_{share}", share=share).text(lang) + " ")
            text.append(format_rupiah(amount, lang), style="bold")
        text.append("\n")
        return text + _documents(msg("jht.partial.documents"), partial.documents, lang)


def _documents(label: Message, documents: Iterable[Document], lang: Lang) -> Text:
    text = Text(label.text(lang), style="bold")
    for document in documents:
        text.append("\n- " + msg(f"jht.document.{document.value}").text(lang))
    return text


class JhtScreen(ScrollsReading, VerifiedScreen):
    GUIDANCE = "jht"
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "back", "Back"),
        ("backspace", "back", "Back"),
        *SCROLL_BINDINGS,
    ]
    SHORTCUTS = ("card", "done")

    def body(self) -> Iterable[Widget]:
        standing = self.view.standing
        jht = standing.jht
        lang = self.kiosk.lang
        today = local_date(self.kiosk.service.clock)
        memberships = {m.membership.kpj: m.membership for m in standing.memberships}
        with ReadingScroll(id="jht-answer"):
            yield Static(self.t("jht.title"), classes="title-small")
            if jht.merge_first:
                yield Notice(self.t("jht.merge"))
            if not jht.withdrawals:
                yield Static(self.t("jht.none"), classes="answer")
                return
            for answer in jht.withdrawals:
                yield WithdrawalPanel(answer, memberships[answer.kpj], lang, today)
            # Heirs claiming for a member who died are not told when the member would turn 56.
            if all(answer.ground is not Ground.DEATH for answer in jht.withdrawals):
                turns = day(jht.retirement_date, lang)
                if today >= jht.retirement_date:
                    retirement = msg("jht.retirement.past", date=turns, age=RETIREMENT_AGE)
                else:
                    retirement = msg("jht.retirement.future", date=turns, age=RETIREMENT_AGE)
                yield Static(retirement.text(lang), classes="answer")
            yield Static(self.t("jht.other_grounds"), classes="answer")
            yield Static(self.t("jht.channels"), classes="advice")

    def legend(self) -> Iterable[str]:
        move = [self.key("move"), self.key("press"), self.key("scroll"), self.key("back")]
        return [*move, *self.shortcut_keys(), self.key("help")]

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("ui.back"), id="back", variant="primary")
        yield KioskButton(self.t("ui.status.card"), id="card")
        yield KioskButton(self.t("ui.done"), id="done")

    @on(Button.Pressed, "#back")
    async def action_back(self) -> None:
        await self.kiosk.show_status()

    @on(Button.Pressed, "#card")
    def action_card(self) -> None:
        from screens.card import CardScreen

        self.kiosk.switch_screen(CardScreen())

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        from screens.done import DoneScreen

        self.kiosk.wipe(DoneScreen())
