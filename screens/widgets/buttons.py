"""Buttons: the ones a keyboard reaches, and the ones only touch and mouse press.

Where the member types (the NIK, the mother's name, the staff PIN) a focused
button would take the physical keyboard's Enter, which must submit the form:
there the buttons are :class:`TouchButton` and the keyboard has Enter, Escape
and F1. Everywhere else the member moves over the buttons with Tab or the
arrow keys and presses the focused one with Enter.
"""

from textual import events
from textual.widgets import Button


class EveryTap(Button):
    """Every tap presses: Button ignores a click while its press effect lasts (0.2 s), which
    lost the second 1 of a NIK's "11" typed briskly on the pad, and a brisk second tap on a
    toggle (high contrast on, then off again)."""

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
        self.press()


class KioskButton(EveryTap):
    pass


class TouchButton(KioskButton, can_focus=False):
    pass
