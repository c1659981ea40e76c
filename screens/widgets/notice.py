"""Something about the member as a whole that they must not miss: data to correct, KPJs to merge.

Framed and marked with "!", not only coloured; the double line is one the
Linux console's font has.
"""

from rich.text import Text
from textual.widgets import Static


class Notice(Static):
    DEFAULT_CSS = """
    Notice {
        width: 100%;
        height: auto;
        margin-bottom: 1;
        padding: 0 1;
        border: double $warning;
        color: $foreground;
    }
    """

    def __init__(self, sentence: str) -> None:
        """``sentence`` is from the catalogue; drawn as plain text all the same."""
        super().__init__(Text.assemble(("! ", "bold"), sentence))
