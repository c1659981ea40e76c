"""The kiosk's colours: BPJS Ketenagakerjaan green on a light, calm background, and a
high-contrast look for members who need it.

Colours are chosen to stay distinct when the Linux console maps them onto its
16: green, blue, red and a dark amber each land on a different console colour.
"""

from dataclasses import replace

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
    # Opaque white on the green top bar and buttons: 4.9:1, where Textual's 87% gave 4.1.
    variables={"text": "auto 100%", "focus-frame": "#1A1A1A"},
)

HIGH_CONTRAST_THEME = Theme(
    name="bpjstk-high-contrast",
    primary="#FFE600",
    secondary="#00E5FF",
    accent="#FFE600",
    warning="#FFB020",
    error="#FF8A80",
    success="#7CFC7C",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#333333",
    dark=True,
    variables={
        # Opaque text only: a blend towards the background is what costs contrast.
        "text": "auto 100%",
        "text-muted": "auto 100%",
        "text-disabled": "auto 100%",
        "button-foreground": "#000000",
        "button-color-foreground": "#000000",
        "scrollbar": "#FFFFFF",
        "scrollbar-background": "#000000",
        "focus-frame": "#FFE600",
    },
)
"""White and bright colours on black: every text the kiosk draws in it meets WCAG AAA
(7:1), which ``tests/test_contrast.py`` measures on the rendered screens."""

HIGH_CONTRAST_CONSOLE_THEME = replace(
    HIGH_CONTRAST_THEME, name="bpjstk-high-contrast-console", error="#FF55FF"
)
"""The Linux console draws each colour as the nearest of its 16, and its bright red on
black is 6.7:1: problems take its bright magenta there (8:1)."""

THEMES = (KIOSK_THEME, HIGH_CONTRAST_THEME, HIGH_CONTRAST_CONSOLE_THEME)
