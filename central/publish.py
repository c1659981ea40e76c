"""Publishing the membership file as feed bundles: a snapshot first, then deltas.

The file has a row per membership; the publisher groups them into persons
(:mod:`central.persons`), diffs each person against what it last published
(its sealed state, :mod:`central.publish_state`), signs a card for each
membership of a person who changed or whose cards near their expiry, and writes
the changes as one bundle. That work per person is done on every core
(:mod:`central.person_work`); this module reads and groups the rows and keeps
the books.

The rows come from a members file or from the central database
(:class:`central.postgres.DatabaseSource`), through the same checks and the same
diff, so the same data makes the same feed whichever it came from. A file is a
whole export: a person it no longer names is deleted. The database is read
whole on a first publish, with ``full``, or after an older publisher's state;
otherwise only the persons changed since the snapshot the last publish read
(its watermark, kept in the state), and a person goes only by their tombstone.
A database that fails or drops mid-read raises before anything is written: the
feed stays as it was and the next run reads from the same watermark.

A publish reads the whole file first: any bad row means nothing is published
(unless ``skip_invalid``, which keeps what was last published of a person with
a bad row), and a file that changes nothing publishes nothing. A state written
by an older publisher holds another record layout: the next publish forgets it
and publishes a full snapshot, with nothing for the operator to do (a person
held for a bad row then has nothing to keep, as on a first publish).
The state commits only after the feed's timestamp.json names the new bundle;
a crash in between is detected on the next run, which then asks for ``--full``.

After a backup of the feed is restored, kiosks may hold versions and bundles
the restored feed never heard of; ``recover`` publishes a snapshot numbered
past all of them (see :data:`RECOVERY_GAP` and ``FeedRepository.publish``).
"""

import json
import os
import pickle
import secrets
from bisect import insort
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from central.members_file import Line, Row, RowProblem, member_rows
from central.person_work import PersonRows, Work, batched, processes
from central.person_work import run as run_work
from central.publish_state import PublishState
from central.repository import FeedLayout, FeedRepository
from kiosk.card import load_card_private_key
from kiosk.errors import InvalidInputError, KioskError
from kiosk.feed.bundle import BundleHeader, BundleKind, BundleWriter, fleet_key_id
from kiosk.feed.names import INDEX_TARGET, bundle_name
from kiosk.files import exclusive
from kiosk.i18n import msg
from kiosk.keys import read_key_file
from kiosk.nik import normalise_nik

if TYPE_CHECKING:
    from central.postgres import DatabaseSource

MAX_REPORTED = 50
"""Bad rows listed one by one; the rest are only counted."""
RECOVERY_GAP = 1000
"""How far past the newest sequence it knows of a recovery numbers its snapshot.

The high-water mark knows every sequence published, unless the backup brought
an old copy of it back too; the gap then still covers up to this many lost
publishes. A kiosk looks each number in the gap up once, in well under a second.
"""


@dataclass(frozen=True)
class PublishResult:
    sequence: int | None
    """None when the file changed nothing and nothing was published."""
    kind: BundleKind | None
    upserted: int
    """Persons stored: new, changed, or with their cards signed again."""
    deleted: int
    """Persons removed: every row deleted, or no longer in the file."""
    members: int
    """Persons in the feed after the publish."""
    problems: list[RowProblem]
    invalid_rows: int
    pruned: list[str]


class PublishRefused(InvalidInputError):
    """The file has bad rows and ``--skip-invalid`` was not given; ``problems`` says which."""

    def __init__(self, problems: list[RowProblem], invalid_rows: int) -> None:
        super().__init__(msg("publish.invalid_rows", count=invalid_rows))
        self.problems = problems
        self.invalid_rows = invalid_rows


def publish(
    directory: Path,
    members: "Path | DatabaseSource",
    *,
    full: bool = False,
    skip_invalid: bool = False,
    recover: bool = False,
    now: datetime,
    workers: int | None = None,
) -> PublishResult:
    """``members`` is a file or the database; ``recover``, after restoring a backup of the
    feed, implies ``full``; ``workers``: processes for the persons' work, None for every
    core (:mod:`central.person_work`), 1 for this process alone."""
    repository = FeedRepository.open(directory)
    if not recover:
        repository.check_not_restored()
    full = full or recover
    layout = repository.layout
    fleet_key = read_key_file(layout.fleet_key).secret
    load_card_private_key(layout.card_private_key)  # one sentence here, not one per worker
    with _lock(layout), PublishState.open(layout.central, fleet_key) as state:
        _check_in_step(state, repository, full)
        if state.outdated:
            state.forget()
            full = True
        if recover:
            # Past any sequence a kiosk may hold, even one the restored state never saw.
            known = max(state.sequence or 0, repository.high_water["sequence"])
            state.sequence = known + RECOVERY_GAP
        changes = _Changes(state, layout.card_private_key, now, processes(workers))
        watermark = None
        if isinstance(members, Path):
            changes.read_file(members)
            complete = True
        else:
            since = None if full or state.sequence is None else state.watermark
            complete = since is None
            with closing(members.rows(since)) as lines:
                changes.read_rows(lines, complete=complete)
            watermark = members.watermark
        if changes.problems_count and not skip_invalid:
            raise PublishRefused(changes.problems, changes.problems_count)
        deleted = changes.absent(complete=complete)
        if not full and state.sequence is not None and not changes.count and not deleted:
            if watermark != state.watermark:
                state.commit_watermark(watermark)
            return PublishResult(
                None, None, 0, 0, state.members(), changes.problems, changes.problems_count, []
            )
        sequence = (state.sequence or 0) + 1
        kind = BundleKind.SNAPSHOT if full or state.sequence is None else BundleKind.DELTA
        new_state = secrets.token_hex(16)
        header_base = None if kind is BundleKind.SNAPSHOT else state.state
        outgoing = layout.central / "outgoing"
        outgoing.mkdir(mode=0o700, exist_ok=True)
        name = bundle_name(kind, sequence)
        path = outgoing / name
        changes.apply_to_state()
        records = state.members() if kind is BundleKind.SNAPSHOT else changes.count + deleted
        header = BundleHeader(
            kind, sequence, header_base, new_state, records, fleet_key_id(fleet_key), now
        )
        with path.open("wb") as out:
            writer = BundleWriter(out, fleet_key, header)
            if kind is BundleKind.SNAPSHOT:
                for nik, mother, body in state.entries():
                    writer.upsert(nik, mother, body)
            else:
                for nik, mother, body in changes.upserts():
                    writer.upsert(nik, mother, body)
                for nik in changes.deleted_niks():
                    writer.delete(nik)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        index_path = outgoing / INDEX_TARGET
        snapshot = sequence if kind is BundleKind.SNAPSHOT else state.snapshot
        index = {"latest": sequence, "state": new_state, "snapshot": snapshot}
        index_path.write_text(json.dumps(index, sort_keys=True))
        custom = {
            "kind": str(kind),
            "sequence": sequence,
            "base": header_base,
            "state": new_state,
            "records": records,
        }
        pruned = _superseded(repository) if kind is BundleKind.SNAPSHOT else []
        repository.high_water.raise_to(sequence=sequence)
        repository.publish(
            [(name, path, custom), (INDEX_TARGET, index_path, index)],
            pruned,
            now,
            recover=recover,
        )
        state.commit(sequence, new_state, snapshot, watermark)
        path.unlink()
        index_path.unlink()
        return PublishResult(
            sequence,
            kind,
            changes.count,
            deleted,
            state.members(),
            changes.problems,
            changes.problems_count,
            pruned,
        )


def _check_in_step(state: PublishState, repository: FeedRepository, full: bool) -> None:
    """The feed and the publisher's state must agree on the newest sequence."""
    index = repository.targets().get(INDEX_TARGET)
    published = None if index is None else index.custom.get("latest")
    if published != state.sequence and not full:
        raise KioskError(msg("publish.out_of_step", feed=published, state=state.sequence))
    if full and published is not None and (state.sequence or 0) < int(str(published)):
        # Recovering from a crash between the feed and the state: continue its numbering.
        state.sequence = int(str(published))


def _superseded(repository: FeedRepository) -> list[str]:
    """Bundles a new snapshot makes unnecessary: every earlier snapshot and delta."""
    return [name for name in repository.targets() if name.endswith(".bundle")]


@contextmanager
def _lock(layout: FeedLayout) -> Iterator[None]:
    layout.central.mkdir(mode=0o700, exist_ok=True)
    busy = KioskError(msg("publish.busy", path=layout.root))
    with exclusive((layout.central / "publish.lock").open("a"), busy):
        yield


class _Changes:
    """The publisher's side of reading the rows: grouped by person, handed to the workers
    (:mod:`central.person_work`), their outcome held in temporary tables.

    The diff is per person: a person's entry is their whole record, so a
    change to any of their memberships stores the person again, with a card
    signed anew for each membership.
    """

    def __init__(self, state: PublishState, card_key: Path, now: datetime, processes: int) -> None:
        self._state = state
        self._card_key = card_key
        self._now = now
        self._processes = processes
        self.problems: list[RowProblem] = []
        """The first :data:`MAX_REPORTED` by line."""
        self.problems_count = 0
        self.count = 0
        self._gone_niks: list[bytes] = []
        db = state.db
        with state.errors():
            db.execute("CREATE TEMP TABLE seen (key BLOB PRIMARY KEY) WITHOUT ROWID")
            # Each person comes once (they are grouped by NIK), so no key needs an index:
            # a sealed entry of a kilobyte or more inserts six times faster in a rowid table.
            db.execute(
                "CREATE TEMP TABLE changed (key BLOB, digest BLOB, card_expires INTEGER, "
                "sealed BLOB)"
            )
            db.execute("CREATE TEMP TABLE gone (key BLOB PRIMARY KEY) WITHOUT ROWID")
            db.execute("CREATE TEMP TABLE claims (kpj BLOB, line INTEGER, key BLOB)")

    def read_file(self, path: Path) -> None:
        """A whole file: its rows may name a person anywhere, so they are grouped whole."""
        persons: dict[object, PersonRows] = {}
        for line, row in member_rows(path):
            if isinstance(row, RowProblem):
                self._problem(row)
            else:
                persons.setdefault(_person_of(row, line), []).append((line, pickle.dumps(row)))
        self._run(persons.values(), complete=True, claims=True)
        self._check_claims()

    def read_rows(self, lines: Iterator[Line], *, complete: bool) -> None:
        """Rows ordered by NIK, one person at a time; ``complete`` when they are every person.

        Only the persons in the workers' hands are held in memory. Without
        ``complete`` a person the rows do not name is left as published, and
        one whose rows are all deleted goes.
        """
        self._run(self._contiguous(lines), complete=complete, claims=False)

    def _contiguous(self, lines: Iterator[Line]) -> Iterator[PersonRows]:
        rows: PersonRows = []
        current: object = None
        for line, row in lines:
            if isinstance(row, RowProblem):
                self._problem(row)
                continue
            nik = row.get("nik")
            if rows and nik != current:
                yield rows
                rows = []
            current = nik
            rows.append((line, pickle.dumps(row)))
        if rows:
            yield rows

    def _run(self, persons: Iterable[PersonRows], *, complete: bool, claims: bool) -> None:
        state = self._state
        # A state forgotten in this transaction is still whole to the workers' connections.
        published = None if state.forgotten else state.path
        work = Work(state.keys.key, self._card_key, self._now, published, claims, complete)
        db = state.db
        with state.errors():
            for done in run_work(work, batched(persons), self._processes):
                db.executemany("INSERT OR IGNORE INTO seen (key) VALUES (?)", _one(done.seen))
                db.executemany(
                    "INSERT INTO changed (key, digest, card_expires, sealed) VALUES (?, ?, ?, ?)",
                    done.changed,
                )
                db.executemany("INSERT OR IGNORE INTO gone (key) VALUES (?)", _one(done.gone))
                db.executemany("INSERT INTO claims (kpj, line, key) VALUES (?, ?, ?)", done.claims)
                self.count += len(done.changed)
                for problem in done.problems:
                    self._problem(problem)

    def _check_claims(self) -> None:
        """A KPJ claimed by two persons' rows is neither's: both are held, as they were
        published, and each later row is reported against the first."""
        db = self._state.db
        held: set[bytes] = set()
        with self._state.errors():
            first: tuple[bytes, int, bytes] | None = None
            for kpj, line, key in db.execute(
                "SELECT kpj, line, key FROM claims WHERE kpj IN "
                "(SELECT kpj FROM claims GROUP BY kpj HAVING count(DISTINCT key) > 1) "
                "ORDER BY kpj, line"
            ).fetchall():
                if first is None or first[0] != kpj:
                    first = (kpj, line, key)
                elif key != first[2]:
                    held.update((key, first[2]))
                    self._problem(
                        RowProblem(
                            line, "kpj", msg("row.kpj_elsewhere", column="kpj", first=first[1])
                        )
                    )
            db.execute("CREATE TEMP TABLE held (key BLOB PRIMARY KEY) WITHOUT ROWID")
            db.executemany("INSERT INTO held (key) VALUES (?)", _one(sorted(held)))
            self.count -= db.execute(
                "DELETE FROM changed WHERE key IN (SELECT key FROM held)"
            ).rowcount

    def _problem(self, problem: RowProblem) -> None:
        self.problems_count += 1
        insort(self.problems, problem, key=_line)
        del self.problems[MAX_REPORTED:]

    def absent(self, *, complete: bool) -> int:
        """How many persons go: those with every row deleted, or, when the rows were every
        person's, whom they no longer name."""
        db = self._state.db
        with self._state.errors():
            if complete:
                db.execute(
                    "INSERT OR IGNORE INTO gone (key) "
                    "SELECT key FROM members WHERE key NOT IN (SELECT key FROM seen)"
                )
            count: int = db.execute(
                "SELECT count(*) FROM gone WHERE key IN (SELECT key FROM members)"
            ).fetchone()[0]
        return count

    def apply_to_state(self) -> None:
        """Move the changes into the state, uncommitted until the feed names the bundle."""
        db = self._state.db
        with self._state.errors():
            db.execute("DELETE FROM gone WHERE key NOT IN (SELECT key FROM members)")
            self._gone_niks = [
                self._state.open_entry(key, sealed)[0]
                for key, sealed in db.execute(
                    "SELECT key, sealed FROM members WHERE key IN (SELECT key FROM gone)"
                )
            ]
            db.execute("DELETE FROM members WHERE key IN (SELECT key FROM gone)")
            db.execute(
                "INSERT OR REPLACE INTO members "
                "SELECT key, digest, card_expires, sealed FROM changed"
            )

    def upserts(self) -> Iterator[tuple[bytes, bytes, bytes]]:
        with self._state.errors():
            for key, sealed in self._state.db.execute("SELECT key, sealed FROM changed"):
                yield self._state.open_entry(key, sealed)

    def deleted_niks(self) -> list[bytes]:
        return self._gone_niks


def _person_of(row: Row, line: int) -> object:
    """Which person a row is grouped with: its NIK as the checks will read it; a row with no
    NIK text at all is a person of its own, and fails its checks alone."""
    nik = row.get("nik")
    return normalise_nik(nik) if isinstance(nik, str) else line


def _one(keys: list[bytes]) -> Iterator[tuple[bytes]]:
    return ((key,) for key in keys)


def _line(problem: RowProblem) -> int:
    return problem.line
