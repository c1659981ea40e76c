"""The kiosk's colours: BPJS Ketenagakerjaan green on a light, calm background.

Colours are chosen to stay distinct when the Linux console maps them onto its
16: green, blue, red and a dark amber each land on a different console colour.
"""

from textual.theme import Theme

KIOSK_THEME = Theme(
    name="bpjstk",
    primary="#00823C",
    secondary="#0059A8",
    accent="#0059A8",
    warning="#8A5A00",
    error="#B3261E",
    success="#1E7B34",
    foreground="#1A1A1A",
    background="#F3F6F4",
    surface="#FFFFFF",
    panel="#E2ECE6",
    dark=False,
)
