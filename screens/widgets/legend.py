"""The one line that tells a member which keys do what on the screen in front of them."""

from collections.abc import Iterable, Iterator
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.text import Text
from textual.widgets import Static

SEPARATOR = "  "


class Keys:
    """The keys as lines of the width given: a line breaks between two keys, never inside one
    ("F1" on one line and "bantuan" on the next reads as two keys)."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = list(items)

    def lines(self, width: int) -> list[str]:
        lines: list[str] = []
        line = ""
        for item in self.items:
            joined = f"{line}{SEPARATOR}{item}" if line else item
            if line and cell_len(joined) > width:
                lines.append(line)
                line = item
            else:
                line = joined
        return [*lines, line]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        # Plain Text: the catalogue's arrows and slashes are never read as markup.
        yield Text("\n".join(self.lines(options.max_width)), no_wrap=True, overflow="ellipsis")


class KeyLegend(Static):
    """Under the screen's buttons (``docked``: at the bottom of a screen without a row of them),
    or in a column where the screen has no line to spare (``inline``: the card, beside its QR)."""

    DEFAULT_CSS = """
    KeyLegend {
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    KeyLegend.-docked { dock: bottom; }
    KeyLegend.-inline {
        padding: 0;
        background: transparent;
        color: $text-muted;
    }
    """

    def __init__(
        self, items: Iterable[str], *, place: Literal["under", "docked", "inline"]
    ) -> None:
        self.keys = Keys(items)
        super().__init__(self.keys, classes=f"-{place}")
