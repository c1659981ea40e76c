"""The room the screens need, asked by the card screen, the QR widget and ``kiosk doctor``.

The core may not import the UI, so these facts live here and the UI asks for them.
"""

from kiosk.config import QrMode, QrSetting
from kiosk.qr import MAX_SCREEN_VERSION, QUIET_ZONE

MIN_SCREEN = (80, 24)
"""Columns and lines below which the kiosk's screens do not fit."""
CARD_SIDE_COLUMNS = 30
"""Columns the card screen's details and buttons need beside the QR."""
TOP_BAR_LINES = 1
"""The top bar every member screen has above its content."""
UPPER_HALF = "▀"
LOWER_HALF = "▄"
HALF_BLOCKS = UPPER_HALF + LOWER_HALF
"""The glyphs a half-block QR needs: a cell's dark module in front, as the upper or the lower
half, and its light one behind. Light modules are then all background, one colour even on the
Linux console, whose background white is a shade darker than its foreground's."""


def on_linux_console(term: str) -> bool:
    """``TERM=linux``: a virtual console, whose fonts lack half blocks."""
    return term == "linux"


def qr_mode(setting: QrSetting, console: bool) -> QrMode:
    """``auto`` draws whole cells where the font lacks half blocks: the Linux console."""
    if setting == "auto":
        return "whole" if console else "half"
    return setting


def cell_size(modules: int, mode: QrMode) -> tuple[int, int]:
    """Columns and lines for a square of ``modules``: a terminal cell is twice as tall as wide,
    so half blocks put two modules in a cell and whole cells take two cells a module."""
    return (modules, (modules + 1) // 2) if mode == "half" else (2 * modules, modules)


def largest_qr(mode: QrMode) -> tuple[int, int]:
    """Columns and lines of the largest card QR the kiosk draws, quiet zone included."""
    return cell_size(17 + 4 * MAX_SCREEN_VERSION + 2 * QUIET_ZONE, mode)


def screen_for_qr(mode: QrMode) -> tuple[int, int]:
    """The screen the card screen needs to draw its largest QR whole, details and top bar."""
    columns, lines = largest_qr(mode)
    return columns + CARD_SIDE_COLUMNS, lines + TOP_BAR_LINES


def card_fits(qr_cells: tuple[int, int], screen: tuple[int, int]) -> bool:
    """Whether a QR of ``qr_cells`` fits beside the card's details under the top bar."""
    (columns, lines), (width, height) = qr_cells, screen
    return lines <= height - TOP_BAR_LINES and columns + CARD_SIDE_COLUMNS <= width
