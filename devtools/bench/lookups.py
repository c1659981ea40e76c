"""The lookup measures: what a member waits for at the kiosk, and a bare SELECT beside it.

The kiosk's figure is the whole of a lookup (find the sealed record by its
blind index, open it, evaluate it); a baseline's is one primary-key SELECT.
"""

from collections.abc import Sequence
from datetime import date
from time import perf_counter_ns

from devtools.bench.baselines import Baseline
from devtools.bench.figures import Latency
from devtools.bench.options import BenchLayout
from kiosk.cache import Cache
from kiosk.config import load_config
from kiosk.keys import load_master_key
from kiosk.standing import evaluate

_SELECT = "SELECT record FROM members WHERE nik = ?"


def kiosk_cache(layout: BenchLayout) -> Cache:
    """The kiosk's cache opened with its own key, as ``kiosk lookup`` would."""
    config = load_config(layout.config)
    master = load_master_key(config, {})
    return Cache.open(config.cache_path, master)


def kiosk_lookups(cache: Cache, niks: Sequence[str], today: date) -> Latency:
    """What the member waits for: find, open and evaluate one record."""
    times: list[int] = []
    found = 0
    for nik in niks:
        start = perf_counter_ns()
        member = cache.get(nik)
        if member is not None:
            evaluate(member, today)
            found += 1
        times.append(perf_counter_ns() - start)
    return Latency.of(times, found)


def baseline_lookups(store: Baseline, keys: Sequence[bytes]) -> Latency:
    db = store.connected()
    try:
        times: list[int] = []
        found = 0
        for key in keys:
            start = perf_counter_ns()
            row = db.execute(_SELECT, (key,)).fetchone()
            times.append(perf_counter_ns() - start)
            found += row is not None
        return Latency.of(times, found)
    finally:
        db.close()
