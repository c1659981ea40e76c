"""A membership's last twelve months at a glance: each month's initials with a paid or missing mark.

Paid and missing differ in shape as well as colour (and a missing month is
drawn reversed), so the row reads the same to a colour-blind member and on the
Linux console's 16 colours. The console's CP437 font has no check marks: there
the marks are plain ASCII. A month with nothing on record (before the membership
began, after it ended, or older than the feed keeps) is a muted dot.

The lines are text for the widget that shows the membership
(:class:`screens.widgets.membership.MembershipPanel`): one widget per membership
keeps the status screen quick to draw. That widget declares :data:`COMPONENT_CLASSES`
and takes :data:`HISTORY_CSS` into its own styles, so the theme's colours reach each month.
"""

from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from kiosk.dates import month, short_month
from kiosk.i18n import Lang, msg
from kiosk.standing import Contributions

MARKS: dict[bool | None, str] = {True: "✓", False: "✗", None: "·"}
CONSOLE_MARKS: dict[bool | None, str] = {True: "+", False: "x", None: "."}
_CLASSES: dict[bool | None, str] = {
    True: "history--paid",
    False: "history--missing",
    None: "history--unknown",
}
_FIRST = "history--first"
_LEGEND: dict[bool | None, str] = {
    True: "ui.history.paid",
    False: "ui.history.missing",
    None: "ui.history.unknown",
}
COMPONENT_CLASSES = frozenset({*_CLASSES.values(), _FIRST})
HISTORY_CSS = """
    {widget} > .history--paid {{ color: $success; text-style: bold; }}
    {widget} > .history--missing {{ color: $error; text-style: bold reverse; }}
    {widget} > .history--unknown {{ color: $text-muted; }}
    {widget} > .history--first {{ color: $error; text-style: bold; }}
"""
"""The rules for :data:`COMPONENT_CLASSES`, for the widget named ``widget``."""


def has_history(paid: Contributions) -> bool:
    """A job that ended before the year the feed keeps has no month to show."""
    return any(one.paid is not None for one in paid.history)


def history_text(
    paid: Contributions, lang: Lang, *, console: bool, style: Callable[[str], Style]
) -> Text:
    """The months with their marks, then the span and a legend, then the first gap if any.

    ``style`` turns a component class into its style (``Widget.get_component_rich_style``).
    """
    marks = CONSOLE_MARKS if console else MARKS
    history = paid.history
    text = Text()
    for number, one in enumerate(history):
        if number:
            text.append(" ")
        text.append(short_month(one.period, lang) + marks[one.paid], style(_CLASSES[one.paid]))
    first, last = month(history[0].period, lang), month(history[-1].period, lang)
    text.append("\n" + msg("ui.history.span", first=first, last=last).text(lang))
    for kind in (True, False, None):
        if any(one.paid is kind for one in history):
            text.append(f"  {marks[kind]} {msg(_LEGEND[kind]).text(lang)}")
    missing = paid.first_missing
    if missing is not None:
        sentence = msg("ui.history.first_missing", month=month(missing, lang)).text(lang)
        text.append("\n" + sentence, style(_FIRST))
    return text
