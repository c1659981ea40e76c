"""A membership's last twelve months at a glance: each month's initials with a paid or missing mark.

Paid and missing differ in shape as well as colour (and a missing month is
drawn reversed), so the row reads the same to a colour-blind member and on the
Linux console's 16 colours. The console's CP437 font has no check marks: there
the marks are plain ASCII. A month with nothing on record (before the membership
began, after it ended, or older than the feed keeps) is a muted dot.
"""

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from kiosk.i18n import Lang, msg
from kiosk.standing import Contributions
from screens.dates import month, short_month

MARKS: dict[bool | None, str] = {True: "✓", False: "✗", None: "·"}
CONSOLE_MARKS: dict[bool | None, str] = {True: "+", False: "x", None: "."}
_CLASSES: dict[bool | None, str] = {
    True: "history--paid",
    False: "history--missing",
    None: "history--unknown",
}
_LEGEND: dict[bool | None, str] = {
    True: "ui.history.paid",
    False: "ui.history.missing",
    None: "ui.history.unknown",
}


class ContributionHistory(Static):
    """Two lines: the months with their marks, then the span, a legend and the first gap."""

    DEFAULT_CSS = """
    ContributionHistory { height: auto; width: 100%; }
    ContributionHistory > .history--paid { color: $success; text-style: bold; }
    ContributionHistory > .history--missing { color: $error; text-style: bold reverse; }
    ContributionHistory > .history--unknown { color: $text-muted; }
    ContributionHistory > .history--first { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {*_CLASSES.values(), "history--first"}

    def __init__(self, paid: Contributions, lang: Lang, *, console: bool) -> None:
        super().__init__()
        self._paid = paid
        self._lang = lang
        self._marks = CONSOLE_MARKS if console else MARKS

    def render(self) -> Text:
        """Styled from the component classes, so that the theme's colours reach each month."""
        lang, history = self._lang, self._paid.history
        style = self.get_component_rich_style
        text = Text()
        for number, one in enumerate(history):
            if number:
                text.append(" ")
            mark = short_month(one.period, lang) + self._marks[one.paid]
            text.append(mark, style(_CLASSES[one.paid]))
        first, last = month(history[0].period, lang), month(history[-1].period, lang)
        text.append("\n" + msg("ui.history.span", first=first, last=last).text(lang))
        for kind in (True, False, None):
            if any(one.paid is kind for one in history):
                text.append(f"  {self._marks[kind]} {msg(_LEGEND[kind]).text(lang)}")
        missing = self._paid.first_missing
        if missing is not None:
            sentence = msg("ui.history.first_missing", month=month(missing, lang)).text(lang)
            text.append("\n" + sentence, style("history--first"))
        return text
