"""What a benchmark run found: the figures the report shows and ``--json`` prints as they are."""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from devtools.bench.children import Child


def nearest_rank(ordered: Sequence[float], share: float) -> float:
    """A time some run really took, not an interpolation between two."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    """Milliseconds over a UI child's runs, nearest rank: each is a time some run took."""

    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, times_ms: Sequence[float]) -> "Spread":
        """From every run's milliseconds, in any order."""
        ordered = sorted(times_ms)
        return cls(nearest_rank(ordered, 0.50), nearest_rank(ordered, 0.95), ordered[-1])


@dataclass(frozen=True)
class Latency:
    """One lookup's wall time, in microseconds, over the sampled NIKs."""

    p50: float
    p99: float
    max: float
    found: int
    """Sampled members the store returned: all of them, or the run is wrong."""

    @classmethod
    def of(cls, times_ns: Sequence[int], found: int) -> "Latency":
        """From every lookup's nanoseconds, as ``perf_counter_ns`` gives them."""
        ordered = [ns / 1000 for ns in sorted(times_ns)]
        return cls(nearest_rank(ordered, 0.50), nearest_rank(ordered, 0.99), ordered[-1], found)


@dataclass(frozen=True)
class UiFigures:
    """The design's two UI targets, each beside a bare Textual app timed in the same run."""

    directory: str
    members: int
    """Members not deleted in the file the samples come from: the cache they are looked up in."""
    runs: int
    """Members sent from answer to status screen; as many bare screen switches."""
    starts: int
    """Starts of each App, the best kept: noise only ever adds to a start."""
    import_textual_seconds: float
    """Importing ``textual.app``, best of every start: left out of both starts below."""
    start_seconds: float
    """The kiosk App to an interactive, painted welcome screen, the best of ``starts``."""
    bare_start_seconds: float
    """An App whose screen holds one Static, to its first paint: Textual's own share."""
    flow_ms: Spread
    """Answer submitted to status screen painted, as the App notes both moments."""
    baseline_ms: Spread
    """A key to a new screen of eight Statics painted, in a bare App."""
    reached: int
    """Members that reached the status screen: all of them, or the run is wrong."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Column:
    """One store's figures: the kiosk's cache, plain SQLite or SQLCipher."""

    full_seconds: float
    members: int
    """Rows after the full load."""
    incremental_seconds: float
    members_after: int
    """Rows after the incremental changes."""
    lookup: Latency
    size_bytes: int
    """The database file and its WAL, once the incremental changes are in."""

    @property
    def records_per_second(self) -> float:
        return self.members / self.full_seconds


@dataclass(frozen=True)
class BenchFigures:
    directory: str
    members: int
    edited: int
    deleted: int
    lookups: int
    generate_seconds: float
    """Writing the synthetic membership file: information, not a comparison."""
    publish_seconds: float
    delta_publish_seconds: float
    snapshot_bytes: int
    delta_bytes: int
    read_seconds: float
    """Opening the snapshot's frames without storing them: the part every column shares."""
    startup_seconds: float
    """A child ``python -m kiosk`` that only starts: in the full sync's time, not the delta's."""
    sync_peak_rss: int
    incremental_peak_rss: int
    bench_peak_rss: int
    kiosk: Column
    plain: Column
    sqlcipher: Column | None
    """None when ``sqlcipher3`` is not installed."""
    sqlcipher_version: str | None
    ui: UiFigures

    def full_ratio(self, column: Column) -> float:
        """The design's yardstick: full sync time over plain SQLite's."""
        return column.full_seconds / self.plain.full_seconds

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["ratios"] = {
            "kiosk_to_plain": self.full_ratio(self.kiosk),
            "sqlcipher_to_plain": None
            if self.sqlcipher is None
            else self.full_ratio(self.sqlcipher),
        }
        for name in ("kiosk", "plain", "sqlcipher"):
            column = getattr(self, name)
            if column is not None:
                data[name]["records_per_second"] = column.records_per_second
        return data


@dataclass(frozen=True)
class PublishFigures:
    """The publisher's figures (``kiosk bench --publish-only``), each child's own time and RSS."""

    directory: str
    members: int
    edited: int
    deleted: int
    cores: int
    """The machine's cores, all of which the second snapshot and the deltas may use."""
    database_settings: str
    """What the throwaway PostgreSQL gave up for speed: said beside the figures."""
    generate_seconds: float
    import_all: Child
    """``kiosk central import`` of the whole members file: information."""
    import_changes: Child
    """``kiosk central import`` of the changed rows only: information."""
    snapshot_single: Child
    """The baseline: a snapshot from PostgreSQL by one process."""
    snapshot_cores: Child
    snapshot_entries: int
    """Entries both snapshots hold, the same in each."""
    delta_database: Child
    delta_file: Child
    delta_entries: int
    """Entries both deltas hold, the same records in each."""
    bench_peak_rss: int

    @property
    def cores_ratio(self) -> float:
        """All cores' snapshot time over one process's."""
        return self.snapshot_cores.seconds / self.snapshot_single.seconds

    @property
    def delta_share(self) -> float:
        """The delta from PostgreSQL's time over the all-cores snapshot's."""
        return self.delta_database.seconds / self.snapshot_cores.seconds

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"cores_ratio": self.cores_ratio, "delta_share": self.delta_share}


@dataclass(frozen=True)
class ScaleRow:
    """One size of ``kiosk bench --scale``: the kiosk and plain SQLite on the same bundles."""

    members: int
    build_seconds: float
    """Building and publishing the snapshot (:mod:`devtools.bench.fastfeed`): information."""
    snapshot_bytes: int
    full: Child
    """``kiosk sync`` of the snapshot, in a child: wall time and its own peak RSS."""
    startup_seconds: float
    """A ``kiosk sync`` with nothing new to fetch, just after the full one: its start-up,
    the TUF refresh and the cache's opening, part of ``full`` but not of its growth."""
    plain_full_seconds: float
    changes: int
    incremental: Child
    """The delta of ``changes`` changes, as the running kiosk's background sync takes it."""
    plain_incremental_seconds: float
    tenth_changes: int
    tenth: Child
    """A delta changing a tenth of the members, taken the same way."""
    plain_tenth_seconds: float
    members_after: int
    """Members in the cache after both deltas; plain SQLite's count must be the same."""
    plain_members_after: int
    lookups: int
    warm: Latency
    plain_warm: Latency
    cold: Latency
    plain_cold: Latency
    size_bytes: int
    """The cache's file and WAL after the full sync."""
    plain_size_bytes: int

    @property
    def full_ratio(self) -> float:
        return self.full.seconds / self.plain_full_seconds

    @property
    def us_per_member(self) -> float:
        return self.full.seconds / self.members * 1e6

    @property
    def plain_us_per_member(self) -> float:
        return self.plain_full_seconds / self.members * 1e6

    @property
    def bytes_per_member(self) -> float:
        return self.size_bytes / self.members

    @property
    def plain_bytes_per_member(self) -> float:
        return self.plain_size_bytes / self.members


@dataclass(frozen=True)
class Fit:
    """A power law ``y = offset + a * members ** b``, least squares in log-log, and its
    projection; ``offset`` is a fixed cost taken out before fitting (a process's start-up)."""

    what: str
    a: float
    b: float
    points: int
    """Sizes it was fitted to."""
    members: int
    """The size it projects to."""
    offset: float = 0.0

    @property
    def projected(self) -> float:
        return self.offset + self.a * math.pow(self.members, self.b)


@dataclass(frozen=True)
class ScaleFigures:
    directory: str
    rows: list[ScaleRow]
    fits: list[Fit]
    """Empty with fewer than two sizes: a line needs two points."""
    plot: str
    """The SVG of time per member against members."""
    build_rate: float
    """Members per second the fast builder built and published, over every size."""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        for row, figures in zip(self.rows, data["rows"], strict=True):
            figures |= {
                "full_ratio": row.full_ratio,
                "us_per_member": row.us_per_member,
                "us_per_member_to_smallest": row.us_per_member / self.rows[0].us_per_member,
                "plain_us_per_member": row.plain_us_per_member,
                "bytes_per_member": row.bytes_per_member,
                "plain_bytes_per_member": row.plain_bytes_per_member,
            }
        for fit, figures in zip(self.fits, data["fits"], strict=True):
            figures["projected"] = fit.projected
        return data
