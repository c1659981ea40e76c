"""What a running app's screen looks like, as pixels, for tests that scan it as a person would.

A code that Textual lays out right can still fail a phone: cropped, recoloured
by a theme, without its quiet zone. Tests therefore paint the screen's cells
and hand the picture to a real QR decoder.
"""

from typing import Any

import zxingcpp
from PIL import Image
from rich.cells import get_character_cell_size
from rich.color import Color
from rich.terminal_theme import TerminalTheme
from textual._compositor import LayoutUpdate
from textual.app import App

RGB = tuple[int, int, int]


def _rgb(color: Color | None, default: RGB, theme: TerminalTheme) -> RGB:
    if color is None or color.is_default:
        return default
    red, green, blue = color.get_truecolor(theme)
    return red, green, blue


def _paint(image: Image.Image, char: str, box: tuple[int, int, int, int], fg: RGB, bg: RGB) -> None:
    """Block glyphs as the font draws them; other text as a blot, so it is never invisible."""
    left, top, right, bottom = box
    middle = (top + bottom) // 2
    if char == "▀":
        image.paste(fg, (left, top, right, middle))
        image.paste(bg, (left, middle, right, bottom))
    elif char == "▄":
        image.paste(bg, (left, top, right, middle))
        image.paste(fg, (left, middle, right, bottom))
    elif char == "█":
        image.paste(fg, box)
    else:
        image.paste(bg, box)
        if not char.isspace():
            inset_x, inset_y = (right - left) // 4, (bottom - top) // 4
            image.paste(fg, (left + inset_x, top + inset_y, right - inset_x, bottom - inset_y))


def screen_image(app: App[Any], cell: tuple[int, int] = (8, 16)) -> Image.Image:
    """The app's current screen, each cell ``cell`` pixels (width, height) with its own colours.

    Cells come from the compositor, as for ``App.export_screenshot``: what the
    terminal would receive, after CSS, themes and layout.
    """
    screen = app.screen
    cell_width, cell_height = cell
    columns, rows = app.size
    default_fg, default_bg = screen.styles.color.rgb, screen.styles.background.rgb
    theme = app.ansi_theme
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    image = Image.new("RGB", (columns * cell_width, rows * cell_height), default_bg)
    for y, line in enumerate(update.strips):
        x = 0
        for strip in line:
            for segment in strip:
                if segment.control:
                    continue
                style = segment.style
                fg = _rgb(style.color if style else None, default_fg, theme)
                bg = _rgb(style.bgcolor if style else None, default_bg, theme)
                if style and style.reverse:
                    fg, bg = bg, fg
                for char in segment.text:
                    span = get_character_cell_size(char)
                    if span:
                        left, top = x * cell_width, y * cell_height
                        box = (left, top, left + span * cell_width, top + cell_height)
                        _paint(image, char, box, fg, bg)
                        x += span
    return image


def decode_qr(image: Image.Image) -> list[str]:
    """The texts of every QR code a real decoder finds in ``image``, dark on light only.

    Not every phone reads a code in reverse colours, so neither does this.
    """
    formats = zxingcpp.BarcodeFormats(zxingcpp.QRCode)
    found = zxingcpp.read_barcodes(image, formats=formats, try_invert=False)
    return [barcode.text for barcode in found]


def screen_text(app: App[Any]) -> str:
    """The app's current screen as the characters a person reads, one line per row."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    return "\n".join(
        "".join(segment.text for strip in line for segment in strip if not segment.control)
        for line in update.strips
    )
