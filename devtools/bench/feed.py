"""The feed the benchmark syncs from: synthetic members, the day's changes, served over HTTP.

Which members change and which are sampled is fixed by seed, so that runs
compare; every pass over the membership file streams it, so a million members
never sit in memory. A person's rows are adjacent in the file (one per membership),
so a change picks a person, as the central store's day does.
"""

import random
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from central.repository import FeedLayout
from central.serve import make_server
from devtools.bench.options import BenchLayout, BenchOptions
from devtools.demo import read_members, write_members
from kiosk.feed.bundle import BundleKind
from kiosk.member import MembershipStatus, StatusCode
from kiosk.standing import due_period

SAMPLE_SEED = 20261125
"""Which members change and which are looked up: fixed, so runs compare."""
DELETED_SHARE = 10
"""One change in this many deletes a member; the others edit one."""


@dataclass(frozen=True)
class Changes:
    """What changes, by a person's position in the file (a person's rows are adjacent)."""

    edited: dict[int, int]
    """Person position -> which edit their first row gets."""
    deleted: frozenset[int]
    """Persons removed with all their memberships."""


class Reservoir:
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


def choose_changes(options: BenchOptions) -> Changes:
    rng = random.Random(SAMPLE_SEED)  # noqa: S311 - made-up changes, not secrets
    chosen = rng.sample(range(options.members), options.changes)
    cut = options.changes // DELETED_SHARE
    return Changes(
        edited={position: n for n, position in enumerate(chosen[cut:])},
        deleted=frozenset(chosen[:cut]),
    )


def rewrite_members(layout: BenchLayout, changes: Changes, options: BenchOptions) -> list[str]:
    """Write the changed membership file in one streaming pass; returns the NIKs to look up."""
    rng = random.Random(SAMPLE_SEED + 1)  # noqa: S311 - a sample of made-up members
    sample = Reservoir(options.lookups, rng)
    changed = layout.members_file.with_name("members.next.csv")
    rows = read_members(layout.members_file)
    write_members(changed, _changed_rows(rows, changes, sample, options.now))
    changed.replace(layout.members_file)
    rng.shuffle(sample.items)
    return sample.items


def newest_bundle(feed: FeedLayout, kind: BundleKind) -> Path:
    """The newest bundle of a kind in the feed's targets, stored as ``<sha256>.<name>``."""
    found = feed.targets.glob(f"*.{kind}-*.bundle")
    return max(found, key=lambda path: path.name.partition(".")[2])


@contextmanager
def serving(feed: FeedLayout) -> Iterator[str]:
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


def _changed_rows(
    rows: Iterable[dict[str, str]], changes: Changes, sample: Reservoir, now: datetime
) -> Iterator[dict[str, str]]:
    for position, first, row in by_person(rows):
        if position in changes.deleted:
            continue
        edit = changes.edited.get(position) if first else None
        kept = row if edit is None else edited_row(row, edit, now)
        if first:
            sample.add(kept["nik"])
        yield kept


def by_person(rows: Iterable[dict[str, str]]) -> Iterator[tuple[int, bool, dict[str, str]]]:
    """Each row with its person's position in the file and whether it is their first row:
    the changes are chosen by person, and an edit goes to a person's first row."""
    position, nik = -1, None
    for row in rows:
        first = row["nik"] != nik
        if first:
            position, nik = position + 1, row["nik"]
        yield position, first, row


def edited_row(row: dict[str, str], edit: int, now: datetime) -> dict[str, str]:
    """A change the central store makes every day: a balance, a payment, a status.

    Each keeps the row valid: a job that ends gets its code and end date, a
    payment joins the months paid (none before the month the membership began).
    """
    today = now.date()
    changed = dict(row, updated_at=now.isoformat(timespec="seconds"))
    kind = edit % 3
    if kind == 0 and "JHT" in row["programs"].split():
        changed["jht_balance"] = str(int(row["jht_balance"]) + 125_000)
        changed["jht_as_of"] = today.isoformat()
    elif kind == 2:
        active = row["status"] == MembershipStatus.AKTIF
        changed["status"] = MembershipStatus.NONAKTIF if active else MembershipStatus.AKTIF
        changed["status_code"] = StatusCode.BERHENTI_BEKERJA if active else ""
        changed["membership_end"] = today.isoformat() if active else ""
    else:
        due = str(due_period(today))
        began = row["membership_start"][:7]
        if row["last_paid_period"] < due and began <= due:  # YYYY-MM text sorts as months do
            changed["last_paid_period"] = due
            changed["paid_periods"] = " ".join(sorted({*row["paid_periods"].split(), due})[-12:])
    return changed
