"""A card's QR code drawn with terminal cells, black on white whatever the theme.

A scanner needs dark modules on light ones with a light quiet zone around, so
every cell carries explicit colours and the widget draws its own quiet zone.
"""

from itertools import groupby
from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from kiosk.config import QrMode
from kiosk.layout import LOWER_HALF, UPPER_HALF, cell_size
from kiosk.qr import QUIET_ZONE, encode_qr, symbol_size

_DARK = Color.parse("#000000")
_LIGHT = Color.parse("#ffffff")


def _colour(dark: bool) -> Color:
    return _DARK if dark else _LIGHT


def _half_cell(top: bool, bottom: bool) -> Segment:
    """A cell of two modules: a blank where both match, as no glyph leaves gaps; else the dark
    half in front and the light behind, so that every light module is the same background."""
    if top == bottom:
        return Segment(" ", Style(bgcolor=_colour(top)))
    return Segment(UPPER_HALF if top else LOWER_HALF, Style(color=_DARK, bgcolor=_LIGHT))


_HALF_CELLS = {
    (top, bottom): _half_cell(top, bottom) for top in (False, True) for bottom in (False, True)
}
"""A cell by its (top, bottom) modules."""
_WHOLE_CELLS = {dark: Segment("  ", Style(bgcolor=_colour(dark))) for dark in (False, True)}


def _strip(cells: list[Segment]) -> Strip:
    """One segment per run of equal cells, so the compositor has little to do."""
    return Strip([Segment(cell.text * len(list(run)), cell.style) for cell, run in groupby(cells)])


def _strips(modules: tuple[tuple[bool, ...], ...], mode: QrMode) -> list[Strip]:
    if mode == "whole":
        return [_strip([_WHOLE_CELLS[dark] for dark in row]) for row in modules]
    # An odd last row shares its cell with a light half, the colour of the quiet zone.
    rows = (*modules, (False,) * len(modules[0])) if len(modules) % 2 else modules
    return [
        _strip([_HALF_CELLS[pair] for pair in zip(top, bottom, strict=True)])
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]


class QrCode(Widget):
    """A QR code of ``text`` with its quiet zone, one module square on screen."""

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        border: none;
        padding: 0;
    }
    """
    ALLOW_SELECT: ClassVar[bool] = False
    """A selection highlight would recolour modules."""
    can_focus = False

    def __init__(
        self,
        text: str,
        mode: QrMode,
        quiet: int = QUIET_ZONE,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        modules = encode_qr(text).with_quiet_zone(quiet)
        self._columns, self._rows = cell_size(len(modules), mode)
        self._strips = _strips(modules, mode)

    @staticmethod
    def cells(text: str, mode: QrMode, quiet: int = QUIET_ZONE) -> tuple[int, int]:
        """Columns and rows the code takes, for a screen to check the space before mounting."""
        return cell_size(symbol_size(text) + 2 * quiet, mode)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._columns

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._rows

    def render_line(self, y: int) -> Strip:
        if y < self._rows:
            return self._strips[y]
        return Strip.blank(self._columns, self.visual_style.rich_style)
