"""The sync measures: the kiosk's own ``kiosk sync`` in a child, each baseline storing the same.

The kiosk fetches over HTTP from 127.0.0.1, verifies and seals; a baseline
reads the very same bundle and stores its rows in one transaction and its
checkpoint, timed as the kiosk's apply is. Every bundle is streamed frame by frame.
"""

import json
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from time import perf_counter

from devtools.bench.baselines import Baseline
from devtools.bench.children import Child, run_child, settle
from devtools.bench.lookups import kiosk_cache
from devtools.bench.options import BenchLayout
from kiosk.feed.bundle import BundleReader

_CREATE = "CREATE TABLE members (nik BLOB PRIMARY KEY, mother BLOB, record BLOB) WITHOUT ROWID"
_INSERT = "INSERT INTO members (nik, mother, record) VALUES (?, ?, ?)"
_UPSERT = _INSERT + (
    " ON CONFLICT (nik) DO UPDATE SET mother = excluded.mother, record = excluded.record"
)
_DELETE = "DELETE FROM members WHERE nik = ?"


def kiosk_sync(layout: BenchLayout) -> Child:
    """``python -m kiosk sync`` for the bench kiosk: whatever the feed has that it lacks."""
    config = str(layout.config)
    argv = [sys.executable, "-m", "kiosk", "sync", "--json", "--config", config]
    return run_child(argv, layout.bytecode)


def background_sync(layout: BenchLayout) -> Child:
    """One sync as the running kiosk's timer takes it (:mod:`devtools.bench.background`):
    the seconds of that call, and the peak RSS of the whole process."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as work:
        out = Path(work) / "sync.json"
        argv = [sys.executable, "-m", "devtools.bench.background", "--config", str(layout.config)]
        child = run_child([*argv, "--out", str(out)], layout.bytecode)
        seconds = float(json.loads(out.read_text(encoding="utf-8"))["seconds"])
    return Child(seconds, child.peak_rss, child.tree_rss)


def kiosk_members(layout: BenchLayout) -> int:
    """Counted here, untimed: a sync counts after a snapshot only (a count is a full scan)."""
    with kiosk_cache(layout) as cache:
        return cache.count()


def read_only(bundle: Path, fleet_key: bytes) -> None:
    """Open every frame and store nothing: the part every column's sync shares."""
    for _ in _frames(bundle, fleet_key):
        pass


def load(store: Baseline, bundle: Path, fleet_key: bytes) -> tuple[float, int]:
    """The snapshot's rows inserted as the feed orders them, in one transaction; (seconds, rows)."""

    def insert(db: sqlite3.Connection) -> None:
        for frame in _frames(bundle, fleet_key):
            db.executemany(_INSERT, frame)

    return _timed_transaction(store, insert, create=True)


def apply_delta(store: Baseline, bundle: Path, fleet_key: bytes) -> tuple[float, int]:
    """Upserts and deletes by NIK in one transaction, as the kiosk applies a delta."""

    def apply(db: sqlite3.Connection) -> None:
        for frame in _frames(bundle, fleet_key):
            db.executemany(_UPSERT, [entry for entry in frame if entry[2]])
            db.executemany(_DELETE, [(entry[0],) for entry in frame if not entry[2]])

    return _timed_transaction(store, apply, create=False)


def _timed_transaction(
    store: Baseline, write: Callable[[sqlite3.Connection], None], *, create: bool
) -> tuple[float, int]:
    """One transaction and its checkpoint, timed as the kiosk's apply is; (seconds, rows)."""
    settle()
    start = perf_counter()
    db = store.connected()
    try:
        if create:
            db.execute(_CREATE)
        db.execute("BEGIN")
        write(db)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seconds = perf_counter() - start
        return seconds, _count(db)
    finally:
        db.close()


def _count(db: sqlite3.Connection) -> int:
    count: int = db.execute("SELECT count(*) FROM members").fetchone()[0]
    return count


def _frames(bundle: Path, fleet_key: bytes) -> Iterator[list[tuple[bytes, bytes, bytes]]]:
    with bundle.open("rb") as stream:
        yield from BundleReader(stream, fleet_key).frames()
