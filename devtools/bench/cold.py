"""``python -m devtools.bench.cold``: lookups on a store whose pages were dropped first.

A kiosk just started, or one whose cache the system pushed out of memory, reads
each lookup's pages from the disk. This child measures that: before each batch
of :data:`BATCH` lookups it closes the store, asks the kernel to drop the
store's file and WAL from the page cache (``posix_fadvise(POSIX_FADV_DONTNEED)``)
and opens it again, so neither the kernel nor SQLite's own cache holds a page.
DONTNEED drops clean pages only (a dirty page stays until it is written back;
the bench flushes with ``sync`` first) and only pages no process maps.

It runs in a process of its own, so that the page cache state is the one the
benchmark set up and the store's memory is not the benchmark's. It writes every
lookup's nanoseconds and the number found as JSON to ``--out``.
"""

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from time import perf_counter_ns

from devtools.bench.baselines import PLAIN, Baseline
from kiosk.cache import Cache
from kiosk.config import load_config
from kiosk.keys import load_master_key
from kiosk.standing import evaluate

BATCH = 100
"""Lookups between two drops: the first of each batch finds nothing in memory at all."""

_SELECT = "SELECT record FROM members WHERE nik = ?"

Lookup = Callable[[str], bool]


def drop_pages(database: Path) -> None:
    """Drop a database's file and WAL from the page cache; a missing WAL is no error."""
    for path in (database, database.with_name(f"{database.name}-wal")):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def cold_lookups(
    database: Path, opened: Callable[[], AbstractContextManager[Lookup]], niks: Sequence[str]
) -> tuple[list[int], int]:
    """Every lookup's nanoseconds, and how many found their member."""
    times: list[int] = []
    found = 0
    for start in range(0, len(niks), BATCH):
        os.sync()
        drop_pages(database)
        with opened() as lookup:
            for nik in niks[start : start + BATCH]:
                begun = perf_counter_ns()
                found += lookup(nik)
                times.append(perf_counter_ns() - begun)
    return times, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench.cold", description=__doc__)
    store = parser.add_mutually_exclusive_group(required=True)
    store.add_argument("--config", type=Path, metavar="PATH", help="the kiosk's, for its cache")
    store.add_argument("--plain", type=Path, metavar="PATH", help="a plain SQLite baseline")
    parser.add_argument("--niks", type=Path, required=True, metavar="FILE", help="one a line")
    parser.add_argument("--today", type=date.fromisoformat, required=True, metavar="DATE")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    args = parser.parse_args(argv)
    niks = args.niks.read_text(encoding="ascii").split()
    if args.config is not None:
        config = load_config(args.config)
        master = load_master_key(config, {})
        database = config.cache_path

        @contextmanager
        def opened() -> Iterator[Lookup]:
            with Cache.open(database, master) as cache:

                def lookup(nik: str) -> bool:
                    member = cache.get(nik)
                    if member is None:
                        return False
                    evaluate(member, args.today)
                    return True

                yield lookup
    else:
        database = args.plain

        @contextmanager
        def opened() -> Iterator[Lookup]:
            db = Baseline(PLAIN, sqlite3.connect, database).connected()  # the cache's pragmas
            try:
                yield lambda nik: db.execute(_SELECT, (nik.encode(),)).fetchone() is not None
            finally:
                db.close()

    times, found = cold_lookups(database, opened, niks)
    args.out.write_text(json.dumps({"times_ns": times, "found": found}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
