"""On-screen keys for touch and mouse: a digit pad for the NIK and a letter board for names.

Keys never take focus, so the physical keyboard keeps talking to the screen,
and both ways of typing end in the same :class:`KeyPressed` message (as the
calculator in Textual's examples routes its buttons through one handler).
"""

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button

from screens.widgets.buttons import EveryTap

BACK = "back"
OK = "ok"
SPACE = " "


class KeyPressed(Message):
    """``key`` is a character to type, or :data:`BACK` or :data:`OK`."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class PadKey(EveryTap, can_focus=False):
    DEFAULT_CSS = """
    PadKey {
        width: 1fr;
        min-width: 3;
        margin: 0 0;
        text-style: bold;
    }
    PadKey.-ok { background: $primary; color: $text; }
    """

    def __init__(self, label: str, key: str, *, classes: str = "") -> None:
        super().__init__(label, classes=classes)
        self.key = key

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(KeyPressed(self.key))


class DigitPad(Widget):
    DEFAULT_CSS = """
    DigitPad {
        width: 42;
        max-width: 100%;
        height: auto;
    }
    DigitPad Horizontal {
        height: auto;
    }
    DigitPad PadKey {
        margin: 0 1 0 0;
    }
    """

    def __init__(self, back_label: str, ok_label: str) -> None:
        super().__init__()
        self._labels = (back_label, ok_label)

    def compose(self) -> ComposeResult:
        back, ok = self._labels
        with Vertical():
            for row in ("123", "456", "789"):
                with Horizontal():
                    yield from _keys(row)
            with Horizontal():
                yield PadKey(back, BACK)
                yield PadKey("0", "0")
                yield PadKey(ok, OK, classes="-ok")


LETTER_ROWS: Sequence[str] = ("QWERTYUIOP", "ASDFGHJKL'", "ZXCVBNM-.")


class LetterBoard(Widget):
    DEFAULT_CSS = """
    LetterBoard {
        width: 100%;
        max-width: 90;
        height: auto;
    }
    LetterBoard Horizontal {
        height: auto;
    }
    LetterBoard .-wide { width: 3fr; }
    """

    def __init__(self, space_label: str, back_label: str, ok_label: str) -> None:
        super().__init__()
        self._labels = (space_label, back_label, ok_label)

    def compose(self) -> ComposeResult:
        space, back, ok = self._labels
        with Vertical():
            for row in LETTER_ROWS:
                with Horizontal():
                    yield from _keys(row)
            with Horizontal():
                yield PadKey(back, BACK, classes="-wide")
                yield PadKey(space, SPACE, classes="-wide")
                yield PadKey(ok, OK, classes="-wide -ok")


def _keys(row: str) -> Iterable[PadKey]:
    return (PadKey(letter, letter) for letter in row)
