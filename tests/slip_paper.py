"""What a receipt printer would put on paper for an ESC/POS byte stream: a test-side printer.

It knows exactly the commands :func:`kiosk.printer.slip_bytes` emits (ESC @, ESC R 0,
ESC a, ESC E, printable ASCII and LF, GS v 0 raster images, ESC d, GS V) and fails on any
other byte, so a command the kiosk starts to send is a command a test must first read.
Text is drawn in font A's cells (12 x 24 dots) with Pillow's own font, raster images dot
for dot, at 203 dpi like the paper.

``python -m tests.slip_paper`` writes the reviewed pictures of a 58 mm and an 80 mm
slip (``tests/__snapshots__/slip/``), as ``pytest tests/test_slip.py --snapshot-update`` does.
"""

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.config import Paper

CELL = (12, 24)
"""Font A: dots across and down a character."""
FONT = ImageFont.load_default(size=20)
ESC, GS, LF = 0x1B, 0x1D, 0x0A
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "slip"


class UnknownCommand(AssertionError):
    """A byte the kiosk was not known to send."""


@dataclass
class Printed:
    """The paper, and what a person reads off it."""

    image: Image.Image
    lines: list[str] = field(default_factory=list)
    """Each text line as printed, without its alignment."""
    bold: list[str] = field(default_factory=list)
    rasters: list[Image.Image] = field(default_factory=list)
    cut: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Paper:
    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.rows: list[Image.Image] = []
        self.printed = Printed(Image.new("L", (paper.dots, 1), 255))
        self.reset()

    def reset(self) -> None:
        self.align = 0
        self.bold = False
        self.line = bytearray()

    def feed(self, lines: int) -> None:
        for _ in range(lines):
            self.rows.append(Image.new("L", (self.paper.dots, CELL[1]), 255))

    def newline(self) -> None:
        text = self.line.decode("ascii")
        if len(text) > self.paper.columns:
            raise AssertionError(f"{len(text)} characters on a {self.paper.columns}-column line")
        row = Image.new("L", (self.paper.dots, CELL[1]), 255)
        draw = ImageDraw.Draw(row)
        room = self.paper.columns - len(text)
        start = (0, room // 2, room)[self.align] * CELL[0]
        for n, char in enumerate(text):
            draw.text(
                (start + n * CELL[0] + CELL[0] // 2, CELL[1] // 2),
                char,
                fill=0,
                font=FONT,
                anchor="mm",
                stroke_width=1 if self.bold else 0,
                stroke_fill=0,
            )
        self.rows.append(row)
        self.printed.lines.append(text)
        if self.bold and text:
            self.printed.bold.append(text)
        self.line = bytearray()

    def raster(self, mode: int, width_bytes: int, height: int, data: bytes) -> None:
        if mode != 0:
            raise UnknownCommand(f"GS v 0 in mode {mode}: the kiosk prints at normal density")
        if width_bytes * 8 > self.paper.dots:
            raise AssertionError(f"an image {width_bytes * 8} dots wide on {self.paper.dots}")
        bits = Image.frombytes("1", (width_bytes * 8, height), data)
        # ESC/POS: a set bit is a burnt (black) dot; Pillow's "1": a set bit is white.
        image = Image.eval(bits.convert("L"), lambda value: 255 - value)
        self.printed.rasters.append(image)
        row = Image.new("L", (self.paper.dots, height), 255)
        row.paste(image, (0, 0))
        self.rows.append(row)

    def finish(self) -> Printed:
        if self.line:
            raise AssertionError("text after the last line feed is never printed")
        height = sum(row.height for row in self.rows) or 1
        image = Image.new("L", (self.paper.dots, height), 255)
        top = 0
        for row in self.rows:
            image.paste(row, (0, top))
            top += row.height
        self.printed.image = image
        return self.printed


def print_out(data: bytes, paper: Paper) -> Printed:
    """Interpret ``data`` as a printer of ``paper``'s width would."""
    out = _Paper(paper)
    at = 0
    while at < len(data):
        byte = data[at]
        if byte == LF:
            out.newline()
            at += 1
        elif 0x20 <= byte <= 0x7E:
            out.line.append(byte)
            at += 1
        elif byte == ESC:
            command, argument = data[at + 1], data[at + 2] if at + 2 < len(data) else None
            if command == ord("@"):
                out.reset()
                at += 2
                continue
            if argument is None:
                raise UnknownCommand(f"ESC {command:#x} cut short at byte {at}")
            if command == ord("R") and argument == 0:
                pass
            elif command == ord("a") and argument in (0, 1, 2):
                out.align = argument
            elif command == ord("E") and argument in (0, 1):
                out.bold = bool(argument)
            elif command == ord("d"):
                out.feed(argument)
            else:
                raise UnknownCommand(f"ESC {command:#x} {argument} at byte {at}")
            at += 3
        elif byte == GS and data[at + 1 : at + 3] == b"v0":
            mode = data[at + 3]
            width_bytes = int.from_bytes(data[at + 4 : at + 6], "little")
            height = int.from_bytes(data[at + 6 : at + 8], "little")
            end = at + 8 + width_bytes * height
            out.raster(mode, width_bytes, height, data[at + 8 : end])
            at = end
        elif byte == GS and data[at + 1] == ord("V") and data[at + 2] in (0, 1):
            out.printed.cut = True
            at += 3
        else:
            raise UnknownCommand(f"byte {byte:#x} at {at}")
    return out.finish()


def snapshot_path(paper_mm: int) -> Path:
    return SNAPSHOTS / f"slip-{paper_mm}mm.png"


def write_snapshots() -> list[Path]:
    from tests.test_slip import rendered_snapshot

    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for paper_mm in (58, 80):
        path = snapshot_path(paper_mm)
        rendered_snapshot(paper_mm).save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_snapshots():
        print(path)
