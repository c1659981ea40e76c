"""The form a member or staff types into: a prompt, the entry line, the on-screen keys, a message.

The NIK, the mother's name and the staff PIN differ only in what may be typed
and how it is drawn, so a screen hands those in and the form does the rest.
The value and the message are reactive: whoever sets them, the form redraws
itself (as the display of the calculator in Textual's examples does).
"""

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Static

from screens.widgets.keypad import BACK, OK, KeyPressed

Typing = Callable[[str, str], tuple[str, str]]
"""What typing ``text`` after ``value`` gives: the new value and the message to show."""
Drawing = Callable[[str], tuple[str, str]]
"""How a value is drawn on the entry line: the part typed and a dim placeholder after it."""


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

    def show(self, text: str, placeholder: str) -> None:
        rendered = Text(text)
        if placeholder:
            rendered.append(placeholder, style="dim")
        self.update(rendered)


class EntryForm(Vertical):
    """The screen's keyboard and paste arrive through :meth:`type_text`, :meth:`erase` and
    :meth:`submit` (nothing takes focus, so the screen hands them on); the on-screen keys
    come straight here. A submit is posted as :class:`EntryForm.Submitted`."""

    DEFAULT_CSS = """
    EntryForm > .prompt {
        width: 100%;
        text-align: center;
        text-style: bold;
        margin: 1 1 0 1;
    }
    """

    value: var[str] = var("")
    """What has been typed so far."""
    message: var[str] = var("")
    """A problem or a state, shown under the entry line as plain text (never markup)."""
    locked: var[bool] = var(False)
    """Nothing more may be typed or sent (a NIK locked after wrong answers): the keys are
    disabled and the message stays, so that typing cannot make it look as if it had passed."""

    class Submitted(Message):
        """Enter or the on-screen OK: ``value`` is what was typed at that moment."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(
        self,
        prompt: str,
        keys: Widget,
        *,
        typing: Typing,
        drawing: Drawing,
        hint: Callable[[str], str] | None = None,
    ) -> None:
        """``keys`` is the on-screen pad or board; ``hint``, a line under the entry line."""
        super().__init__()
        self._prompt = prompt
        self._keys = keys
        self._typing = typing
        self._drawing = drawing
        self._hint = hint

    def compose(self) -> ComposeResult:
        yield Static(self._prompt, classes="prompt")
        with Center():
            yield EntryLine()
        if self._hint is not None:
            yield Static(id="hint", classes="hint")
        yield Static(id="problem", classes="problem")
        with Center():
            yield self._keys

    def watch_value(self, value: str) -> None:
        self.query_one(EntryLine).show(*self._drawing(value))
        if self._hint is not None:
            self.query_one("#hint", Static).update(self._hint(value))

    def watch_message(self, message: str) -> None:
        self.query_one("#problem", Static).update(Text(message))

    def watch_locked(self, locked: bool) -> None:
        self._keys.disabled = locked

    def type_text(self, text: str) -> None:
        if not self.locked:
            self.value, self.message = self._typing(self.value, text)

    def erase(self) -> None:
        if not self.locked:
            self.value = self.value[:-1]
            self.message = ""

    def submit(self) -> None:
        if not self.locked:
            self.post_message(self.Submitted(self.value))

    def on_key_pressed(self, event: KeyPressed) -> None:
        event.stop()
        if event.key == BACK:
            self.erase()
        elif event.key == OK:
            self.submit()
        else:
            self.type_text(event.key)


def group_digits(digits: str, length: int, group: int = 4) -> tuple[str, str]:
    """``3201014`` -> (``3201 014``, ``_ ____ ____ ____``): typed part and what is left."""
    slots = digits + "_" * (length - len(digits))
    spaced = " ".join(slots[i : i + group] for i in range(0, length, group))
    count = len(digits)
    end = count + (count - 1) // group if count else 0
    return spaced[:end], spaced[end:]
