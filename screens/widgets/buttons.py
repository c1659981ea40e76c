"""Buttons: the ones a keyboard reaches, and the ones only touch and mouse press.

Where the member types (the NIK, the mother's name, the staff PIN) a focused
button would take the physical keyboard's Enter, which must submit the form:
there the buttons are :class:`TouchButton` and the keyboard has Enter, Escape
and F1. Everywhere else the member moves over the buttons with Tab or the
arrow keys and presses the focused one with Enter.
"""

from textual.widgets import Button


class KioskButton(Button):
    pass


class TouchButton(KioskButton, can_focus=False):
    pass
