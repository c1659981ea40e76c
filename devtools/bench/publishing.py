"""``kiosk bench --publish-only``: the publisher, from PostgreSQL and from a file, in one run.

Each publish is the real ``kiosk central publish`` in a child process timed by
:mod:`devtools.bench.meter`, so its wall time and peak RSS are its own; every
child runs at the bench's "now" (:mod:`devtools.clocked`). The snapshot from
PostgreSQL is taken twice from feeds copied before either published (the same
keys): by one process, the baseline, and by all cores; their bundles must hold
the same entries, or the bench stops. Then the day's changes go into the file
and the database alike, and a delta is published from each: from PostgreSQL on
the all-cores feed, from the file on a copy of it; both deltas must name the
same persons with the same records. PostgreSQL runs without durability
(:data:`devtools.postgres_server.FAST_SETTINGS`): this measures the publisher.

Layout of the benchmark directory (see :class:`PublishLayout`)::

    members.csv     the synthetic members, then with the changes
    changes.csv     the changed rows only (deleted persons as tombstones), for the database
    feed-single/    snapshot by one process
    feed-cores/     snapshot by all cores, then the delta from PostgreSQL
    feed-csv/       a copy of feed-cores after its snapshot, then the delta from the file
    postgres/       the throwaway cluster (under root: a directory in /tmp instead)
"""

import hashlib
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from central.person_work import processes
from central.repository import FeedLayout, init_feed
from devtools.bench.children import Child, own_peak_rss, run_child, timed
from devtools.bench.feed import (
    Changes,
    by_person,
    choose_changes,
    edited_row,
    newest_bundle,
    rewrite_members,
)
from devtools.bench.figures import PublishFigures
from devtools.bench.options import BenchLayout, BenchOptions, Say
from devtools.bench.run import prepare
from devtools.clocked import clocked
from devtools.demo import DEMO_SEED, read_members, write_members
from devtools.postgres_server import FAST_SETTINGS, postgres_bin, running_server
from devtools.synthetic import synthetic_rows
from kiosk.errors import KioskError
from kiosk.feed.bundle import BundleKind, BundleReader, Entry
from kiosk.i18n import msg
from kiosk.keys import read_key_file

SINGLE_PROCESS = 1
"""``--workers`` of the baseline snapshot: one process, no pool."""
ALL_CORES = None
"""``--workers`` left out: the publisher uses every core."""


@dataclass(frozen=True)
class PublishLayout(BenchLayout):
    """The members files and the three feeds of a publish benchmark."""

    @property
    def changes_file(self) -> Path:
        return self.root / "changes.csv"

    @property
    def single(self) -> FeedLayout:
        return FeedLayout(self.root / "feed-single")

    @property
    def cores(self) -> FeedLayout:
        return FeedLayout(self.root / "feed-cores")

    @property
    def from_file(self) -> FeedLayout:
        return FeedLayout(self.root / "feed-csv")


def run_publish_bench(layout: PublishLayout, options: BenchOptions, say: Say) -> PublishFigures:
    """Build the members, the database and the feeds in ``layout.root`` (new or empty), then
    measure each publish."""
    binaries = postgres_bin()
    if binaries is None:
        raise KioskError(msg("bench.no_postgres"))
    prepare(layout.root, options)
    now = options.now
    say(f"writing {options.members:,} synthetic members to {layout.members_file}")
    generate_seconds = timed(
        lambda: write_members(
            layout.members_file,
            synthetic_rows(options.members, seed=DEMO_SEED, today=now.date()),
        )
    )
    with running_server(binaries, layout.root) as server:
        url = server.passfile_url(server.new_database())
        say(f"PostgreSQL in {server.root} ({FAST_SETTINGS}): importing {layout.members_file}")
        imported = _import(layout, now, layout.members_file, url)
        init_feed(layout.single.root, now)
        shutil.copytree(layout.single.root, layout.cores.root, symlinks=True)
        say("snapshot from PostgreSQL by one process (the baseline)")
        single = _publish(layout, layout.single, now, ["--from", url], SINGLE_PROCESS)
        say("snapshot from PostgreSQL by all cores")
        cores = _publish(layout, layout.cores, now, ["--from", url], ALL_CORES)
        say("checking that both snapshots hold the same entries")
        snapshot_entries = same_entries(
            newest_bundle(layout.single, BundleKind.SNAPSHOT),
            newest_bundle(layout.cores, BundleKind.SNAPSHOT),
            read_key_file(layout.cores.fleet_key).secret,
        )
        shutil.copytree(layout.cores.root, layout.from_file.root, symlinks=True)
        changes = choose_changes(options)
        say(
            f"changing {options.changes:,} members ({len(changes.edited):,} edited, "
            f"{len(changes.deleted):,} deleted) in the file and the database"
        )
        write_members(
            layout.changes_file, changed_rows(read_members(layout.members_file), changes, now)
        )
        rewrite_members(layout, changes, options)
        changes_import = _import(layout, now, layout.changes_file, url)
        say("delta from PostgreSQL by all cores")
        database_delta = _publish(layout, layout.cores, now, ["--from", url], ALL_CORES)
    say("delta from the file by all cores")
    file_delta = _publish(
        layout, layout.from_file, now, ["--members", str(layout.members_file)], ALL_CORES
    )
    say("checking that both deltas hold the same records")
    delta_entries = same_entries(
        newest_bundle(layout.cores, BundleKind.DELTA),
        newest_bundle(layout.from_file, BundleKind.DELTA),
        read_key_file(layout.cores.fleet_key).secret,
    )
    return PublishFigures(
        directory=str(layout.root),
        members=options.members,
        edited=len(changes.edited),
        deleted=len(changes.deleted),
        cores=processes(ALL_CORES),
        database_settings=FAST_SETTINGS,
        generate_seconds=generate_seconds,
        import_all=imported,
        import_changes=changes_import,
        snapshot_single=single,
        snapshot_cores=cores,
        snapshot_entries=snapshot_entries,
        delta_database=database_delta,
        delta_file=file_delta,
        delta_entries=delta_entries,
        bench_peak_rss=own_peak_rss(),
    )


def publish_argv(feed: FeedLayout, source: Sequence[str], workers: int | None) -> list[str]:
    """``kiosk central publish``'s arguments; ``--workers`` only when it is set."""
    argv = ["central", "publish", "--dir", str(feed.root), *source]
    return argv if workers is None else [*argv, "--workers", str(workers)]


def _publish(
    layout: PublishLayout,
    feed: FeedLayout,
    now: datetime,
    source: Sequence[str],
    workers: int | None,
) -> Child:
    return run_child(clocked(now, publish_argv(feed, source, workers)), layout.bytecode)


def _import(layout: PublishLayout, now: datetime, members: Path, url: str) -> Child:
    argv = ["central", "import", "--members", str(members), "--into", url]
    return run_child(clocked(now, argv), layout.bytecode)


def changed_rows(
    rows: Iterable[dict[str, str]], changes: Changes, now: datetime
) -> Iterator[dict[str, str]]:
    """The rows :func:`devtools.bench.feed.rewrite_members` changes, for the database: each
    edited row as it edits it, each row of a deleted person as a tombstone."""
    stamp = now.isoformat(timespec="seconds")
    for position, first, row in by_person(rows):
        if position in changes.deleted:
            yield dict(row, deleted="true", updated_at=stamp)
        elif first and position in changes.edited:
            yield edited_row(row, changes.edited[position], now)


def same_entries(first: Path, second: Path, fleet_key: bytes) -> int:
    """Both bundles' entries, in any order, must be the same; returns how many there are.

    Each entry is compared by its digest: a million take about 130 MB, not the gigabyte
    of the bundles themselves.
    """
    ours, theirs = _digests(first, fleet_key), _digests(second, fleet_key)
    if ours != theirs:
        differing = len(set(ours).symmetric_difference(theirs))
        raise KioskError(msg("bench.bundles_differ", first=first, second=second, count=differing))
    return len(ours)


def _digests(bundle: Path, fleet_key: bytes) -> list[bytes]:
    found = []
    with bundle.open("rb") as stream:
        for frame in BundleReader(stream, fleet_key).frames():
            for entry in frame:
                found.append(_digest(entry))
    found.sort()
    return found


def _digest(entry: Entry) -> bytes:
    hashed = hashlib.blake2b(digest_size=16)
    for part in entry:
        hashed.update(len(part).to_bytes(4, "big"))
        hashed.update(part)
    return hashed.digest()
