"""A publish's work per person, on every core: check their rows, diff, sign their cards, seal.

That work is nearly all of a publish's time (about 0.4 ms a person, in Python)
and each person's is independent of every other's, so the publisher
(:mod:`central.publish`) hands persons out in batches to a pool of processes
and keeps only the bookkeeping: reading the rows, grouping them by NIK, and
storing what comes back in its temporary tables. A worker knows what was
published through a read-only connection of its own to the state's database:
it is in WAL mode, and the publish's open transaction writes only temporary
tables until every person is done, so each worker reads the state as the last
publish committed it.

Whatever the number of processes, the feed holds the same: the same persons,
the same cards (Ed25519 signatures are deterministic, and every card of a
publish has the same times), the same problems. One rule spans persons: a KPJ
is one person's. A worker cannot see the others' persons, so it reports each
kept row's KPJ as a claim, keyed like the NIK, and the publisher checks them
all at the end (for a file; the database's KPJ is its primary key).
"""

import os
import pickle
import sqlite3
import urllib.parse
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path

from central.members_file import RowProblem
from central.persons import PersonGroups
from central.publish_state import StateKeys
from kiosk.cache.sealing import normalise_name
from kiosk.card import ISSUER, CardClaims, CardSigner, load_card_private_key
from kiosk.errors import KioskError
from kiosk.i18n import msg
from kiosk.member import Membership, Person
from kiosk.record import encode_body

CARD_LIFETIME = timedelta(days=90)
CARD_RENEWAL = timedelta(days=30)
"""A card this close to its expiry is signed again by the next publish."""
BATCH_PERSONS = 256
"""Persons per batch: about a tenth of a second of a worker's time, against a few
hundred microseconds to send a batch and take its results back."""
IN_FLIGHT = 4
"""Batches per process sent ahead, so none waits for the next while the publisher
reads; no more, so that a database's rows are not all read into memory ahead."""

MAX_PROCESSES = 64
"""More would only queue for the publisher, which reads and stores for all of them."""

PersonRows = list[tuple[int, bytes]]
"""A person's rows: each one's line and the row, pickled once as it is read (a row
kept as bytes takes a fifth of its dict's memory while a whole file is grouped)."""
Changed = tuple[bytes, bytes, int, bytes]
"""A person to store: keyed NIK, digest of the record, card expiry, sealed entry."""


@dataclass(frozen=True)
class Work:
    """What every worker is told once: the same for each person of one publish."""

    state_key: bytes
    card_key: Path
    """The card signing key's file: each worker reads it, as the publisher does."""
    now: datetime
    published: Path | None
    """The state's database, for what was last published; None when nothing counts (a state
    forgotten within this publish's transaction, which no other connection can see)."""
    claims: bool
    complete: bool
    """The rows are every person: a person whose rows are all deleted is gone anyway."""


@dataclass
class Done:
    """A batch's outcome, for the publisher's temporary tables."""

    seen: list[bytes] = field(default_factory=list)
    """Keyed NIKs of the persons named, stored or kept as published (held for a bad row)."""
    changed: list[Changed] = field(default_factory=list)
    gone: list[bytes] = field(default_factory=list)
    """Keyed NIKs of the persons whose every row is deleted (unless ``complete``)."""
    problems: list[RowProblem] = field(default_factory=list)
    claims: list[tuple[bytes, int, bytes]] = field(default_factory=list)
    """(keyed KPJ, line, keyed NIK) of each kept row, with :attr:`Work.claims`."""


class PersonWorker:
    """One process's share: persons in, :class:`Done` out."""

    def __init__(self, work: Work) -> None:
        self._work = work
        self._keys = StateKeys(work.state_key)
        self._signer = CardSigner(load_card_private_key(work.card_key))
        self._renew_before = int((work.now + CARD_RENEWAL).timestamp())
        self._expires = work.now + CARD_LIFETIME
        self._published = None if work.published is None else _read_only(work.published)

    def close(self) -> None:
        if self._published is not None:
            self._published.close()

    def batch(self, persons: list[PersonRows]) -> Done:
        done = Done()
        today = self._work.now.date()
        for rows in persons:
            groups = PersonGroups(_normalised, today, claims=self._work.claims)
            for line, row in rows:
                if problem := groups.add(line, pickle.loads(row)):  # noqa: S301 - our own rows
                    done.problems.append(problem)
            done.seen.extend(self._keys.keyed(nik.encode()) for nik in groups.held)
            for person in groups.persons():
                key = self._keys.keyed(person.nik.encode())
                if not person.deleted:
                    done.seen.append(key)
                    if changed := self._take(key, person):
                        done.changed.append(changed)
                elif not self._work.complete:
                    done.gone.append(key)
            done.claims.extend(
                (self._keys.keyed(b"kpj:" + kpj.encode()), line, self._keys.keyed(nik.encode()))
                for kpj, line, nik in groups.claims or ()
            )
        return done

    def _take(self, key: bytes, person: Person) -> Changed | None:
        """The person to store, or None when what was published stands (cards not near expiry)."""
        nik = person.nik.encode()
        mother = person.mother_hash  # the normalised name: see _normalised
        digest = self._keys.digest(mother + b"\x00" + encode_body(person))
        if self._published is not None:
            known = self._published.execute(
                "SELECT digest, card_expires FROM members WHERE key = ?", (key,)
            ).fetchone()
            if known is not None and known[0] == digest and known[1] > self._renew_before:
                return None
        signed = replace(
            person,
            memberships=tuple(
                replace(membership, card=self._card(person.name, membership))
                for membership in person.memberships
            ),
        )
        sealed = self._keys.seal(key, nik, mother, encode_body(signed))
        return key, digest, int(self._expires.timestamp()), sealed

    def _card(self, name: str, membership: Membership) -> str:
        return self._signer.sign(
            CardClaims(
                issuer=ISSUER,
                issued_at=self._work.now.replace(microsecond=0),
                expires_at=self._expires.replace(microsecond=0),
                kpj=membership.kpj,
                name=name,
                status=membership.status,
                programs=membership.programs,
            )
        )


def processes(asked: int | None) -> int:
    """``None`` or 0: every core this process may run on."""
    return asked or len(os.sched_getaffinity(0))


def run(work: Work, batches: Iterable[list[PersonRows]], processes: int) -> Iterator[Done]:
    """Each batch's :class:`Done`, in the batches' order.

    A publish of a single batch (a few hundred persons) is done in this
    process: starting workers would take longer than the work. An error in
    a worker is raised here as it was raised there; a worker that dies (out of
    memory, killed) is one sentence, and nothing has been published.
    """
    batches = iter(batches)
    ahead = list(islice(batches, 2))
    if processes <= 1 or len(ahead) < 2:
        worker = PersonWorker(work)
        try:
            for batch in chain(ahead, batches):
                yield worker.batch(batch)
        finally:
            worker.close()
        return
    pool = ProcessPoolExecutor(
        processes, mp_context=get_context("spawn"), initializer=_start, initargs=(work,)
    )
    try:
        pending: deque[Future[Done]] = deque()
        for batch in chain(ahead, batches):
            pending.append(pool.submit(_batch, batch))
            if len(pending) >= processes * IN_FLIGHT:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise KioskError(msg("publish.worker_died")) from None
    finally:
        pool.shutdown(cancel_futures=True)


def batched(persons: Iterable[PersonRows]) -> Iterator[list[PersonRows]]:
    batch: list[PersonRows] = []
    for rows in persons:
        batch.append(rows)
        if len(batch) == BATCH_PERSONS:
            yield batch
            batch = []
    if batch:
        yield batch


_worker: PersonWorker | None = None
"""This process's worker, in a pool's process."""


def _start(work: Work) -> None:
    global _worker  # one per process, made by the pool's initializer
    _worker = PersonWorker(work)


def _batch(persons: list[PersonRows]) -> Done:
    if _worker is None:
        raise RuntimeError("a pool's process is started by _start")
    return _worker.batch(persons)


def _read_only(path: Path) -> sqlite3.Connection:
    """One read transaction for the worker's life: the state as last committed, read once
    per person without a transaction begun and ended for each."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    connection.execute("BEGIN")
    return connection


def _normalised(mother_name: str) -> bytes:
    """The publisher's "digest" of the mother's name is the normalised name itself.

    It is what the feed entry carries (each kiosk hashes it with its own key),
    and what a person's rows must agree on.
    """
    return normalise_name(mother_name).encode()
