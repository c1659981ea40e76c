"""What the member has typed so far, large and spaced, with room for what is missing."""

from rich.text import Text
from textual.widgets import Static


class EntryLine(Static):
    """Never parses markup: a name typed at the kiosk is shown exactly as typed."""

    DEFAULT_CSS = """
    EntryLine {
        width: auto;
        min-width: 30;
        max-width: 100%;
        height: auto;
        padding: 0 2;
        border: solid $primary;
        background: $surface;
        text-style: bold;
    }
    """

    def show(self, text: str, placeholder: str = "") -> None:
        rendered = Text(text)
        if placeholder:
            rendered.append(placeholder, style="dim")
        self.update(rendered)


def group_digits(digits: str, length: int, group: int = 4) -> tuple[str, str]:
    """``3201014`` -> (``3201 014``, ``_ ____ ____ ____``): typed part and what is left."""
    slots = digits + "_" * (length - len(digits))
    spaced = " ".join(slots[i : i + group] for i in range(0, length, group))
    count = len(digits)
    end = count + (count - 1) // group if count else 0
    return spaced[:end], spaced[end:]
