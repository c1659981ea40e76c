"""``kiosk bench --scale``: full and incremental sync, lookups and sizes at millions of members.

For each size: a feed built fast (:mod:`devtools.bench.fastfeed`: real bundles,
real TUF metadata, a pool of signed cards reused); the kiosk's real ``kiosk
sync`` of the snapshot over HTTP in a child (wall time, peak RSS); plain SQLite
storing the same bundle with the cache's pragmas, in the same run; warm lookups
in this process after reading each store into the page cache, cold ones in a
child that drops each store's pages first (:mod:`devtools.bench.cold`); a delta
of ``--changes`` changes and one of a tenth of the members, each as the running
kiosk's background sync takes it and as plain SQLite writes it. Then a power law
fitted to the sizes projects the full sync, the size and the incremental to 61 M
(:mod:`devtools.bench.projection`), and the time per member goes to an SVG.

Layout: ``<dir>/members-<N>/`` per size (feed/, kiosk/, plain.db, as the
bench's), removed once measured unless ``--keep``; ``<dir>/scale.svg``.
"""

import json
import random
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from central.repository import init_feed
from devtools.bench.baselines import PLAIN, Baseline
from devtools.bench.children import Child, run_child, timed, warm
from devtools.bench.fastfeed import Changes, FastFeed, choose_changes
from devtools.bench.feed import serving
from devtools.bench.figures import Fit, Latency, ScaleFigures, ScaleRow
from devtools.bench.lookups import baseline_lookups, kiosk_cache, kiosk_lookups
from devtools.bench.options import BenchLayout, Say, ScaleOptions
from devtools.bench.plot import KIOSK, Panel, Series, chart, write_chart
from devtools.bench.plot import PLAIN as PLAIN_COLOUR
from devtools.bench.projection import MEMBERS_2026, fit_power
from devtools.bench.sync import apply_delta, background_sync, kiosk_members, kiosk_sync, load
from devtools.demo import install_kiosk
from kiosk.config import load_config
from kiosk.errors import InvalidInputError
from kiosk.i18n import msg
from kiosk.keys import read_key_file
from kiosk.sizes import sqlite_size

SAMPLE_SEED = 20261203
"""Which members are looked up and which change: fixed, so that runs compare."""
TENTH = 10
"""The large delta changes one member in this many."""
SMALLEST = 100
"""Members at the smallest size: a tenth of them, a tenth of those deleted, is some."""


def run_scale(root: Path, options: ScaleOptions, say: Say) -> ScaleFigures:
    """Measure every size in ``root`` (new or empty), smallest first."""
    sizes = sorted(options.sizes)
    if (
        not sizes
        or sizes[0] < SMALLEST
        or not 1 <= options.changes <= sizes[0] // 2
        or not 1 <= options.lookups <= sizes[0]
    ):
        raise InvalidInputError(msg("bench.scale_counts", smallest=SMALLEST))
    if root.exists() and any(root.iterdir()):
        raise InvalidInputError(msg("bench.not_empty", path=root))
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for members in sizes:
        layout = BenchLayout(root / f"members-{members}")
        rows.append(measure_size(layout, members, options, say))
        if not options.keep:
            shutil.rmtree(layout.root)
    fits = projections(rows)
    plot = options.plot or root / "scale.svg"
    write_chart(plot, scale_chart(rows))
    built = sum(row.members for row in rows) / sum(row.build_seconds for row in rows)
    return ScaleFigures(str(root), rows, fits, str(plot), built)


def measure_size(layout: BenchLayout, members: int, options: ScaleOptions, say: Say) -> ScaleRow:
    now, today = options.now, options.now.date()
    layout.root.mkdir()
    say(f"{members:,} members: building the feed (a pool of signed cards, reused)")
    init_feed(layout.feed.root, now)
    feed = FastFeed(layout.feed.root, now)
    snapshot: list[Path] = []
    build_seconds = timed(lambda: snapshot.append(feed.snapshot(members)))
    fleet_key = read_key_file(layout.feed.fleet_key).secret
    plain = Baseline(PLAIN, sqlite3.connect, layout.plain)
    rng = random.Random(SAMPLE_SEED)  # noqa: S311 - a sample of made-up members
    niks = [feed.nik(index) for index in rng.sample(range(members), options.lookups)]
    with serving(layout.feed) as url:
        install_kiosk(layout.kiosk, layout.feed, url)
        cache_path = load_config(layout.config).cache_path
        say(f"{members:,} members: kiosk sync of the snapshot from {url}")
        full = kiosk_sync(layout)
        startup = kiosk_sync(layout).seconds  # nothing new: start-up, TUF refresh, cache open
        size_bytes = sqlite_size(cache_path)
        say(f"{members:,} members: plain SQLite storing the same snapshot")
        plain_full_seconds, plain_count = load(plain, snapshot[0], fleet_key)
        kiosk_count = kiosk_members(layout)
        if kiosk_count != members or plain_count != members:
            raise RuntimeError(f"stored {kiosk_count:,} and {plain_count:,} of {members:,}")
        plain_size_bytes = sqlite_size(layout.plain)

        say(f"{members:,} members: {len(niks):,} lookups in each store, warm, then cold")
        warm(cache_path)
        with kiosk_cache(layout) as cache:
            warm_kiosk = kiosk_lookups(cache, niks, today)
        warm(layout.plain)
        warm_plain = baseline_lookups(plain, [nik.encode() for nik in niks])
        cold_kiosk = cold(layout, ["--config", str(layout.config)], niks, today.isoformat())
        cold_plain = cold(layout, ["--plain", str(layout.plain)], niks, today.isoformat())

        def delta_sync(changes: Changes, version: int) -> tuple[Child, float, int]:
            """The delta published, then synced by the kiosk and by plain SQLite, each warm."""
            bundle = feed.delta(changes, version)
            warm(cache_path)
            synced = background_sync(layout)
            warm(layout.plain)
            seconds, after = apply_delta(plain, bundle, fleet_key)
            return synced, seconds, after

        changes = choose_changes(members, options.changes, SAMPLE_SEED + 1)
        say(f"{members:,} members: a delta of {changes.records:,} changes, then its sync")
        incremental, plain_incremental, _ = delta_sync(changes, 1)
        tenth = choose_changes(members, members // TENTH, SAMPLE_SEED + 2, changes.deleted)
        say(f"{members:,} members: a delta of {tenth.records:,} changes (a tenth), then its sync")
        tenth_sync, plain_tenth, plain_after = delta_sync(tenth, 2)
    return ScaleRow(
        members=members,
        build_seconds=build_seconds,
        snapshot_bytes=snapshot[0].stat().st_size,
        full=full,
        startup_seconds=startup,
        plain_full_seconds=plain_full_seconds,
        changes=changes.records,
        incremental=incremental,
        plain_incremental_seconds=plain_incremental,
        tenth_changes=tenth.records,
        tenth=tenth_sync,
        plain_tenth_seconds=plain_tenth,
        members_after=kiosk_members(layout),
        plain_members_after=plain_after,
        lookups=len(niks),
        warm=warm_kiosk,
        plain_warm=warm_plain,
        cold=cold_kiosk,
        plain_cold=cold_plain,
        size_bytes=size_bytes,
        plain_size_bytes=plain_size_bytes,
    )


def cold(layout: BenchLayout, store: list[str], niks: list[str], today: str) -> Latency:
    """The lookups in a child (:mod:`devtools.bench.cold`), each store's pages dropped first."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-cold-") as work:
        listed, out = Path(work) / "niks.txt", Path(work) / "cold.json"
        listed.write_text("\n".join(niks), encoding="ascii")
        argv = [sys.executable, "-m", "devtools.bench.cold", *store, "--today", today]
        run_child([*argv, "--niks", str(listed), "--out", str(out)], layout.bytecode)
        figures = json.loads(out.read_text(encoding="utf-8"))
    return Latency.of(figures["times_ns"], figures["found"])


def projections(rows: list[ScaleRow]) -> list[Fit]:
    """Power laws through the sizes, read at :data:`MEMBERS_2026`; none from a single size."""
    if len(rows) < 2:
        return []
    measured = {
        "plain SQLite full sync, s": [(row.members, row.plain_full_seconds) for row in rows],
        "kiosk size on disk, bytes": [(row.members, float(row.size_bytes)) for row in rows],
        "plain SQLite size on disk, bytes": [
            (row.members, float(row.plain_size_bytes)) for row in rows
        ],
        "kiosk incremental sync, s": [(row.members, row.incremental.seconds) for row in rows],
        "plain SQLite incremental, s": [
            (row.members, row.plain_incremental_seconds) for row in rows
        ],
    }
    startup = min(row.startup_seconds for row in rows)
    full = fit_power(
        "kiosk full sync, s",
        [(row.members, row.full.seconds) for row in rows],
        MEMBERS_2026,
        offset=startup if all(row.full.seconds > startup for row in rows) else 0.0,
    )
    return [full, *(fit_power(what, points, MEMBERS_2026) for what, points in measured.items())]


def scale_chart(rows: list[ScaleRow]) -> str:
    """Microseconds per member of the full sync, and per change of the incremental one."""
    changes = rows[0].changes
    x_label = "members in the cache (log scale)"
    full = Panel(
        "Full sync of the snapshot",
        x_label,
        "µs per member",
        [
            Series("kiosk: kiosk sync", [(r.members, r.us_per_member) for r in rows], KIOSK),
            Series(
                "plain SQLite, same bundle",
                [(r.members, r.plain_us_per_member) for r in rows],
                PLAIN_COLOUR,
                dashed=True,
            ),
        ],
    )
    incremental = Panel(
        f"Incremental sync of {changes:,} changes",
        x_label,
        "µs per change",
        [
            Series(
                "kiosk: background sync",
                [(r.members, r.incremental.seconds / r.changes * 1e6) for r in rows],
                KIOSK,
            ),
            Series(
                "plain SQLite, same writes",
                [(r.members, r.plain_incremental_seconds / r.changes * 1e6) for r in rows],
                PLAIN_COLOUR,
                dashed=True,
            ),
        ],
    )
    return chart(
        "Sync time per member against members: kiosk and plain SQLite", [full, incremental]
    )
