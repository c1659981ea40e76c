"""A complete demo installation in one directory: central feed, kiosk config, key and cache.

Layout of ``DIR``::

    members.csv   the synthetic membership file the central store published
    feed/         the central feed (``kiosk central init`` + ``publish``)
    kiosk/        kiosk.toml, master.key, trust/ (copied), cache.db, feed-work/

The kiosk syncs from ``feed/repository`` as a directory source, exactly as it
would from a USB stick, so the demo needs no server. Everything is synthetic.
"""

import csv
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from central.persons import persons_of
from central.publish import publish
from central.repository import FeedLayout, FeedRepository, init_feed
from central.rows import COLUMNS
from devtools.synthetic import synthetic_rows
from kiosk.audit import Audit, Event
from kiosk.banner import Banner, Sample, write_banner
from kiosk.claims import Outcome
from kiosk.config import load_config
from kiosk.errors import InvalidInputError
from kiosk.feed.client import SyncResult
from kiosk.i18n import msg
from kiosk.keys import write_new_key
from kiosk.member import DataFlag, Person, Segment
from kiosk.pin import PIN_SETTING, hash_pin
from kiosk.standing import MembershipStanding, Standing, evaluate
from kiosk.sync import audited_sync, feed_client, sync_cache

DEMO_SEED = 20261124
DEMO_PIN = "246810"
CONFIG_TEMPLATE = """\
# A demo kiosk: every path is relative to this file.
kiosk_id = "demo-kiosk"

[cache]
path = "cache.db"

[keys]
master_key_file = "master.key"

[feed]
source = "{source}"
trust_dir = "trust"
work_dir = "feed-work"
"""


@dataclass(frozen=True)
class DemoLayout:
    """Where a demo keeps its parts; the benchmark and the tests build the same tree."""

    root: Path

    @property
    def members_file(self) -> Path:
        return self.root / "members.csv"

    @property
    def feed(self) -> FeedLayout:
        return FeedLayout(self.root / "feed")

    @property
    def kiosk(self) -> Path:
        return self.root / "kiosk"

    @property
    def config(self) -> Path:
        return self.kiosk / "kiosk.toml"

    @property
    def cache_path(self) -> Path:
        return self.kiosk / "cache.db"

    @property
    def banner(self) -> Path:
        return self.kiosk / "banner.json"


@dataclass(frozen=True)
class Demo:
    root: Path
    members_file: Path
    feed: FeedLayout
    config: Path
    banner: Path
    samples: list[Sample]
    sync: SyncResult | None


def write_members(path: Path, rows: Iterable[dict[str, str]]) -> None:
    """A membership file as the central store exports it: CSV with the design's columns."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def read_members(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def build_demo(
    directory: Path, members: int, now: datetime, *, source: str | None = None, sync: bool = True
) -> Demo:
    """Build everything from nothing; ``source`` overrides the kiosk's feed source (a URL)."""
    if directory.exists() and any(directory.iterdir()):
        raise InvalidInputError(msg("demo.not_empty", path=directory))
    directory.mkdir(parents=True, exist_ok=True)
    today = now.date()
    paths = DemoLayout(directory)
    members_file = paths.members_file
    write_members(members_file, synthetic_rows(members, seed=DEMO_SEED, today=today))
    layout = init_feed(paths.feed.root, now)
    publish(layout.root, members_file, now=now)
    config_path = install_kiosk(paths.kiosk, layout, source or "../feed/repository")
    set_demo_pin(config_path, now)
    result = sync_demo(config_path, now) if sync else None
    found = samples(members_file, today)
    write_banner(paths.banner, Banner(tuple(found), DEMO_PIN))
    return Demo(
        root=directory,
        members_file=members_file,
        feed=layout,
        config=config_path,
        banner=paths.banner,
        samples=found,
        sync=result,
    )


def install_kiosk(directory: Path, layout: FeedLayout, source: str) -> Path:
    """A kiosk as an installer leaves it: trust bundle, new master key, config; returns the config.

    Shared by the demo and the benchmark, which points ``source`` at its own HTTP server.
    """
    directory.mkdir()
    shutil.copytree(layout.trust, directory / "trust")
    write_new_key(directory / "master.key")
    config_path = directory / "kiosk.toml"
    config_path.write_text(CONFIG_TEMPLATE.format(source=source))
    return config_path


def open_demo(directory: Path, now: datetime) -> Demo | None:
    """A demo built earlier in ``directory``, brought up to date, or None when there is none.

    A demo reused days later would otherwise show an expired feed and data too
    old to serve: its feed is re-signed as the central cron would, and synced.
    """
    paths = DemoLayout(directory)
    if not (paths.members_file.is_file() and paths.config.is_file()):
        return None
    FeedRepository.open(paths.feed.root).refresh(now)
    set_demo_pin(paths.config, now)
    sync_demo(paths.config, now)
    found = samples(paths.members_file, now.date())
    write_banner(paths.banner, Banner(tuple(found), DEMO_PIN))
    return Demo(
        root=directory,
        members_file=paths.members_file,
        feed=paths.feed,
        config=paths.config,
        banner=paths.banner,
        samples=found,
        sync=None,
    )


def sync_demo(config_path: Path, now: datetime) -> SyncResult:
    config = load_config(config_path)
    client = feed_client(config, {}, lambda: now)
    audit = Audit.from_config(config, lambda: now)
    try:
        with sync_cache(config, {}) as cache:
            return audited_sync(client, cache, audit, None, trigger="demo")
    finally:
        audit.store.close()


def set_demo_pin(config_path: Path, now: datetime) -> None:
    """A demo's staff can try maintenance mode with a PIN printed beside the sample members."""
    audit = Audit.from_config(load_config(config_path), lambda: now)
    try:
        if audit.store.setting(PIN_SETTING) is None:
            audit.store.set_setting(PIN_SETTING, hash_pin(DEMO_PIN))
            audit.record(Event.STAFF_PIN, "set", detail="demo")
    finally:
        audit.store.close()


_Check = Callable[[Person, Standing], bool]


@dataclass(frozen=True)
class _Kind:
    """A kind of member the demo lists for people to try."""

    case: str
    check: _Check
    rare: bool = False
    """Few persons are of this kind: it takes its pick before the others."""


def _current(check: Callable[[MembershipStanding], bool]) -> _Check:
    return lambda _, standing: check(standing.memberships[0])


def _jht(outcome: Outcome) -> _Check:
    """The best JHT answer among the person's memberships is ``outcome``."""

    def check(_: Person, standing: Standing) -> bool:
        outcomes = {withdrawal.outcome for withdrawal in standing.jht.withdrawals}
        return bool(outcomes) and min(outcomes, key=_BEST_FIRST.index) is outcome

    return check


_BEST_FIRST = (Outcome.NOW, Outcome.FROM, Outcome.NOT)
_KINDS = (
    _Kind(
        "aktif, iuran lunas / active, paid up",
        _current(lambda m: m.active and m.contributions.up_to_date),
    ),
    _Kind(
        "aktif, iuran menunggak / active, in arrears",
        _current(lambda m: m.active and not m.contributions.up_to_date),
    ),
    _Kind("nonaktif / not active", lambda _, s: not any(m.active for m in s.memberships)),
    _Kind(
        "pindah kerja, 3 KPJ / changed jobs, 3 KPJs",
        lambda p, _: (
            len(p.memberships) == 3 and all(m.segment is Segment.PU for m in p.memberships)
        ),
        rare=True,
    ),
    _Kind(
        "data perlu diperbaiki / data to correct",
        lambda p, _: DataFlag.BIRTH_DATE_MISMATCH in p.flags,
        rare=True,
    ),
    _Kind("JHT bisa dicairkan / JHT can be withdrawn", _jht(Outcome.NOW)),
    _Kind(
        "JHT bisa dicairkan mulai suatu tanggal / JHT from a date", _jht(Outcome.FROM), rare=True
    ),
    _Kind("JHT belum bisa dicairkan / JHT not yet", _jht(Outcome.NOT)),
)
"""In the order the demo lists them."""


def samples(members_file: Path, today: date) -> list[Sample]:
    """One person of each of :data:`_KINDS`, a different one for each, first found.

    The rare kinds take their pick first, so that a person of two kinds does
    not leave a rare one without anybody. The demo's own file keeps each
    person's rows together, so persons are read one at a time.
    """
    picking = sorted(_KINDS, key=lambda kind: not kind.rare)
    found: dict[str, Sample] = {}
    for _, group in groupby(read_members(members_file), key=itemgetter("nik")):
        rows = list(group)
        (person,) = persons_of(rows, lambda _: b"", today)
        if person.deleted:
            continue
        standing = evaluate(person, today)
        kind = next((k for k in picking if k.case not in found and k.check(person, standing)), None)
        if kind is not None:
            found[kind.case] = Sample(person.nik, rows[0]["mother_name"], kind.case)
            if len(found) == len(_KINDS):
                break
    return [found[kind.case] for kind in _KINDS if kind.case in found]
