"""Text longer than the screen, read by scrolling: touch and the mouse wheel scroll it where it
is, the keyboard through its screen's bindings, so focus stays on the buttons and Enter always
presses one."""

from typing import cast

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget

SCROLL_KEYS = {
    "up": "up",
    "down": "down",
    "pageup": "page_up",
    "pagedown": "page_down",
    "home": "home",
    "end": "end",
}
"""Each key, and the way it scrolls (``VerticalScroll.scroll_<way>``)."""


class ReadingScroll(VerticalScroll, can_focus=False):
    def scroll_by_key(self, way: str) -> None:
        scroll = {
            "up": self.scroll_up,
            "down": self.scroll_down,
            "page_up": self.scroll_page_up,
            "page_down": self.scroll_page_down,
            "home": self.scroll_home,
            "end": self.scroll_end,
        }[way]
        scroll(animate=False)


class ScrollsReading:
    """For a screen with one :class:`ReadingScroll` and :data:`SCROLL_BINDINGS`."""

    def action_scroll_reading(self, way: str) -> None:
        cast(Widget, self).query_one(ReadingScroll).scroll_by_key(way)


SCROLL_BINDINGS = [
    Binding(key, f"scroll_reading('{way}')", show=False) for key, way in SCROLL_KEYS.items()
]
"""A :class:`ScrollsReading` screen's keys: each passes its way on to the screen's scroll."""
