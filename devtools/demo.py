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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from central.publish import publish
from central.repository import FeedLayout, FeedRepository, init_feed
from central.rows import COLUMNS, parse_member_row
from devtools.synthetic import synthetic_rows
from kiosk.audit import Audit, Event
from kiosk.banner import Banner, Sample, write_banner
from kiosk.config import load_config
from kiosk.errors import InvalidInputError
from kiosk.feed.client import SyncResult
from kiosk.i18n import msg
from kiosk.keys import write_new_key
from kiosk.pin import PIN_SETTING, hash_pin
from kiosk.standing import evaluate
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


def samples(members_file: Path, today: date) -> list[Sample]:
    """One member of each kind a demo should show, first found in the file."""
    wanted = {
        "aktif, iuran lunas / active, paid up": (True, True),
        "aktif, iuran menunggak / active, in arrears": (True, False),
        "nonaktif / not active": (False, None),
    }
    found: dict[str, Sample] = {}
    for row in read_members(members_file):
        member = parse_member_row(row, lambda _: b"", today)
        if member.deleted:
            continue
        status = evaluate(member, today)
        for case, (active, paid) in wanted.items():
            if case in found or status.active != active:
                continue
            if paid is None or status.contributions.up_to_date == paid:
                found[case] = Sample(member.nik, row["mother_name"], case)
        if len(found) == len(wanted):
            break
    return [found[case] for case in wanted if case in found]
