"""What a verifier's camera sees: the kiosk's screen and a printed slip, photographed.

The pictures come from the real thing: the kiosk's card screen painted cell by cell
(:func:`tests.screen_image.screen_image`) and a slip printed through the real printer
code and put back on paper (:mod:`tests.slip_paper`). A photo of either is scaled,
turned a little, blurred and grainy, laid on a desk, and written as a Y4M video:
what Chromium's fake camera plays in a loop.
"""

import random
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image, ImageFilter
from textual.pilot import Pilot

from kiosk.config import PAPERS, FileTarget, PrinterSettings
from kiosk.printer import Printer
from kiosk.serving import MemberView
from screens.app import KioskApp
from screens.card import CardScreen
from tests.conftest import new_key
from tests.kiosk_ui import build_kiosk, drive, reach_status, settle, wait_until
from tests.screen_image import screen_image
from tests.slip_paper import print_out

FRAME = (640, 480)
DESK = (92, 84, 76)


def kiosk_screen(directory: Path) -> tuple[Image.Image, str]:
    """The card screen of the kiosk's active member, as pixels, and the card it shows."""
    directory.mkdir(parents=True, exist_ok=True)
    kiosk = build_kiosk(directory, new_key())
    person = kiosk.people["active"]
    app = kiosk.app()
    pictures: list[Image.Image] = []

    async def scenario(app: KioskApp, pilot: Pilot[Any]) -> None:
        await reach_status(pilot, person)
        await pilot.press("k")
        await wait_until(pilot, lambda: isinstance(app.screen, CardScreen))
        await settle(pilot)
        pictures.append(screen_image(app))

    drive(app, scenario)
    service = kiosk.service()
    try:
        view = service.verify(person.nik, person.mother)
        assert isinstance(view, MemberView)
        return pictures[0], view.cards[0].text
    finally:
        service.close()


def printed_slip(directory: Path) -> tuple[Image.Image, str]:
    """A 58 mm slip of the kiosk's active member, as the paper comes out, and its card."""
    directory.mkdir(parents=True, exist_ok=True)
    kiosk = build_kiosk(directory, new_key())
    person = kiosk.people["active"]
    service = kiosk.service()
    try:
        view = service.verify(person.nik, person.mother)
        assert isinstance(view, MemberView)
        device = directory / "lp0"
        Printer(PrinterSettings(FileTarget(device), 58), service.audit).print_slip(view, "id")
        paper = print_out(device.read_bytes(), PAPERS[58]).image.convert("RGB")
        return paper, view.cards[0].text
    finally:
        service.close()


def around_qr(picture: Image.Image, margin: float = 0.35) -> Image.Image:
    """The part of ``picture`` a person aims a camera at: the QR code and some of what
    surrounds it (``margin`` of the code's side on each side)."""
    (found,) = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormats(zxingcpp.QRCode))
    corners = found.position
    xs = [point.x for point in (corners.top_left, corners.top_right, corners.bottom_left)]
    ys = [point.y for point in (corners.top_left, corners.top_right, corners.bottom_left)]
    pad = margin * (max(xs) - min(xs))
    left, top = max(0, round(min(xs) - pad)), max(0, round(min(ys) - pad))
    right = min(picture.width, round(max(xs) + pad))
    bottom = min(picture.height, round(max(ys) + pad))
    return picture.crop((left, top, right, bottom))


def photographed(picture: Image.Image, seed: int, turn: float = 4.0) -> Image.Image:
    """``picture`` as a phone's camera frames it: turned, soft and grainy, on a desk."""
    rng = random.Random(seed)
    scale = min(FRAME[0] * 0.8 / picture.width, FRAME[1] * 0.9 / picture.height)
    size = (round(picture.width * scale), round(picture.height * scale))
    shot = picture.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    shot = shot.rotate(turn, Image.Resampling.BICUBIC, expand=True, fillcolor=DESK)
    frame = Image.new("RGB", FRAME, DESK)
    frame.paste(shot, ((FRAME[0] - shot.width) // 2, (FRAME[1] - shot.height) // 2))
    frame = frame.filter(ImageFilter.GaussianBlur(0.8))
    grain = Image.effect_noise(FRAME, 24).convert("RGB")
    return Image.blend(frame, grain, 0.12 + rng.random() * 0.04)


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 10) -> Path:
    """A YUV4MPEG2 4:2:0 video, the format ``--use-file-for-fake-video-capture`` plays."""
    width, height = frames[0].size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            luma, blue, red = frame.convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(b"FRAME\n")
            out.write(luma.tobytes())
            out.write(blue.resize(half, Image.Resampling.BOX).tobytes())
            out.write(red.resize(half, Image.Resampling.BOX).tobytes())
    return path


def camera_video(path: Path, picture: Image.Image) -> Path:
    """A second of a camera held at the QR of ``picture``, the grain changing frame by frame."""
    aimed = around_qr(picture)
    return write_y4m(path, [photographed(aimed, seed) for seed in range(10)])
