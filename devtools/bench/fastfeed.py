"""A feed of millions of members built in seconds, for ``kiosk bench --scale``.

The real publisher signs a card per membership and keeps a sealed state of
every person: about 290 s per million members on two cores, too slow for the
scale runs. This builder keeps what a kiosk sees and drops the rest:

* A small pool of persons (:data:`POOL`) goes through the publisher's own work
  per person (:mod:`central.person_work`: checked rows, cards signed by the card
  key, the record encoded by ``kiosk.record``); their entries are what it
  would have put in the bundle.
* Member ``i`` is pool person ``i % POOL`` with a NIK of its own, and the birth
  date that NIK spells. The cards are the pool's: a card names a KPJ and a name,
  never a NIK, so every card still matches the record that carries it. NIKs are
  a permutation of the birth-date/sex/serial slots, so they are unique and come
  in no order (the publisher writes its snapshot in keyed-NIK order, which is
  none either).
* The bundles are written by :class:`kiosk.feed.bundle.BundleWriter` and
  published through :class:`central.repository.FeedRepository`, as
  :func:`central.publish.publish` does: real frames sealed to the fleet key,
  real TUF metadata signed by the feed's role keys. The publisher's state
  database is skipped; the feed's index target is written as it writes it.

So the kiosk syncs real bundles of the real format through its real path (TUF
verification, frame decryption, cache load). Never imported by ``kiosk/``.
"""

import json
import os
import pickle
import random
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import gcd
from pathlib import Path

from central.person_work import PersonRows, Work, batched
from central.person_work import run as run_work
from central.publish_state import StateKeys
from central.repository import FeedRepository
from devtools.bench.feed import DELETED_SHARE
from devtools.synthetic import synthetic_rows
from kiosk.feed.bundle import BundleHeader, BundleKind, BundleWriter, fleet_key_id
from kiosk.feed.names import INDEX_TARGET, bundle_name
from kiosk.keys import read_key_file
from kiosk.nik import WOMEN_DAY_OFFSET

POOL = 512
"""Persons signed by the publisher's code; every member is one of them with its own NIK."""
SEED = 20261202
"""The pool's persons and the NIK permutation: fixed, so that runs compare."""

_BIRTH_FIRST = date(1960, 1, 1)
_BIRTH_LAST = date(2007, 12, 31)
_SERIALS = 9999
_DAYS = (_BIRTH_LAST - _BIRTH_FIRST).days + 1
SLOTS = _DAYS * 2 * _SERIALS
"""Distinct NIKs per district the builder can make: far more than 8 M."""


@dataclass(frozen=True)
class _Template:
    """A pool person's entry, cut where the NIK and the birth date go."""

    district: bytes
    mother: bytes
    middle: bytes
    """From the NIK's closing quote to the birth date's opening one: the name."""
    tail: bytes
    """From the birth date's closing quote to the end of the body."""


@dataclass(frozen=True)
class Changes:
    """A delta's members, by index: edited ones take the next pool person's record."""

    edited: list[int]
    deleted: list[int]

    @property
    def records(self) -> int:
        return len(self.edited) + len(self.deleted)


class FastFeed:
    """The members of a built feed: member ``i``'s NIK and entry, computed, never stored."""

    def __init__(self, feed_root: Path, now: datetime) -> None:
        repository = FeedRepository.open(feed_root)
        self.root = feed_root
        self.now = now
        self._templates = _pool(repository, now)
        rng = random.Random(SEED)  # noqa: S311 - made-up members, not secrets
        while True:
            step = rng.randrange(SLOTS // 3, SLOTS)
            if gcd(step, SLOTS) == 1:
                break
        self._step, self._offset = step, rng.randrange(SLOTS)
        births = [_BIRTH_FIRST + timedelta(days=day) for day in range(_DAYS)]
        self._births = [birth.isoformat().encode() for birth in births]
        self._dates = [
            f"{birth.day + offset:02d}{birth.month:02d}{birth.year % 100:02d}".encode()
            for birth in births
            for offset in (0, WOMEN_DAY_OFFSET)
        ]
        self._serial = [f"{serial:04d}".encode() for serial in range(_SERIALS + 1)]

    def nik(self, index: int) -> str:
        return self._nik(index, self._templates[index % POOL]).decode()

    def _nik(self, index: int, template: _Template) -> bytes:
        rest, serial = divmod((self._offset + index * self._step) % SLOTS, _SERIALS)
        return template.district + self._dates[rest] + self._serial[serial + 1]

    def entry(self, index: int, version: int = 0) -> tuple[bytes, bytes, bytes]:
        """``(nik, mother, body)`` of member ``index``; another ``version`` is an edit of it."""
        templates = self._templates
        template = templates[(index + version) % POOL]
        rest, serial = divmod((self._offset + index * self._step) % SLOTS, _SERIALS)
        nik = templates[index % POOL].district + self._dates[rest] + self._serial[serial + 1]
        birth = self._births[rest >> 1]
        return nik, template.mother, b'["' + nik + template.middle + birth + template.tail

    def snapshot(self, members: int) -> Path:
        """Publish a snapshot of members ``0 .. members - 1``; returns its bundle in the feed."""

        def write(writer: BundleWriter) -> None:
            entry, upsert = self.entry, writer.upsert
            for index in range(members):
                upsert(*entry(index))

        return self._publish(BundleKind.SNAPSHOT, members, write)

    def delta(self, changes: Changes, version: int) -> Path:
        """Publish a delta: each edited member's record becomes its ``version``-th edit."""

        def write(writer: BundleWriter) -> None:
            for index in changes.edited:
                writer.upsert(*self.entry(index, version))
            for index in changes.deleted:
                writer.delete(self._nik(index, self._templates[index % POOL]))

        return self._publish(BundleKind.DELTA, changes.records, write)

    def _publish(
        self, kind: BundleKind, records: int, write: Callable[[BundleWriter], None]
    ) -> Path:
        """As :func:`central.publish.publish` ends: bundle, index target, signed metadata."""
        repository = FeedRepository.open(self.root)
        layout = repository.layout
        fleet_key = read_key_file(layout.fleet_key).secret
        index = repository.targets().get(INDEX_TARGET)
        custom = {} if index is None else index.custom
        latest = custom.get("latest")
        sequence = (latest if isinstance(latest, int) else 0) + 1
        base = None if kind is BundleKind.SNAPSHOT else str(custom["state"])
        state = secrets.token_hex(16)
        header = BundleHeader(
            kind, sequence, base, state, records, fleet_key_id(fleet_key), self.now
        )
        outgoing = layout.central / "outgoing"
        outgoing.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = bundle_name(kind, sequence)
        path = outgoing / name
        with path.open("wb") as out:
            writer = BundleWriter(out, fleet_key, header)
            write(writer)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        snapshot = sequence if kind is BundleKind.SNAPSHOT else custom["snapshot"]
        listing = {"latest": sequence, "state": state, "snapshot": snapshot}
        index_path = outgoing / INDEX_TARGET
        index_path.write_text(json.dumps(listing, sort_keys=True))
        target = {"kind": str(kind), "sequence": sequence, "base": base, "state": state}
        pruned = (
            [name for name in repository.targets() if name.endswith(".bundle")]
            if kind is BundleKind.SNAPSHOT
            else []
        )
        repository.high_water.raise_to(sequence=sequence)
        repository.publish(
            [(name, path, target | {"records": records}), (INDEX_TARGET, index_path, listing)],
            pruned,
            self.now,
        )
        path.unlink()
        index_path.unlink()
        return next(layout.targets.glob(f"*.{name}"))


def choose_changes(members: int, count: int, seed: int, skip: Iterable[int] = ()) -> Changes:
    """``count`` distinct members (none of ``skip``), one in :data:`DELETED_SHARE` deleted."""
    rng = random.Random(seed)  # noqa: S311 - made-up changes, not secrets
    skipped = set(skip)
    chosen = [i for i in rng.sample(range(members), count + len(skipped)) if i not in skipped]
    chosen = chosen[:count]
    cut = count // DELETED_SHARE
    return Changes(edited=chosen[cut:], deleted=chosen[:cut])


def _pool(repository: FeedRepository, now: datetime) -> list[_Template]:
    """:data:`POOL` synthetic persons through the publisher's own work per person."""
    layout = repository.layout
    state_key = secrets.token_bytes(32)
    work = Work(state_key, layout.card_private_key, now, None, claims=False, complete=True)
    keys = StateKeys(state_key)
    templates = []
    for done in run_work(work, batched(_persons(now.date())), processes=1):
        for key, _, _, sealed in done.changed:
            opened = keys.unseal(key, sealed)
            if opened is None:
                raise RuntimeError("the pool's entries are sealed with its own key")
            templates.append(_template(*opened))
    if len(templates) != POOL:
        raise RuntimeError(f"the publisher's work kept {len(templates)} of {POOL} persons")
    return templates


def _persons(today: date) -> Iterator[PersonRows]:
    """The pool's rows grouped by person (their rows are adjacent), as the workers take them."""
    rows: PersonRows = []
    nik = None
    for line, row in enumerate(synthetic_rows(POOL, seed=SEED, today=today), start=1):
        if rows and row["nik"] != nik:
            yield rows
            rows = []
        nik = row["nik"]
        rows.append((line, pickle.dumps(row)))
    if rows:
        yield rows


def _template(nik: bytes, mother: bytes, body: bytes) -> _Template:
    """Cut a body ``["nik","name","birth",...`` where the NIK and the birth date go."""
    fields = json.loads(body)
    head = json.dumps(fields[:3], ensure_ascii=False, separators=(",", ":")).encode()[:-1]
    if not body.startswith(head) or fields[0].encode() != nik:
        raise RuntimeError("kiosk.record's body no longer starts with NIK, name, birth date")
    name = json.dumps(fields[1], ensure_ascii=False).encode()
    return _Template(nik[:6], mother, b'",' + name + b',"', body[len(head) - 1 :])
