"""The benchmark behind the design's performance targets, all measured in one run.

The kiosk's side is the real thing: ``python -m kiosk sync`` as a child process,
fetching over HTTP from 127.0.0.1, so its time and peak memory are what a
deployed kiosk would see, interpreter start-up included. The baselines read the
very same snapshot bundle and store its rows with no crypto of their own (plain
SQLite) or with page encryption (SQLCipher, the peer a user might pick), with
the cache's own pragmas: the ratio is what fetching, verifying and sealing add.
Every file is streamed: a million members never sit in memory, here or in the child.

Layout of the benchmark directory (see :class:`BenchLayout`)::

    members.csv     the synthetic membership file last published
    feed/           the central feed, served over HTTP while the benchmark runs
    kiosk/          kiosk.toml, master.key, trust/, cache.db, feed-work/
    plain.db        the plain SQLite baseline
    sqlcipher.db    the SQLCipher peer, when sqlcipher3 is installed

The UI's two targets come last, on the cache just synced (:func:`ui_figures`):
``kiosk`` never imports Textual, so ``python -m devtools.ui_bench`` measures them in
child processes, each beside a bare Textual app measured the same way.
"""

import json
import math
import os
import random
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from time import perf_counter, perf_counter_ns
from typing import Any, NoReturn

from central.publish import publish
from central.repository import FeedLayout, init_feed
from central.serve import make_server
from devtools.demo import DEMO_SEED, DemoLayout, install_kiosk, read_members, write_members
from devtools.synthetic import synthetic_rows
from kiosk.cache import Cache

# The baselines use the cache's own settings, by construction, so only the crypto differs.
from kiosk.cache.store import PRAGMAS as CACHE_PRAGMAS
from kiosk.config import load_config
from kiosk.errors import InvalidInputError, KioskError
from kiosk.feed.bundle import BundleKind, BundleReader
from kiosk.i18n import msg
from kiosk.keys import load_master_key, read_key_file
from kiosk.member import MembershipStatus
from kiosk.sizes import sqlite_size
from kiosk.standing import due_period, evaluate

SAMPLE_SEED = 20261125
"""Which members change and which are looked up: fixed, so runs compare."""
DELETED_SHARE = 10
"""One change in this many deletes a member; the others edit one."""
STARTUP_RUNS = 3
"""A child's start-up is the best of this many runs: noise only ever adds to it."""
UI_TERM = "xterm-256color"
"""The UI children's terminal type: ``linux`` would switch the App to the console's look."""
PLAIN = "plain SQLite"
SQLCIPHER = "SQLCipher"
_CREATE = "CREATE TABLE members (nik BLOB PRIMARY KEY, mother BLOB, record BLOB) WITHOUT ROWID"
_INSERT = "INSERT INTO members (nik, mother, record) VALUES (?, ?, ?)"
_UPSERT = _INSERT + (
    " ON CONFLICT (nik) DO UPDATE SET mother = excluded.mother, record = excluded.record"
)
_DELETE = "DELETE FROM members WHERE nik = ?"
_SELECT = "SELECT record FROM members WHERE nik = ?"

Connect = Callable[[Path], sqlite3.Connection]
Say = Callable[[str], None]


@dataclass(frozen=True)
class BenchLayout(DemoLayout):
    """The demo's tree, plus the baselines' databases."""

    @property
    def plain(self) -> Path:
        return self.root / "plain.db"

    @property
    def sqlcipher(self) -> Path:
        return self.root / "sqlcipher.db"


@dataclass(frozen=True)
class BenchOptions:
    members: int
    changes: int
    lookups: int
    now: datetime
    ui_runs: int
    """Members taken from answer to status screen, and bare screen switches beside them."""


@dataclass(frozen=True)
class Spread:
    """Milliseconds over a UI child's runs, nearest rank: each is a time some run took."""

    p50: float
    p95: float
    max: float


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
class Latency:
    """One lookup's wall time, in microseconds, over the sampled NIKs."""

    p50: float
    p99: float
    max: float
    found: int
    """Sampled members the store returned: all of them, or the run is wrong."""


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
    """A child ``python -m kiosk`` that only starts: included in each kiosk sync's time."""
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
class _Store:
    """A baseline: how to open it, and where."""

    label: str
    connect: Connect
    path: Path


@dataclass(frozen=True)
class _Child:
    seconds: float
    peak_rss: int


@dataclass(frozen=True)
class _Changes:
    edited: dict[int, int]
    """Row position in the file -> which edit it gets."""
    deleted: frozenset[int]


class _Reservoir:
    """A uniform sample of a stream of unknown length, holding only the sample."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.items: list[str] = []
        self._size = size
        self._seen = 0
        self._rng = rng

    @property
    def seen(self) -> int:
        return self._seen

    def add(self, item: str) -> None:
        if self._seen < self._size:
            self.items.append(item)
        else:
            slot = self._rng.randrange(self._seen + 1)
            if slot < self._size:
                self.items[slot] = item
        self._seen += 1


def run_bench(layout: BenchLayout, options: BenchOptions, say: Say) -> BenchFigures:
    """Build the feed and the kiosk in ``layout.root`` (new or empty), then measure."""
    _check(layout.root, options)
    now, today = options.now, options.now.date()
    feed = layout.feed

    say(f"writing {options.members:,} synthetic members to {layout.members_file}")
    generate_seconds = _timed(
        lambda: write_members(
            layout.members_file, synthetic_rows(options.members, seed=DEMO_SEED, today=today)
        )
    )
    init_feed(feed.root, now)
    say("publishing the snapshot (a signed card per member: the slow part of building)")
    publish_seconds = _timed(lambda: publish(feed.root, layout.members_file, now=now))
    snapshot = _bundle(feed, BundleKind.SNAPSHOT)
    fleet_key = read_key_file(feed.fleet_key).secret
    stores = _baselines(layout)

    with _serving(feed) as url:
        install_kiosk(layout.kiosk, feed, url)
        say(f"kiosk sync: the full snapshot from {url}")
        full = _run_child(_sync_command(layout))
        kiosk_members = _kiosk_count(layout)
        say("reading the snapshot's frames without storing them")
        read_seconds = _timed(lambda: _read_only(snapshot, fleet_key))
        loaded: dict[str, tuple[float, int]] = {}
        for store in stores:
            say(f"{store.label}: inserting the snapshot's rows")
            loaded[store.label] = _load(store, snapshot, fleet_key)

        changes = _choose_changes(options)
        say(
            f"changing {options.changes:,} members ({len(changes.edited):,} edited, "
            f"{len(changes.deleted):,} deleted) and publishing the delta"
        )
        sample = _rewrite_members(layout, changes, options)
        delta_publish_seconds = _timed(lambda: publish(feed.root, layout.members_file, now=now))
        delta = _bundle(feed, BundleKind.DELTA)
        say("timing a child's start-up alone")
        startup = min(
            _run_child([sys.executable, "-m", "kiosk", "--version"]).seconds
            for _ in range(STARTUP_RUNS)
        )
        say("kiosk sync: the delta")
        incremental = _run_child(_sync_command(layout))
    kiosk_after = _kiosk_count(layout)
    kiosk_size = sqlite_size(load_config(layout.config).cache_path)
    applied: dict[str, tuple[float, int]] = {}
    for store in stores:
        say(f"{store.label}: applying the delta")
        applied[store.label] = _apply_delta(store, delta, fleet_key)

    say(f"looking up {len(sample):,} members in each store")
    with _kiosk_cache(layout) as cache:
        kiosk_lookup = _kiosk_lookups(cache, sample, today)
    keys = [nik.encode() for nik in sample]
    columns = {
        store.label: Column(
            full_seconds=loaded[store.label][0],
            members=loaded[store.label][1],
            incremental_seconds=applied[store.label][0],
            members_after=applied[store.label][1],
            lookup=_select_lookups(store, keys),
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
        bench_peak_rss=_own_peak_rss(),
        kiosk=Column(
            full_seconds=full.seconds,
            members=kiosk_members,
            incremental_seconds=incremental.seconds,
            members_after=kiosk_after,
            lookup=kiosk_lookup,
            size_bytes=kiosk_size,
        ),
        plain=columns[PLAIN],
        sqlcipher=columns.get(SQLCIPHER),
        sqlcipher_version=None if cipher is None else _cipher_version(cipher),
        ui=ui,
    )


def ui_figures(layout: DemoLayout, runs: int, say: Say) -> UiFigures:
    """Time the UI on the kiosk of a demo or bench tree whose cache is synced.

    The children keep their bytecode in a directory of their own, which one
    untimed run of each fills first: an installed kiosk has its modules compiled,
    while ``PYTHONDONTWRITEBYTECODE`` would have every start compile them again,
    and writing ``__pycache__`` beside the sources is not the benchmark's to do.
    The starts alternate kiosk and bare, so a slow spell of the machine lands on both.
    """
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-ui-") as work:
        samples = Path(work) / "samples.tsv"
        say(f"choosing {runs:,} members to verify at the kiosk from {layout.members_file}")
        members = _write_ui_samples(layout.members_file, samples, runs)
        environ = {k: v for k, v in _child_environ().items() if k != "PYTHONDONTWRITEBYTECODE"}
        environ |= {"TERM": UI_TERM, "PYTHONPYCACHEPREFIX": str(Path(work) / "bytecode")}
        config = ["--config", str(layout.config)]
        flow_args = ["flow", *config, "--samples", str(samples), "--runs"]
        say("UI: one untimed run of each child, to compile its bytecode")
        _ui_child(["start-bare"], environ)
        _ui_child([*flow_args, "1"], environ)
        say(f"UI: starting the kiosk and a bare Textual app, {STARTUP_RUNS} times each")
        starts = [
            (_ui_child(["start", *config], environ), _ui_child(["start-bare"], environ))
            for _ in range(STARTUP_RUNS)
        ]
        say(f"UI: {runs:,} members from answer to status screen, then as many bare switches")
        flow = _ui_child([*flow_args, str(runs)], environ)
    flow_ms = [float(ms) for ms in flow["flow_ms"]]  # At least one: the child fails otherwise.
    return UiFigures(
        directory=str(layout.root),
        members=members,
        runs=int(flow["samples"]),
        starts=STARTUP_RUNS,
        import_textual_seconds=min(
            float(child["import_textual"]) for pair in starts for child in pair
        ),
        start_seconds=min(float(kiosk["to_welcome"]) for kiosk, _ in starts),
        bare_start_seconds=min(float(bare["to_first_screen"]) for _, bare in starts),
        flow_ms=_spread(flow_ms),
        baseline_ms=_spread([float(ms) for ms in flow["baseline_ms"]]),
        reached=len(flow_ms),
    )


def _write_ui_samples(members_file: Path, samples: Path, runs: int) -> int:
    """``nik<TAB>mother_name`` lines of members not deleted, a fixed sample; returns their count.

    A seed of its own, so which members these are does not depend on the changes or lookups.
    """
    rng = random.Random(SAMPLE_SEED + 2)  # noqa: S311 - a sample of made-up members
    chosen = _Reservoir(runs, rng)
    for row in read_members(members_file):
        if row["deleted"].strip().lower() not in {"true", "1"}:
            chosen.add(f"{row['nik']}\t{row['mother_name']}")
    rng.shuffle(chosen.items)
    samples.write_text("".join(f"{line}\n" for line in chosen.items), encoding="utf-8")
    return chosen.seen


def _ui_child(args: Sequence[str], environ: dict[str, str]) -> dict[str, Any]:
    """``python -m devtools.ui_bench``, whose last line on standard output is its JSON object."""
    argv = [sys.executable, "-m", "devtools.ui_bench", *args]
    _settle()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=environ,
        check=False,
    )
    lines = done.stdout.decode(errors="replace").splitlines()
    if done.returncode != 0 or not lines:
        _child_failed(argv, done.returncode, done.stderr.decode(errors="replace"))
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def _child_failed(argv: Sequence[str], code: int, stderr: str) -> NoReturn:
    lines = [line.removeprefix("kiosk: ") for line in stderr.splitlines() if line.strip()]
    raise KioskError(
        msg(
            "bench.child_failed",
            command=" ".join(argv[2:]),
            code=code,
            reason=lines[-1] if lines else "-",
        )
    )


def _spread(times_ms: Sequence[float]) -> Spread:
    ordered = sorted(times_ms)
    return Spread(
        p50=_nearest_rank(ordered, 0.50), p95=_nearest_rank(ordered, 0.95), max=ordered[-1]
    )


def _nearest_rank(ordered: Sequence[float], share: float) -> float:
    """A time some run really took, not an interpolation between two."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _check(root: Path, options: BenchOptions) -> None:
    if (
        not (options.members >= 1 and 1 <= options.changes <= options.members)
        or options.lookups < 1
    ):
        raise InvalidInputError(msg("bench.counts"))
    if root.exists() and any(root.iterdir()):
        raise InvalidInputError(msg("bench.not_empty", path=root))
    root.mkdir(parents=True, exist_ok=True)


def _settle() -> None:
    """Flush what earlier phases wrote: no phase should pay in its fsyncs for another's writes."""
    os.sync()


def _timed(action: Callable[[], object]) -> float:
    _settle()
    start = perf_counter()
    action()
    return perf_counter() - start


def _bundle(feed: FeedLayout, kind: BundleKind) -> Path:
    """The newest bundle of a kind in the feed's targets, stored as ``<sha256>.<name>``."""
    found = feed.targets.glob(f"*.{kind}-*.bundle")
    return max(found, key=lambda path: path.name.partition(".")[2])


@contextmanager
def _serving(feed: FeedLayout) -> Iterator[str]:
    """The feed over HTTP on an ephemeral loopback port, for as long as the block runs."""
    server = make_server(feed, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _sync_command(layout: BenchLayout) -> list[str]:
    return [sys.executable, "-m", "kiosk", "sync", "--json", "--config", str(layout.config)]


def _run_child(argv: Sequence[str]) -> _Child:
    """Run a command to its end: wall time, and its own peak RSS from ``wait4``.

    ``wait4`` gives this child's figure alone; ``RUSAGE_CHILDREN`` would give the
    largest of every child so far. Errors go to a file: a pipe could fill and stall it.
    """
    with tempfile.TemporaryFile() as err:
        _settle()
        start = perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=_child_environ(),
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if child.returncode != 0:
        _child_failed(argv, child.returncode, stderr)
    return _Child(seconds, _rss_bytes(usage.ru_maxrss))


def _child_environ() -> dict[str, str]:
    """Ours, less systemd's credentials: a child must use the bench kiosk's own key file."""
    return {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}


def _rss_bytes(maxrss: int) -> int:
    """Linux reports kibibytes, macOS bytes."""
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def _own_peak_rss() -> int:
    return _rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _kiosk_cache(layout: BenchLayout) -> Cache:
    """The kiosk's cache opened with its own key, as ``kiosk lookup`` would."""
    config = load_config(layout.config)
    master = load_master_key(config, {})
    return Cache.open(config.cache_path, master)


def _kiosk_count(layout: BenchLayout) -> int:
    """Counted here, untimed: a sync counts after a snapshot only (a count is a full scan)."""
    with _kiosk_cache(layout) as cache:
        return cache.count()


def _frames(bundle: Path, fleet_key: bytes) -> Iterator[list[tuple[bytes, bytes, bytes]]]:
    with bundle.open("rb") as stream:
        yield from BundleReader(stream, fleet_key).frames()


def _read_only(bundle: Path, fleet_key: bytes) -> None:
    for _ in _frames(bundle, fleet_key):
        pass


def _baselines(layout: BenchLayout) -> list[_Store]:
    """Plain SQLite, then SQLCipher when its wheel is installed."""
    stores = [_Store(PLAIN, sqlite3.connect, layout.plain)]
    sqlcipher = _sqlcipher()
    if sqlcipher is not None:
        stores.append(_Store(SQLCIPHER, sqlcipher, layout.sqlcipher))
    return stores


def _connected(store: _Store) -> sqlite3.Connection:
    db = store.connect(store.path)
    db.isolation_level = None
    db.execute("PRAGMA journal_mode = WAL")
    for pragma in CACHE_PRAGMAS:
        db.execute(pragma)
    return db


def _load(store: _Store, bundle: Path, fleet_key: bytes) -> tuple[float, int]:
    """The snapshot's rows inserted as the feed orders them, in one transaction; (seconds, rows)."""

    def insert(db: sqlite3.Connection) -> None:
        for frame in _frames(bundle, fleet_key):
            db.executemany(_INSERT, frame)

    return _timed_transaction(store, insert, create=True)


def _apply_delta(store: _Store, bundle: Path, fleet_key: bytes) -> tuple[float, int]:
    """Upserts and deletes by NIK in one transaction, as the kiosk applies a delta."""

    def apply(db: sqlite3.Connection) -> None:
        for frame in _frames(bundle, fleet_key):
            db.executemany(_UPSERT, [entry for entry in frame if entry[2]])
            db.executemany(_DELETE, [(entry[0],) for entry in frame if not entry[2]])

    return _timed_transaction(store, apply, create=False)


def _timed_transaction(
    store: _Store, write: Callable[[sqlite3.Connection], None], *, create: bool
) -> tuple[float, int]:
    """One transaction and its checkpoint, timed as the kiosk's apply is; (seconds, rows)."""
    _settle()
    start = perf_counter()
    db = _connected(store)
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


def _sqlcipher() -> Connect | None:
    """SQLCipher with a random raw key (no passphrase derivation), default cipher settings."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return None
    key = secrets.token_hex(32)

    def connect(path: Path) -> sqlite3.Connection:
        db: sqlite3.Connection = dbapi2.connect(str(path))
        db.execute(f"PRAGMA key = \"x'{key}'\"")
        return db

    return connect


def _cipher_version(store: _Store) -> str:
    db = store.connect(store.path)
    try:
        return str(db.execute("PRAGMA cipher_version").fetchone()[0])
    finally:
        db.close()


def _choose_changes(options: BenchOptions) -> _Changes:
    rng = random.Random(SAMPLE_SEED)  # noqa: S311 - made-up changes, not secrets
    chosen = rng.sample(range(options.members), options.changes)
    cut = options.changes // DELETED_SHARE
    return _Changes(
        edited={position: n for n, position in enumerate(chosen[cut:])},
        deleted=frozenset(chosen[:cut]),
    )


def _rewrite_members(layout: BenchLayout, changes: _Changes, options: BenchOptions) -> list[str]:
    """Write the changed membership file in one streaming pass; returns the NIKs to look up."""
    rng = random.Random(SAMPLE_SEED + 1)  # noqa: S311 - a sample of made-up members
    sample = _Reservoir(options.lookups, rng)
    changed = layout.members_file.with_name("members.next.csv")
    rows = read_members(layout.members_file)
    write_members(changed, _changed_rows(rows, changes, sample, options.now))
    changed.replace(layout.members_file)
    rng.shuffle(sample.items)
    return sample.items


def _changed_rows(
    rows: Iterable[dict[str, str]], changes: _Changes, sample: _Reservoir, now: datetime
) -> Iterator[dict[str, str]]:
    for position, row in enumerate(rows):
        if position in changes.deleted:
            continue
        edit = changes.edited.get(position)
        kept = row if edit is None else _edit(row, edit, now)
        sample.add(kept["nik"])
        yield kept


def _edit(row: dict[str, str], edit: int, now: datetime) -> dict[str, str]:
    """A change the central store makes every day: a balance, a payment, a status."""
    today = now.date()
    changed = dict(row, updated_at=now.isoformat(timespec="seconds"))
    kind = edit % 3
    if kind == 0 and "JHT" in row["programs"].split():
        changed["jht_balance"] = str(int(row["jht_balance"]) + 125_000)
        changed["jht_as_of"] = today.isoformat()
    elif kind == 2:
        active = row["status"] == MembershipStatus.AKTIF
        changed["status"] = MembershipStatus.NONAKTIF if active else MembershipStatus.AKTIF
        changed["status_reason"] = "Mengundurkan diri" if active else ""
    else:
        changed["last_paid_period"] = str(due_period(today))
    return changed


def _kiosk_lookups(cache: Cache, niks: Sequence[str], today: date) -> Latency:
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
    return _latency(times, found)


def _select_lookups(store: _Store, keys: Sequence[bytes]) -> Latency:
    db = _connected(store)
    try:
        times: list[int] = []
        found = 0
        for key in keys:
            start = perf_counter_ns()
            row = db.execute(_SELECT, (key,)).fetchone()
            times.append(perf_counter_ns() - start)
            found += row is not None
        return _latency(times, found)
    finally:
        db.close()


def _latency(times_ns: list[int], found: int) -> Latency:
    ordered = [ns / 1000 for ns in sorted(times_ns)]
    return Latency(
        p50=_nearest_rank(ordered, 0.50),
        p99=_nearest_rank(ordered, 0.99),
        max=ordered[-1],
        found=found,
    )
