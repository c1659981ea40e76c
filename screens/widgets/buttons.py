"""Buttons for touch and mouse only.

A focused button would take the physical keyboard's Enter: on the NIK screen
Enter must submit the NIK, not press whichever button happened to hold focus.
The keyboard has its own keys on every screen (Enter, Escape, F1).
"""

from textual.widgets import Button


class KioskButton(Button, can_focus=False):
    pass
