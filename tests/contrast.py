"""WCAG 2.x contrast of what a running app draws: every run of text against its background.

The cells come from the compositor, as for :func:`tests.screen_image.screen_image`:
each segment's colours are what the terminal receives, after the theme, CSS and
Textual's blending of translucent colours (``$text`` is ``auto 87%``, a modal's
backdrop is ``$background 60%``) onto what lies beneath. What the terminal does
on its own is done here: ``reverse`` swaps the colours and ``dim`` blends the text
halfway to its background, as Textual's own ``DimFilter`` would.

On the Linux console (``console=True``) each colour is the one of its 16 that Rich
sends for ``TERM=linux`` (the nearest), drawn in the console's own VGA palette as
its driver draws it: bold text takes the bright form of a dark colour, and a
background has only the 8 dark ones.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.color import Color, ColorSystem
from rich.style import Style
from textual._compositor import LayoutUpdate
from textual.app import App

RGB = tuple[int, int, int]

AAA = 7.0
"""WCAG 2.x 1.4.6, enhanced contrast: the high-contrast theme's bar."""
AA = 4.5
"""WCAG 2.x 1.4.3, minimum contrast: the default theme's bar."""
DIM = 0.5
"""How far ``dim`` moves text towards its background (Textual's ``DimFilter`` default)."""
GRAPHICS = range(0x2500, 0x25A0)
"""Box lines and block elements: frames, edges, bars and QR modules, not text to read."""
CONSOLE_PALETTE: tuple[RGB, ...] = (
    (0x00, 0x00, 0x00),
    (0xAA, 0x00, 0x00),
    (0x00, 0xAA, 0x00),
    (0xAA, 0x55, 0x00),
    (0x00, 0x00, 0xAA),
    (0xAA, 0x00, 0xAA),
    (0x00, 0xAA, 0xAA),
    (0xAA, 0xAA, 0xAA),
    (0x55, 0x55, 0x55),
    (0xFF, 0x55, 0x55),
    (0x55, 0xFF, 0x55),
    (0xFF, 0xFF, 0x55),
    (0x55, 0x55, 0xFF),
    (0xFF, 0x55, 0xFF),
    (0x55, 0xFF, 0xFF),
    (0xFF, 0xFF, 0xFF),
)
"""The Linux console's default colours (``default_red``/``grn``/``blu`` in the kernel's vt.c)."""
BRIGHT = 8
"""Added to a dark colour's number for its bright form; backgrounds have none."""


@dataclass(frozen=True)
class Run:
    """One segment's readable characters, where it is, and the colours they are drawn in."""

    text: str
    row: int
    column: int
    fg: RGB
    bg: RGB

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.fg, self.bg)

    def __str__(self) -> str:
        return (
            f"{self.text!r} at row {self.row}, column {self.column}: "
            f"{_hex(self.fg)} on {_hex(self.bg)} is {self.ratio:.2f}:1"
        )


def _hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    red, green, blue = (_linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: RGB, second: RGB) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _blend(fg: RGB, bg: RGB, share: float) -> RGB:
    red, green, blue = (round(b + (f - b) * share) for f, b in zip(fg, bg, strict=True))
    return red, green, blue


def _truecolor(color: Color | None, default: Color) -> RGB:
    red, green, blue = (default if color is None or color.is_default else color).get_truecolor()
    return red, green, blue


def _number(color: Color | None, default: Color) -> int:
    chosen = default if color is None or color.is_default else color
    return chosen.downgrade(ColorSystem.STANDARD).number or 0


def _colours(style: Style | None, default: tuple[Color, Color], console: bool) -> tuple[RGB, RGB]:
    style = style or Style()
    if console:
        return console_colours(style, default)
    fg, bg = _truecolor(style.color, default[0]), _truecolor(style.bgcolor, default[1])
    if style.reverse:
        fg, bg = bg, fg
    if style.dim:
        fg = _blend(fg, bg, DIM)
    return fg, bg


def console_colours(style: Style, default: tuple[Color, Color]) -> tuple[RGB, RGB]:
    """As the kernel's vt.c draws a cell: a bright foreground (90-97) is its dark colour
    with the bold intensity, a bright background (100-107) is only its dark colour, and
    reverse swaps the two dark colours while the intensity stays with the text."""
    fg, bg = _number(style.color, default[0]), _number(style.bgcolor, default[1])
    bright = fg >= BRIGHT or bool(style.bold)
    fg, bg = fg % BRIGHT, bg % BRIGHT
    if style.reverse:
        fg, bg = bg, fg
    return CONSOLE_PALETTE[fg + (BRIGHT if bright else 0)], CONSOLE_PALETTE[bg]


def _readable(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and ord(c) not in GRAPHICS)


def text_runs(app: App[Any], *, console: bool = False) -> Iterator[Run]:
    """Every segment of the current screen with something to read, and its colours.

    ``console``: each colour as the Linux console shows it, the nearest of its 16
    (what Rich sends for ``TERM=linux``).
    """
    screen = app.screen
    default = (screen.styles.color.rich_color, screen.styles.background.rich_color)
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    for row, line in enumerate(update.strips):
        column = 0
        for strip in line:
            for segment in strip:
                if segment.control:
                    continue
                if text := _readable(segment.text):
                    fg, bg = _colours(segment.style, default, console)
                    yield Run(text, row, column, fg, bg)
                column += segment.cell_length


def low_contrast(app: App[Any], minimum: float, *, console: bool = False) -> list[Run]:
    """The runs of text on screen below ``minimum``:1."""
    return [run for run in text_runs(app, console=console) if run.ratio < minimum]


Cell = tuple[str, Style | None]


def screen_cells(app: App[Any]) -> list[list[Cell]]:
    """The current screen as rows of cells, each its character and style."""
    screen = app.screen
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    rows: list[list[Cell]] = []
    for line in update.strips:
        row: list[Cell] = []
        for strip in line:
            for segment in strip:
                if not segment.control:
                    row += [(char, segment.style) for char in segment.text]
        rows.append(row)
    return rows
