"""Sizes on disk: what a database takes, and how people read it (binary units)."""

from pathlib import Path


def format_size(size: int) -> str:
    """``512 B``, ``28.0 KiB``, ``2.5 MiB``: for operators and staff, one decimal past bytes."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


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
