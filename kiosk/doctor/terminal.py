"""The screen the kiosk draws on, measured as its UI would see it."""

import ctypes
import fcntl
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

VIRTUAL_CONSOLE = re.compile(r"/dev/tty[0-9]+")
GIO_UNIMAP = 0x4B66
"""The Linux console's ioctl for its font's Unicode map: which characters it can draw."""
MOST_PAIRS = 0xFFFF
"""The most (character, glyph) pairs a console map holds: its count is 16 bits."""


class _UniPair(ctypes.Structure):
    _fields_ = [("unicode", ctypes.c_ushort), ("fontpos", ctypes.c_ushort)]


class _UniMapDesc(ctypes.Structure):
    _fields_ = [("entry_ct", ctypes.c_ushort), ("entries", ctypes.POINTER(_UniPair))]


@dataclass(frozen=True)
class Terminal:
    """The screen the kiosk draws on, as its UI would see it (see :func:`measure_terminal`)."""

    where: str
    """The device measured, or where its size came from."""
    size: tuple[int, int] | None
    """Columns and lines; ``None`` when they could not be measured."""
    term: str
    colorterm: str = ""
    no_color: bool = False
    unmeasured: str = ""
    """Why the size is unknown."""
    chosen: bool = False
    """Named with ``--tty``: the kiosk's screen rather than the doctor's own."""
    font: frozenset[str] | None = None
    """What a named virtual console's font can draw; ``None`` when it could not be read."""


def measure_terminal(
    environ: Mapping[str, str], tty: Path | None = None, term: str | None = None
) -> Terminal:
    """The kiosk's screen: ``tty`` if named, else the doctor's own terminal.

    The UI takes its size as ``shutil.get_terminal_size`` does, ``$COLUMNS`` and
    ``$LINES`` first; a named device is measured, its TERM taken as systemd sets
    it (``linux`` on a virtual console) unless ``term`` says otherwise, and the
    doctor's own COLORTERM and NO_COLOR say nothing about it.
    """
    if tty is not None:
        console = VIRTUAL_CONSOLE.fullmatch(str(tty)) is not None
        name = term if term is not None else "linux" if console else environ.get("TERM", "")
        size, reason, font = _measure_device(tty, console)
        return Terminal(str(tty), size, name, unmeasured=reason, chosen=True, font=font)
    where, size, reason = _own_size(environ)
    return Terminal(
        where,
        size,
        term if term is not None else environ.get("TERM", ""),
        colorterm=environ.get("COLORTERM", ""),
        no_color="NO_COLOR" in environ,
        unmeasured=reason,
    )


def _own_size(environ: Mapping[str, str]) -> tuple[str, tuple[int, int] | None, str]:
    """Where the size came from, the size, and why it is unknown if it is."""
    columns, lines = environ.get("COLUMNS", ""), environ.get("LINES", "")
    if columns.isdigit() and lines.isdigit() and int(columns) and int(lines):
        return "$COLUMNS/$LINES", (int(columns), int(lines)), ""
    for fd in (1, 2, 0):
        try:
            size, where = os.get_terminal_size(fd), os.ttyname(fd)
        except OSError:
            continue
        return where, (size.columns, size.lines), ""
    return "-", None, "not run on a terminal"


def _measure_device(
    tty: Path, console: bool
) -> tuple[tuple[int, int] | None, str, frozenset[str] | None]:
    try:
        fd = os.open(tty, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as error:
        return None, error.strerror or str(error), None
    try:
        size = os.get_terminal_size(fd)
        font = _console_font(fd) if console else None
    except OSError as error:
        return None, error.strerror or str(error), None
    finally:
        os.close(fd)
    return (size.columns, size.lines), "", font


def _console_font(fd: int) -> frozenset[str] | None:
    """The characters the console's loaded font maps to a glyph (``GIO_UNIMAP``, as
    ``showconsolefont`` reads it); ``None`` if the console will not say."""
    pairs = (_UniPair * MOST_PAIRS)()
    desc = _UniMapDesc(MOST_PAIRS, ctypes.cast(pairs, ctypes.POINTER(_UniPair)))
    try:
        fcntl.ioctl(fd, GIO_UNIMAP, desc)
    except OSError:
        return None
    return frozenset(chr(pairs[i].unicode) for i in range(desc.entry_ct))
