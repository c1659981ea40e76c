"""One membership (KPJ) on the status screen: whose, active or not and why, paid, covered, what now.

A member with several KPJs reads one of these per KPJ, current first. The
employer's name comes from the feed: it is drawn as plain text, never markup.
"""

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import Lang, msg
from kiosk.standing import MembershipStanding, format_rupiah, program_name
from screens.dates import day, month
from screens.widgets.history import ContributionHistory


class MembershipPanel(Vertical):
    DEFAULT_CSS = """
    MembershipPanel {
        height: auto;
        margin-bottom: 1;
    }
    MembershipPanel > Static { padding: 0 1; }
    MembershipPanel > .kpj { background: $panel; }
    MembershipPanel > .state.-good, MembershipPanel > .paid.-good { color: $success; }
    MembershipPanel > .state.-bad, MembershipPanel > .paid.-bad { color: $error; text-style: bold; }
    MembershipPanel > .programs { margin-top: 1; }
    MembershipPanel > .advice { margin: 1 0 0 1; }
    """

    def __init__(
        self,
        standing: MembershipStanding,
        lang: Lang,
        advice: Sequence[str],
        *,
        console: bool,
    ) -> None:
        """``advice``: the sentences to show here (the screen leaves out ones already shown)."""
        super().__init__()
        self.standing = standing
        self._lang = lang
        self._advice = advice
        self._linux_console = console

    def compose(self) -> ComposeResult:
        standing, lang = self.standing, self._lang
        membership = standing.membership
        heading = Text.assemble((f"KPJ {membership.kpj}", "bold"), "   ")
        heading.append(msg(f"ui.segment.{membership.segment.value}").text(lang))
        yield Static(heading, classes="kpj")
        yield Static(self._details(), classes="details")
        yield self._state()
        yield self._paid()
        # A job that ended before the year the feed keeps has no month to show.
        if any(one.paid is not None for one in standing.contributions.history):
            yield ContributionHistory(standing.contributions, lang, console=self._linux_console)
        yield Static(self._programs(), classes="programs")
        for sentence in self._advice:
            yield Static(Text(sentence), classes="advice")

    def _details(self) -> Text:
        membership, lang = self.standing.membership, self._lang
        text = Text()
        if membership.employer_name:
            text.append(msg("ui.status.employer").text(lang) + " ", style="bold")
            text.append(membership.employer_name)
            text.append("\n")
        start = day(membership.membership_start, lang)
        if membership.membership_end is None:
            text.append(msg("ui.status.since", start=start).text(lang))
        else:
            end = day(membership.membership_end, lang)
            text.append(msg("ui.status.period", start=start, end=end).text(lang))
        return text

    def _state(self) -> Static:
        standing, lang = self.standing, self._lang
        key = "ui.status.active" if standing.active else "ui.status.inactive"
        text = Text(msg(key).text(lang))
        if standing.reason is not None:
            text.append(f"\n{msg('ui.status.reason').text(lang)} {standing.reason.text(lang)}")
        return Static(text, classes="state " + ("-good" if standing.active else "-bad"))

    def _paid(self) -> Static:
        paid, lang = self.standing.contributions, self._lang
        if paid.up_to_date and paid.last_paid is not None:
            line = msg("ui.status.paid", month=month(paid.last_paid, lang))
        elif paid.missing_since is not None:
            since = month(paid.missing_since, lang)
            line = msg("ui.status.unpaid_since", month=since, count=paid.missing_months)
        else:
            line = msg("ui.status.never_paid")
        return Static(line.text(lang), classes="paid " + ("-good" if paid.up_to_date else "-bad"))

    def _programs(self) -> Text:
        standing, lang = self.standing, self._lang
        text = Text.assemble((msg("ui.status.programs").text(lang) + " ", "bold"))
        names = [f"{program_name(p).text(lang)} ({p.value})" for p in standing.programs]
        text.append(", ".join(names) if names else msg("ui.status.no_programs").text(lang))
        if standing.jht_balance is not None:
            text.append("\n" + msg("ui.status.jht").text(lang) + " ", style="bold")
            text.append(format_rupiah(standing.jht_balance))
            as_of = standing.membership.jht_as_of
            if as_of is not None:
                text.append(" " + msg("ui.status.as_of", date=day(as_of, lang)).text(lang))
        return text
