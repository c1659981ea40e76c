"""The cache and its records, the disk under it, and the state file: read, never written."""

import secrets
import shutil
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk.cache import Cache, FeedCursor
from kiosk.cache.sealing import INDEX_BYTES, RecordSealer
from kiosk.config import Config
from kiosk.doctor.findings import Finding, ok, problem, warning
from kiosk.doctor.fixes import CACHE
from kiosk.errors import CacheCorruptError, KioskError
from kiosk.i18n import msg
from kiosk.keys import MasterKey
from kiosk.sizes import Size, sqlite_size

SAMPLE = 100
"""Records opened from each end of the cache and at random places: a quick check."""
DISK_RESERVE = 100 * 1024 * 1024
"""Free bytes below which the disk is low whatever the cache's size."""


@dataclass(frozen=True)
class CacheFacts:
    """What the cache said when it opened; its cursor dates the data and the last sync."""

    records: int
    cursor: FeedCursor | None


def check_cache(config: Config, key: MasterKey) -> tuple[Finding, CacheFacts | None]:
    """The cache as the service opens it, with this key."""
    path = config.cache_path
    try:
        with Cache.open(path, key) as cache:
            facts = CacheFacts(cache.count(), cache.cursor())
            key_id = cache.key_id
    except KioskError as error:
        return problem("cache", error.message, CACHE.of(error.message, path=path)), None
    what = msg("doctor.cache.ok", path=path, key_id=key_id, records=f"{facts.records:,}")
    return ok("cache", what), facts


def check_integrity(path: Path, key: MasterKey) -> Finding:
    """SQLite's quick_check, then a sample of records opened with the key.

    A sample, not every record: a full pass over a million members takes a
    while, and is the maintenance screen's job.
    """
    fix = msg("doctor.fix.cache_rebuild", path=path)
    sealer = RecordSealer(key.subkeys())
    try:
        with _read_only(path) as db:
            verdict = _quick_check(db)
            if verdict != ["ok"]:
                what = msg("doctor.integrity.damaged_file", path=path, detail=verdict[0])
                return problem("integrity", what, fix)
            rows = _sample(db)
    except sqlite3.DatabaseError as error:
        return problem(
            "integrity", msg("doctor.integrity.unreadable", path=path, reason=error), fix
        )
    bad = 0
    for index, sealed in rows.items():
        try:
            sealer.open_plain(index, sealed)
        except CacheCorruptError:
            bad += 1
    if bad:
        what = msg("doctor.integrity.bad_records", path=path, bad=bad, sampled=len(rows))
        return problem("integrity", what, fix)
    return ok("integrity", msg("doctor.integrity.ok", sampled=len(rows)))


def _free_space(directory: Path) -> int:
    return shutil.disk_usage(directory).free


def check_disk(cache_path: Path, free_space: Callable[[Path], int] = _free_space) -> Finding:
    """A snapshot sync builds a second members table beside the first: room for a copy is needed."""
    directory = next(parent for parent in cache_path.parents if parent.exists())
    fix = msg("doctor.fix.disk")
    try:
        size = sqlite_size(cache_path)
        free = free_space(directory)
    except OSError as error:
        what = msg("doctor.disk.unknown", directory=directory, reason=error.strerror)
        return warning("disk", what, fix)
    params = {"directory": directory, "free": Size(free), "size": Size(size)}
    if free < size:
        return problem("disk", msg("doctor.disk.full", **params), fix)
    if free < max(2 * size, DISK_RESERVE):
        return warning("disk", msg("doctor.disk.low", **params), fix)
    return ok("disk", msg("doctor.disk.ok", **params))


def check_state(path: Path) -> Finding:
    """The audit log and staff settings: read only, so a missing file is not created here."""
    if not path.exists():
        return ok("state", msg("doctor.state.absent", path=path))
    fix = msg("doctor.fix.state", path=path)
    try:
        with _read_only(path) as db:
            verdict = _quick_check(db)
    except sqlite3.DatabaseError as error:
        return problem("state", msg("state.unavailable", path=path, reason=error), fix)
    if verdict != ["ok"]:
        return problem("state", msg("state.corrupt", path=path), fix)
    return ok("state", msg("doctor.state.ok", path=path))


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """SQLite's read-only mode, so that the doctor never creates, converts or writes a file.

    Not :func:`kiosk.sqlite.open_database`: it switches the file to WAL, which a
    read-only connection cannot do to a file not yet in WAL (an empty state file).
    """
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        yield db


def _quick_check(db: sqlite3.Connection) -> list[str]:
    return [str(row[0]) for row in db.execute("PRAGMA quick_check")]


def _sample(db: sqlite3.Connection) -> dict[bytes, bytes]:
    """The first and last records by row key, and some at random row keys."""
    query = "SELECT bidx, record FROM members {} LIMIT ?"
    rows = dict(db.execute(query.format("ORDER BY bidx"), [SAMPLE]))
    rows.update(db.execute(query.format("ORDER BY bidx DESC"), [SAMPLE]))
    for _ in range(SAMPLE):
        place = secrets.token_bytes(INDEX_BYTES)
        rows.update(db.execute(query.format("WHERE bidx >= ? ORDER BY bidx"), [place, 1]))
    return rows
