"""The answer to the member's questions: active? paid? covered? how much JHT? what now?"""

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.standing import MemberStatus, format_rupiah, program_name
from screens.base import VerifiedScreen, format_time
from screens.dates import day, month
from screens.widgets.buttons import KioskButton


class StatusScreen(VerifiedScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        ("c", "card", "Card"),
        ("escape", "done", "Done"),
    ]

    def body(self) -> Iterable[Widget]:
        view = self.view
        status = view.status
        with VerticalScroll(id="status"):
            who = Text.assemble((view.name, "bold"))
            who.append(f"   NIK {status.masked_nik}   KPJ {view.kpj}", style="")
            yield Static(who, id="who")
            yield self._membership(status)
            yield self._contributions(status)
            yield Static(self._programs(status), id="programs")
            yield Static(self._details(status), id="details")
            for advice in status.advice:
                yield Static(advice.text(self.kiosk.lang), classes="advice")

    def actions(self) -> Iterable[Widget]:
        yield KioskButton(self.t("ui.status.card"), id="card", variant="primary")
        yield KioskButton(self.t("ui.done"), id="done")

    def _membership(self, status: MemberStatus) -> Static:
        key = "ui.status.active" if status.active else "ui.status.inactive"
        text = Text.assemble((self.t(key), "bold"))
        if status.status_reason:
            text.append(f"\n{self.t('ui.status.reason')} ")
            text.append(status.status_reason)
        return Static(text, id="membership", classes="-good" if status.active else "-bad")

    def _contributions(self, status: MemberStatus) -> Static:
        paid = status.contributions
        lang = self.kiosk.lang
        if paid.up_to_date and paid.last_paid is not None:
            line = self.t("ui.status.paid", month=month(paid.last_paid, lang))
        elif paid.missing_since is not None:
            line = self.t(
                "ui.status.unpaid_since",
                month=month(paid.missing_since, lang),
                count=paid.missing_months,
            )
        else:
            line = self.t("ui.status.never_paid")
        return Static(line, id="contributions", classes="-good" if paid.up_to_date else "-bad")

    def _programs(self, status: MemberStatus) -> Text:
        lang = self.kiosk.lang
        text = Text.assemble((self.t("ui.status.programs") + " ", "bold"))
        names = [f"{program_name(p).text(lang)} ({p.value})" for p in status.programs]
        text.append(", ".join(names) if names else self.t("ui.status.no_programs"))
        if status.jht_balance is not None:
            text.append("\n" + self.t("ui.status.jht") + " ", style="bold")
            text.append(format_rupiah(status.jht_balance))
            if status.jht_as_of is not None:
                text.append(" " + self.t("ui.status.as_of", date=day(status.jht_as_of, lang)))
        return text

    def _details(self, status: MemberStatus) -> Text:
        text = Text.assemble((self.t("ui.status.segment") + " ", "bold"))
        text.append(self.t(f"ui.segment.{status.segment.value}"))
        if status.employer_name:
            text.append("\n" + self.t("ui.status.employer") + " ", style="bold")
            text.append(status.employer_name)
        text.append("\n" + self.t("ui.status.updated", when=format_time(status.updated_at)))
        return text

    @on(Button.Pressed, "#card")
    def action_card(self) -> None:
        from screens.card import CardScreen

        self.kiosk.switch_screen(CardScreen())

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        from screens.done import DoneScreen

        self.kiosk.wipe(DoneScreen())
