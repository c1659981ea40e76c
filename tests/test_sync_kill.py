"""A sync killed with SIGKILL mid-way never leaves a cache that lies about itself.

The kills land at points the sync child reports, not after a random sleep: the
child is the real ``kiosk sync`` with a trace of the SQL it runs on the cache;
at the chosen statement it says so and stops itself (SIGSTOP). Frozen there, the
test sees whether it holds SQLite's write lock (a transaction is open) and what
the cache has committed, then kills it. So each kill lands where the plan says
on any machine, however loaded, and the test proves what it claims.
"""

import fcntl
import os
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devtools.demo import build_demo
from kiosk.feed.bundle import BundleKind
from kiosk.feed.names import bundle_name
from tests.sites import Contents, Site, changed, expected_contents

MEMBERS = 5000
KILLS = 20

SNAPSHOT = bundle_name(BundleKind.SNAPSHOT, 1)
RESET = ("reset", 0)
"""Not a kill: start again from no cache at all."""

# (the statement's first words, which of them in this run), each from where the one before
# left the cache. Sequence 1 is a snapshot of 5,000 members; 2 and 3 are deltas that
# store 699 and 1,499 members and remove one each. Where a run stops is spelled out in
# the comments; what the cache holds after the kill is checked, not assumed.
PLAN: tuple[tuple[str, int], ...] = (
    ("CREATE TABLE members", 1),  # building the new cache beside its place: no cache yet
    ("INSERT INTO members", 1),  # the snapshot's first member
    ("INSERT INTO members", 2500),  # half-way through the snapshot
    ("DROP TABLE members", 1),  # swapping the snapshot's table in
    ("INSERT INTO feed_cursor", 1),  # the snapshot's cursor, its last write before COMMIT
    ("PRAGMA wal_checkpoint", 1),  # committed, still in the WAL: sequence 1
    ("INSERT INTO members", 350),  # half-way through delta 2
    ("DELETE FROM members", 1),  # delta 2's removal
    ("PRAGMA wal_checkpoint", 1),  # delta 2 committed: sequence 2
    ("INSERT INTO members", 750),  # half-way through delta 3
    ("INSERT INTO feed_cursor", 1),  # delta 3's cursor
    ("PRAGMA wal_checkpoint", 1),  # delta 3 committed: sequence 3
    RESET,
    (f"spool {SNAPSHOT}", 1),  # the snapshot's download has begun: no cache yet
    ("INSERT INTO members", 5350),  # the snapshot committed, half-way through delta 2
    ("INSERT INTO members", 1000),  # delta 2 committed, half-way through delta 3
    ("PRAGMA wal_checkpoint", 1),  # sequence 3
    RESET,
    ("INSERT INTO members", 6500),  # two bundles committed, half-way through delta 3
    ("DELETE FROM members", 1),  # delta 3's removal
    ("PRAGMA wal_checkpoint", 1),  # sequence 3
    RESET,
    ("PRAGMA wal_checkpoint", 2),  # delta 2 committed in the run that applied the snapshot
    ("INSERT INTO members", 1499),  # delta 3's last member
    ("INSERT INTO feed_cursor", 1),  # delta 3's cursor
)

CHILD = """
import atexit, os, signal, sqlite3, sys, urllib.parse

config, cache, pattern, nth, report = sys.argv[1:]
pattern, nth, report = pattern.upper(), int(nth), int(report)
seen = 0
connect = sqlite3.connect
if nth == 0:  # no stop: say at the end how many statements matched
    atexit.register(lambda: os.write(report, f"{seen}\\n".encode()))


def traced(database, *args, **kwargs):
    connection = connect(database, *args, **kwargs)
    if cache in urllib.parse.unquote(str(database)):  # the cache, or the one being built

        def trace(sql):
            global seen
            if sql.upper().startswith(pattern):
                seen += 1
                if seen == nth:
                    os.write(report, sql[:60].encode() + b"\\n")
                    os.kill(os.getpid(), signal.SIGSTOP)

        connection.set_trace_callback(trace)
    return connection


sqlite3.connect = traced
from kiosk.cache import store
from kiosk.cli import main

store.PART_BYTES = 64 * 1024  # parts of a few dozen records: the test's snapshot is small

sys.exit(main(["sync", "--config", config]))
"""
"""``kiosk sync`` with a trace on the cache's connections; nothing else of it is changed."""
LOADED = "SELECT frames, (SELECT count(*) FROM members_next) FROM snapshot_load"
"""How far a snapshot's load in parts has committed: its frames and records."""


@dataclass(frozen=True)
class Kill:
    point: tuple[str, int]
    writing: bool
    """The child held SQLite's write lock on the cache: a write transaction was open."""
    unmerged: bool
    """The WAL held committed pages not yet checkpointed into the file."""
    committed: int | None
    """The sequence the cache had committed when the child was killed."""


def test_sigkill_mid_sync_leaves_the_previous_state_and_the_next_sync_finishes(
    tmp_path: Path,
) -> None:
    site = Site(tmp_path / "site")
    build_demo(site.root, MEMBERS, datetime.now(UTC), sync=False)
    rows = site.rows()
    states = {1: expected_contents(rows)}
    for sequence, count in ((2, 700), (3, 1500)):
        rows = changed(rows, count)
        del rows[sequence]
        assert site.publish(rows).sequence == sequence
        states[sequence] = expected_contents(rows)

    kills: list[Kill] = []
    seen: set[int | None] = set()
    for point in PLAN:
        if point == RESET:
            assert check_consistent(site, states) == 3
            start_afresh(site)
            continue
        pattern, _ = point
        if pattern.startswith("spool "):
            kill_when_written(site, site.kiosk / "feed-work" / "bundles" / pattern.split()[1])
            seen.add(check_consistent(site, states))
            continue
        kill = kill_at(site, point)
        kills.append(kill)
        after = check_consistent(site, states)
        assert after == kill.committed, f"{kill}: the cache came back at {after}"
        seen.add(after)

    assert len(kills) >= KILLS
    writing = [kill.point for kill in kills if kill.writing]
    assert len(writing) >= KILLS // 2, f"too few kills inside a write transaction: {writing}"
    assert any(kill.unmerged for kill in kills), "no kill between a commit and its checkpoint"
    assert seen == {None, 1, 2, 3}, f"the kills did not leave every state: {seen}"
    code, _, err = site.sync()
    assert code == 0, err
    assert check_consistent(site, states) == 3


def test_a_first_load_killed_at_90_percent_resumes_there(tmp_path: Path) -> None:
    """A power cut late in a first load: the kiosk serves nothing yet, then stores the rest."""
    site = Site(tmp_path / "site")
    build_demo(site.root, MEMBERS, datetime.now(UTC), sync=False)
    kill = kill_at(site, ("INSERT INTO members_next", MEMBERS * 9 // 10))
    assert kill.writing
    assert kill.committed is None
    frames, loaded = read_committed(site.cache_path, LOADED)
    assert frames > 0
    assert MEMBERS // 2 < loaded < MEMBERS
    stored = count_statements(site, "INSERT INTO members_next")
    assert stored == MEMBERS - loaded, "the parts committed before the kill are not stored again"
    assert check_consistent(site, {1: expected_contents(site.rows())}) == 1
    assert read_committed(site.cache_path, "SELECT count(*) FROM snapshot_load") == (0,)


def count_statements(site: Site, pattern: str) -> int:
    """Run a sync to its end; how many statements on the cache began with ``pattern``."""
    process, report = traced_sync(site, pattern, 0)
    try:
        count = read_line(report, 120)
    finally:
        os.close(report)
    assert process.wait(60) == 0
    return int(count)


def traced_sync(site: Site, pattern: str, nth: int) -> tuple[subprocess.Popen[bytes], int]:
    """The :data:`CHILD` sync started, and the end of the pipe it reports on."""
    report, child_end = os.pipe()
    argv = [str(site.config), str(site.cache_path), pattern, str(nth), str(child_end)]
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(child_end,),
    )
    os.close(child_end)
    return process, report


def read_committed(cache: Path, query: str) -> tuple[int, ...]:
    """One row of what a reader sees in the cache now."""
    uri = f"file:{urllib.parse.quote(str(cache))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        row = connection.execute(query).fetchone()
    finally:
        connection.close()
    return tuple(row)


def start_afresh(site: Site) -> None:
    for path in site.kiosk.glob(site.cache_path.name + "*"):
        path.unlink()
    shutil.rmtree(site.kiosk / "feed-work")


def kill_at(site: Site, point: tuple[str, int]) -> Kill:
    """Run a sync until it reaches ``point``, look at it there, frozen, then SIGKILL it."""
    pattern, nth = point
    process, report = traced_sync(site, pattern, nth)
    try:
        reached = read_line(report, 120)
        assert reached, f"the sync finished (exit {process.wait(60)}) and never reached {point}"
        assert reached.upper().startswith(pattern.upper())
        status = os.waitid(os.P_PID, process.pid, os.WSTOPPED | os.WEXITED | os.WNOWAIT)
        assert status is not None
        assert status.si_code == os.CLD_STOPPED, status
        # Frozen at the statement: nothing below can change until the kill.
        writing = any(
            write_lock_holder(site.cache_path.with_name(name + "-shm")) == process.pid
            for name in (site.cache_path.name, site.cache_path.name + ".new")
        )
        wal = site.cache_path.with_name(site.cache_path.name + "-wal")
        unmerged = not writing and wal.exists() and wal.stat().st_size > 0
        committed = committed_sequence(site.cache_path)
    finally:
        process.send_signal(signal.SIGKILL)
        code = process.wait(60)
        os.close(report)
    assert code == -signal.SIGKILL
    return Kill(point, writing, unmerged, committed)


def kill_when_written(site: Site, marker: Path) -> None:
    """Run a plain ``kiosk sync`` and kill it as soon as ``marker`` appears (not frozen)."""
    assert not marker.exists(), marker
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync", "--config", str(site.config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not marker.exists():
            assert process.poll() is None, f"the sync ended (exit {process.returncode}) before"
            select.select([], [], [], 0.001)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(60)


def read_line(fd: int, seconds: float) -> str:
    """One line from the child, or "" when it closed its end without one."""
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], seconds)
        assert ready, f"nothing from the sync child in {seconds} s"
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode()


def write_lock_holder(shm: Path) -> int | None:
    """The process holding SQLite's WAL write lock, if another does: ``fcntl(F_GETLK)`` on byte
    120 of the ``-shm`` file (``WALINDEX_LOCK_OFFSET`` + ``WAL_WRITE_LOCK`` in SQLite's wal.c).

    ``struct flock`` as Linux lays it out on 64-bit machines.
    """
    if not shm.exists():
        return None
    layout = "hhqqi4x"
    fd = os.open(shm, os.O_RDONLY)
    try:
        query = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 120, 1, 0)
        kind, _, _, _, pid = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK, query))
    finally:
        os.close(fd)
    return None if kind == fcntl.F_UNLCK else int(pid)


def committed_sequence(cache: Path) -> int | None:
    """What a reader sees in the cache now: the cursor of the last committed transaction."""
    if not cache.exists():
        return None
    row = read_committed(cache, "SELECT max(sequence) FROM feed_cursor")
    return None if row[0] is None else int(row[0])


def check_consistent(site: Site, states: dict[int, Contents]) -> int | None:
    """The cache opens, and its contents are exactly the feed state its cursor names."""
    if not site.cache_path.exists():
        return None
    with site.open_cache() as cache:
        cursor = cache.cursor()
    contents = site.contents()
    if cursor is None:
        assert contents == {}
        return None
    assert contents == states[cursor.sequence]
    return cursor.sequence
