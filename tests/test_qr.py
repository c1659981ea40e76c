"""The card's QR code on screen: encoded for the kiosk's rows, drawn, rasterised and scanned."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from rich.color import Color
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.geometry import Region

from kiosk.card import ISSUER, CardClaims, CardSigner, CardVerdict, verify_card
from kiosk.config import QrMode
from kiosk.member import MembershipStatus, Program
from kiosk.qr import QUIET_ZONE, encode_qr
from screens.widgets.qr import QrCode
from tests.screen_image import RGB, decode_qr, screen_image

B45_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
ISSUED = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=30)
KEY = Ed25519PrivateKey.generate()
BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def base45_text(length: int) -> str:
    """A card-like text of ``length`` characters, the same on every run."""
    rng = random.Random(length)
    return "BK1:" + "".join(rng.choice(B45_CHARSET) for _ in range(length - 4))


def card(name: str, programs: frozenset[Program]) -> str:
    claims = CardClaims(
        issuer=ISSUER,
        issued_at=ISSUED,
        expires_at=ISSUED + timedelta(days=365),
        kpj="12345678901",
        name=name,
        status=MembershipStatus.AKTIF,
        programs=programs,
    )
    return CardSigner(KEY).sign(claims)


CARDS = {
    "short-name": card("Ani", frozenset({Program.JKK})),
    "non-ascii-name": card("Nur'aini Siti Rahayu Ñ", frozenset(Program)),
    "32-byte-name": card("Ni Luh Putu Ayu Kusumawardhani'e", frozenset({Program.JKK, Program.JHT})),
    "33-byte-name": card("Ni Luh Putu Ayu Kusumawardhaní'e", frozenset(Program)),
}


class QrApp(App[None]):
    """Nothing but the code, on a dark screen: any light around it is the widget's own."""

    CSS = """
    Screen { align: center middle; background: $primary-darken-3; }
    #frame { width: 40; height: 20; overflow: hidden; }
    """

    def __init__(self, text: str, mode: QrMode, quiet: int, *, cropped: bool) -> None:
        super().__init__()
        self.text, self.mode, self.quiet, self.cropped = text, mode, quiet, cropped

    def compose(self) -> ComposeResult:
        code = QrCode(self.text, self.mode, self.quiet)
        if self.cropped:
            with Container(id="frame"):
                yield code
        else:
            yield code


def show(
    text: str,
    mode: QrMode,
    size: tuple[int, int],
    quiet: int = QUIET_ZONE,
    *,
    cropped: bool = False,
) -> tuple[Image.Image, Region, RGB]:
    """The screen's picture, the code's region in cells and the screen's background."""

    async def run() -> tuple[Image.Image, Region, RGB]:
        app = QrApp(text, mode, quiet, cropped=cropped)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            background = app.screen.styles.background.rgb
            return screen_image(app), app.query_one(QrCode).region, background

    return asyncio.run(run())


def colours(image: Image.Image) -> set[object]:
    found = image.getcolors()
    assert found is not None
    return {colour for _, colour in found}


def test_typical_card_length_gets_m_within_version_8() -> None:
    matrix = encode_qr(base45_text(200))
    assert (matrix.version, matrix.error_correction, matrix.size) == (8, "M", 49)


def test_longest_card_drops_to_l_and_stays_within_version_8() -> None:
    matrix = encode_qr(base45_text(225))
    assert (matrix.version, matrix.error_correction) == (8, "L")


def test_quiet_zone_pads_every_side_with_light_modules() -> None:
    matrix = encode_qr("BK1:ABC")
    padded = matrix.with_quiet_zone(QUIET_ZONE)
    assert len(padded) == matrix.size + 2 * QUIET_ZONE
    assert {len(row) for row in padded} == {len(padded)}
    assert not any(padded[0] + padded[-1] + tuple(row[0] for row in padded))
    assert padded[QUIET_ZONE][QUIET_ZONE:-QUIET_ZONE] == matrix.modules[0]


def test_odd_module_rows_end_on_a_light_half() -> None:
    """Without a quiet zone a version 7 code has 45 rows: its last cell's lower half is light."""
    text = CARDS["short-name"]
    assert encode_qr(text).size == 45
    last = QrCode(text, "half", quiet=0).render_line(22)
    assert {segment.style.bgcolor for segment in last if segment.style} == {Color.parse("#ffffff")}
    assert {segment.text[0] for segment in last} == {" ", "▀"}


def test_half_blocks_draw_every_light_module_as_background() -> None:
    """The Linux console's background white is a shade darker than its foreground white: a
    light module in front would stand out from the light ones behind, so only dark ones are."""
    text = CARDS["short-name"]
    code = QrCode(text, "half")
    _, rows = QrCode.cells(text, "half")
    segments = [segment for y in range(rows) for segment in code.render_line(y) if segment.style]
    assert {segment.text[0] for segment in segments} == {" ", "▀", "▄"}
    glyphs = [segment.style for segment in segments if segment.text[0] != " "]
    assert {style.color for style in glyphs if style} == {Color.parse("#000000")}
    assert {style.bgcolor for style in glyphs if style} == {Color.parse("#ffffff")}


@pytest.mark.parametrize(("mode", "cells"), [("half", (57, 29)), ("whole", (114, 57))])
def test_version_8_cells(mode: QrMode, cells: tuple[int, int]) -> None:
    for text in (base45_text(200), base45_text(225)):
        assert QrCode.cells(text, mode) == cells


def test_cards_span_both_levels_within_version_8() -> None:
    matrices = [encode_qr(text) for text in CARDS.values()]
    assert {matrix.error_correction for matrix in matrices} == {"M", "L"}
    assert max(matrix.version for matrix in matrices) == 8
    assert max(len(text) for text in CARDS.values()) == 225


@pytest.mark.parametrize(
    ("mode", "size"), [("half", (100, 30)), ("whole", (120, 60))], ids=["half", "whole"]
)
@pytest.mark.parametrize("text", CARDS.values(), ids=list(CARDS))
def test_card_on_screen_scans_back_to_a_valid_card(
    text: str, mode: QrMode, size: tuple[int, int]
) -> None:
    image, region, background = show(text, mode, size)
    assert (region.width, region.height) == QrCode.cells(text, mode)
    assert sum(background) < 3 * 128
    width, height = image.width // size[0], image.height // size[1]
    assert colours(image.crop((0, 0, width, height))) == {background}
    code = image.crop(
        (region.x * width, region.y * height, region.right * width, region.bottom * height)
    )
    assert colours(code) == {BLACK, WHITE}
    [scanned] = decode_qr(image)
    assert scanned == text
    assert verify_card(scanned, KEY.public_key(), NOW).verdict is CardVerdict.VALID


@pytest.mark.parametrize(
    ("quiet", "cropped"), [(QUIET_ZONE, True), (0, False)], ids=["cropped", "no-quiet-zone"]
)
def test_damaged_code_does_not_scan(quiet: int, cropped: bool) -> None:
    """Controls: the picture and decoder that scan a card fail when it is spoilt."""
    image, _, _ = show(CARDS["33-byte-name"], "half", (100, 30), quiet, cropped=cropped)
    assert decode_qr(image) == []
