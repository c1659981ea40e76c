"""Text longer than the screen, read by scrolling: touch and the mouse wheel scroll it where it
is, the keyboard through its screen's bindings, so focus stays on the buttons and Enter always
presses one."""

from textual.binding import Binding
from textual.containers import VerticalScroll

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


SCROLL_BINDINGS = [
    Binding(key, f"scroll_reading('{way}')", show=False) for key, way in SCROLL_KEYS.items()
]
"""For a screen with one :class:`ReadingScroll`; the screen's ``action_scroll_reading`` passes
the way on to it."""
