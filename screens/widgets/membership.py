"""One membership (KPJ) on the status screen: whose, active or not and why, paid, covered, what now.

A member with several KPJs reads one of these per KPJ, current first. The
employer's name comes from the feed: it is drawn as plain text, never markup.
"""

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from kiosk.dates import day
from kiosk.i18n import Lang, msg
from kiosk.member import Membership
from kiosk.standing import MembershipStanding, contribution_summary, format_rupiah, program_name
from screens.widgets.history import COMPONENT_CLASSES, HISTORY_CSS, has_history, history_text

_SIDES = (0, 1)
"""A cell of room left and right, as the status screen's other lines have."""
BAR = "▌"
CONSOLE_BAR = "│"
"""Down the left of advice, as the screens' other advice has it (CSS ``border-left``)."""


class Marked:
    """Text with a bar down its left side, however many lines it wraps to."""

    def __init__(self, text: Text, bar: str, style: Style) -> None:
        self._text = text
        self._bar = Segment(bar, style)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.update_width(max(1, options.max_width - 2))
        for line in console.render_lines(self._text, room, pad=False):
            yield self._bar
            yield Segment(" ")
            yield from line
            yield Segment.line()


def kpj_heading(membership: Membership, rest: str) -> Text:
    """``KPJ 12345678901   rest``: the line that heads a membership wherever one is shown."""
    return Text.assemble((f"KPJ {membership.kpj}", "bold"), "   ", rest)


def segment_name(membership: Membership, lang: Lang) -> str:
    return msg(f"ui.segment.{membership.segment.value}").text(lang)


def jht_balance(balance: int, as_of: date | None, lang: Lang) -> Text:
    """``JHT balance: Rp 4.500.000 (as of 31 October 2026)``."""
    label = msg("ui.status.jht").text(lang) + " "
    text = Text.assemble((label, "bold"), format_rupiah(balance, lang))
    if as_of is not None:
        text.append(" " + msg("ui.status.as_of", date=day(as_of, lang)).text(lang))
    return text


class MembershipPanel(Static):
    """Classed ``-active`` or ``-inactive``, for the screen and its tests to tell them apart.

    One widget, its parts styled from component classes, where there were six:
    a member waits for the status screen's layout, and ``kiosk bench`` measures that wait.
    """

    DEFAULT_CSS = """
    MembershipPanel {
        height: auto;
        margin-bottom: 1;
    }
    MembershipPanel > .membership--kpj { background: $panel; }
    MembershipPanel > .membership--advice { color: $secondary; }
    MembershipPanel > .state--good { color: $success; }
    MembershipPanel > .state--bad { color: $error; text-style: bold; }
    """ + HISTORY_CSS.format(widget="MembershipPanel")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "membership--kpj",
        "membership--advice",
        "state--good",
        "state--bad",
        *COMPONENT_CLASSES,
    }

    def __init__(
        self,
        standing: MembershipStanding,
        lang: Lang,
        advice: Sequence[str],
        *,
        console: bool,
    ) -> None:
        """``advice``: the sentences to show here (the screen leaves out ones already shown)."""
        super().__init__(classes="-active" if standing.active else "-inactive")
        self.standing = standing
        self._lang = lang
        self._advice = advice
        self._linux_console = console

    def render(self) -> Group:
        """Styled here, not when built: the theme's styles reach a widget once it is mounted.

        The heading's band spans the width; the advice stands out by a bar.
        """
        membership = self.standing.membership
        heading = kpj_heading(membership, segment_name(membership, self._lang))
        band = self.get_component_rich_style("membership--kpj")
        parts: list[RenderableType] = [
            Padding(heading, _SIDES, style=band, expand=True),
            Padding(self._state(), _SIDES),
            "",
            Padding(self._programs(), _SIDES),
        ]
        bar = CONSOLE_BAR if self._linux_console else BAR
        marked = self.get_component_rich_style("membership--advice")
        for sentence in self._advice:
            parts += ["", Padding(Marked(Text(sentence), bar, marked), (0, 1))]
        return Group(*parts)

    def spoken(self) -> list[str]:
        """The membership as it is read aloud: what the panel says, without the month grid."""
        parts = (self._details(), self._standing(), self._paid(), self._programs())
        return [part.plain for part in parts]

    def _state(self) -> Text:
        """Employer and dates, active or not and why, paid or not, and the year month by month."""
        paid = self.standing.contributions
        text = Text("\n").join([self._details(), self._standing(), self._paid()])
        if has_history(paid):
            style = self.get_component_rich_style
            history = history_text(paid, self._lang, console=self._linux_console, style=style)
            text.append("\n").append_text(history)
        return text

    def _programs(self) -> Text:
        standing, lang = self.standing, self._lang
        text = Text.assemble((msg("ui.status.programs").text(lang) + " ", "bold"))
        names = [f"{program_name(p).text(lang)} ({p.value})" for p in standing.programs]
        text.append(", ".join(names) if names else msg("ui.status.no_programs").text(lang))
        if standing.jht_balance is not None:
            balance = jht_balance(standing.jht_balance, standing.membership.jht_as_of, lang)
            text.append("\n").append_text(balance)
        return text

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

    def _standing(self) -> Text:
        standing, lang = self.standing, self._lang
        key = "ui.status.active" if standing.active else "ui.status.inactive"
        text = Text(msg(key).text(lang), self._good_or_bad(standing.active))
        if standing.reason is not None:
            text.append(f"\n{msg('ui.status.reason').text(lang)} {standing.reason.text(lang)}")
        return text

    def _paid(self) -> Text:
        paid = self.standing.contributions
        return Text(contribution_summary(paid, self._lang), self._good_or_bad(paid.up_to_date))

    def _good_or_bad(self, good: bool) -> Style:
        return self.get_component_rich_style("state--good" if good else "state--bad")
