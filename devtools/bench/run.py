"""One benchmark run, phase after phase, in the order the figures depend on each other.

The kiosk syncs the snapshot, then the delta, from the feed served on
loopback; each baseline stores the same two bundles; then every store looks
up the same sampled members, and the UI is timed last, on the cache just synced.
"""

from pathlib import Path

from central.publish import publish
from central.repository import init_feed
from devtools.bench.baselines import PLAIN, SQLCIPHER, baselines
from devtools.bench.children import own_peak_rss, startup_seconds, timed, warm
from devtools.bench.feed import choose_changes, newest_bundle, rewrite_members, serving
from devtools.bench.figures import BenchFigures, Column, Latency
from devtools.bench.lookups import baseline_lookups, kiosk_cache, kiosk_lookups
from devtools.bench.options import BenchLayout, BenchOptions, Say
from devtools.bench.sync import (
    apply_delta,
    background_sync,
    kiosk_members,
    kiosk_sync,
    load,
    read_only,
)
from devtools.bench.ui import ui_figures
from devtools.demo import DEMO_SEED, install_kiosk, write_members
from devtools.synthetic import synthetic_rows
from kiosk.config import load_config
from kiosk.errors import InvalidInputError
from kiosk.feed.bundle import BundleKind
from kiosk.i18n import msg
from kiosk.keys import read_key_file
from kiosk.sizes import sqlite_size


def run_bench(layout: BenchLayout, options: BenchOptions, say: Say) -> BenchFigures:
    """Build the feed and the kiosk in ``layout.root`` (new or empty), then measure."""
    prepare(layout.root, options)
    now, today = options.now, options.now.date()
    feed = layout.feed

    say(f"writing {options.members:,} synthetic members to {layout.members_file}")
    generate_seconds = timed(
        lambda: write_members(
            layout.members_file, synthetic_rows(options.members, seed=DEMO_SEED, today=today)
        )
    )
    init_feed(feed.root, now)
    say("publishing the snapshot (a signed card per member: the slow part of building)")
    publish_seconds = timed(lambda: publish(feed.root, layout.members_file, now=now))
    snapshot = newest_bundle(feed, BundleKind.SNAPSHOT)
    fleet_key = read_key_file(feed.fleet_key).secret
    stores = baselines(layout)

    with serving(feed) as url:
        install_kiosk(layout.kiosk, feed, url)
        say(f"kiosk sync: the full snapshot from {url}")
        full = kiosk_sync(layout)
        kiosk_count = kiosk_members(layout)
        say("reading the snapshot's frames without storing them")
        read_seconds = timed(lambda: read_only(snapshot, fleet_key))
        loaded: dict[str, tuple[float, int]] = {}
        for store in stores:
            say(f"{store.label}: inserting the snapshot's rows")
            loaded[store.label] = load(store, snapshot, fleet_key)

        changes = choose_changes(options)
        say(
            f"changing {options.changes:,} members ({len(changes.edited):,} edited, "
            f"{len(changes.deleted):,} deleted) and publishing the delta"
        )
        sample = rewrite_members(layout, changes, options)
        delta_publish_seconds = timed(lambda: publish(feed.root, layout.members_file, now=now))
        delta = newest_bundle(feed, BundleKind.DELTA)
        say("timing a child's start-up alone")
        startup = startup_seconds(layout.bytecode)
        say("the delta, as the running kiosk's background sync takes it")
        cache_path = load_config(layout.config).cache_path
        warm(cache_path)
        incremental = background_sync(layout)
    kiosk_after = kiosk_members(layout)
    kiosk_size = sqlite_size(cache_path)
    applied: dict[str, tuple[float, int]] = {}
    for store in stores:
        say(f"{store.label}: applying the delta")
        warm(store.path)
        applied[store.label] = apply_delta(store, delta, fleet_key)

    say(f"looking up {len(sample):,} members in each store, each warmed first")
    warm(cache_path)
    with kiosk_cache(layout) as cache:
        kiosk_lookup = kiosk_lookups(cache, sample, today)
    keys = [nik.encode() for nik in sample]
    looked_up: dict[str, Latency] = {}
    for store in stores:
        warm(store.path)
        looked_up[store.label] = baseline_lookups(store, keys)
    columns = {
        store.label: Column(
            full_seconds=loaded[store.label][0],
            members=loaded[store.label][1],
            incremental_seconds=applied[store.label][0],
            members_after=applied[store.label][1],
            lookup=looked_up[store.label],
            size_bytes=sqlite_size(store.path),
        )
        for store in stores
    }
    cipher = next((store for store in stores if store.label == SQLCIPHER), None)
    ui = ui_figures(layout, options.ui_runs, say)
    return BenchFigures(
        directory=str(layout.root),
        members=options.members,
        edited=len(changes.edited),
        deleted=len(changes.deleted),
        lookups=len(sample),
        generate_seconds=generate_seconds,
        publish_seconds=publish_seconds,
        delta_publish_seconds=delta_publish_seconds,
        snapshot_bytes=snapshot.stat().st_size,
        delta_bytes=delta.stat().st_size,
        read_seconds=read_seconds,
        startup_seconds=startup,
        sync_peak_rss=full.peak_rss,
        incremental_peak_rss=incremental.peak_rss,
        bench_peak_rss=own_peak_rss(),
        kiosk=Column(
            full_seconds=full.seconds,
            members=kiosk_count,
            incremental_seconds=incremental.seconds,
            members_after=kiosk_after,
            lookup=kiosk_lookup,
            size_bytes=kiosk_size,
        ),
        plain=columns[PLAIN],
        sqlcipher=columns.get(SQLCIPHER),
        sqlcipher_version=None if cipher is None else cipher.cipher_version(),
        ui=ui,
    )


def prepare(root: Path, options: BenchOptions) -> None:
    """Refuse counts the bench cannot run or a directory in use; create it if need be."""
    if (
        not (options.members >= 1 and 1 <= options.changes <= options.members)
        or options.lookups < 1
    ):
        raise InvalidInputError(msg("bench.counts"))
    if root.exists() and any(root.iterdir()):
        raise InvalidInputError(msg("bench.not_empty", path=root))
    root.mkdir(parents=True, exist_ok=True)
