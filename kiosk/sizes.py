"""Sizes on disk: what a database takes, and how people read it (binary units)."""

from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import Lang, format_decimal


def format_size(size: int, lang: Lang) -> str:
    """``512 B``, ``28,0 KiB`` / ``28.0 KiB``: for operators and staff, one decimal past bytes."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return (
                f"{value:.0f} {unit}" if unit == "B" else f"{format_decimal(value, 1, lang)} {unit}"
            )
        value /= 1024
    return f"{format_decimal(value, 1, lang)} TiB"


@dataclass(frozen=True)
class Size:
    """A size as a message's parameter, written in the message's language."""

    bytes: int

    def text(self, lang: Lang) -> str:
        return format_size(self.bytes, lang)


def sqlite_files(database: Path) -> tuple[Path, Path, Path]:
    """A WAL database on disk: the file, its write-ahead log and its shared-memory index."""
    return (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    )


def sqlite_size(database: Path) -> int:
    """Bytes the database holds on disk, its WAL included (the -shm index is scratch)."""
    return sum(file.stat().st_size for file in sqlite_files(database)[:2] if file.exists())
