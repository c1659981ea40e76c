"""A card's text as a QR matrix, sized for the kiosk's screen.

The signature covers the card's text, not its picture: the error correction
level is the kiosk's choice, and any level reads back the same text.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    # Loaded with the first card, not at start: ``kiosk.layout`` reads this module's sizes
    # before the welcome screen, and qrcode (with Pillow) is a few tens of milliseconds.
    import qrcode

QUIET_ZONE = 4
"""Light modules around the code, as the QR standard (ISO/IEC 18004) asks."""
MAX_SCREEN_VERSION = 8
"""The largest version a 30-row screen shows in half blocks: 49 + 2 x 4 modules, 29 rows.

Version 9 (53 + 8 = 61 modules, 31 rows) would not fit.
"""

Level = Literal["M", "L"]


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol's modules, True for dark, without the quiet zone."""

    modules: tuple[tuple[bool, ...], ...]
    version: int
    error_correction: Level

    @property
    def size(self) -> int:
        return len(self.modules)

    def with_quiet_zone(self, quiet: int) -> tuple[tuple[bool, ...], ...]:
        if quiet < 0:
            raise ValueError("a quiet zone is zero modules or more")
        blank = (False,) * (self.size + 2 * quiet)
        margin = (False,) * quiet
        return (
            (blank,) * quiet
            + tuple(margin + row + margin for row in self.modules)
            + (blank,) * quiet
        )


def _symbol(text: str, level: Level) -> "qrcode.QRCode":
    """A symbol sized to the smallest version that holds ``text`` at ``level``."""
    import qrcode

    levels = {"M": qrcode.constants.ERROR_CORRECT_M, "L": qrcode.constants.ERROR_CORRECT_L}
    symbol = qrcode.QRCode(error_correction=levels[level], border=0)
    symbol.add_data(text)
    symbol.best_fit()
    return symbol


def _level_and_version(text: str) -> tuple[Level, "qrcode.QRCode"]:
    symbol = _symbol(text, "M")
    if symbol.version <= MAX_SCREEN_VERSION:
        return "M", symbol
    return "L", _symbol(text, "L")


def symbol_size(text: str) -> int:
    """Modules across the code :func:`encode_qr` makes, without its cost (well under 1 ms)."""
    _, symbol = _level_and_version(text)
    return 17 + 4 * int(symbol.version)


def encode_qr(text: str) -> QrMatrix:
    """Error correction M when the text fits :data:`MAX_SCREEN_VERSION` at M, else L.

    A kiosk screen of 100 x 30 has 30 rows, and a version 8 code with its quiet
    zone takes 29 of them in half blocks; M recovers more damage (a smudged
    screen, a glare) but holds only 221 Base45 characters at version 8 against
    279 at L. Cards run from about 180 to 225 characters, so every card fits
    version 8 at L; a longer text still encodes, at L, in a larger version.
    About 10 ms for a card: most of it is choosing the mask.
    """
    level, symbol = _level_and_version(text)
    symbol.make(fit=False)
    modules = tuple(tuple(bool(module) for module in row) for row in symbol.get_matrix())
    return QrMatrix(modules, int(symbol.version), level)
