"""The local cache of member records: SQLite, every record sealed.

Nothing personal reaches the file, its WAL or its journal in plaintext, and
deleted rows are overwritten (``secure_delete``). A cache is bound to one
master key by its key check value: a wrong key is refused before anything is
written, never taken as an empty second set of rows.
"""

import hmac
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Self

from kiosk.cache.schema import create_members_table, migrations
from kiosk.cache.sealing import (
    MotherVerifier,
    RecordSealer,
    unwrap_secret,
    wrap_secret,
)
from kiosk.clock import system_clock
from kiosk.errors import CacheCorruptError, CacheError, CacheMissingError, WrongKeyError
from kiosk.feed.bundle import Entry
from kiosk.files import fsync_directory
from kiosk.i18n import msg
from kiosk.keys import MasterKey, Subkeys
from kiosk.member import Person
from kiosk.record import NO_MOTHER, encode_body, join_record, nik_of
from kiosk.sizes import sqlite_files
from kiosk.sqlite import Failure, Failures, atomic, database_errors, open_database

BATCH = 10_000
"""Members sealed and written per statement batch; sorted by row key within it."""
BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another to finish before saying the cache is busy."""
PAGE_CACHE_KIB = 32 * 1024
"""SQLite's page cache per connection: also the most a commit still has to write to the WAL."""
PART_BYTES = 256 * 1024 * 1024
"""A snapshot loads in parts of about this many bytes of records, each committed as it is
done: a load cut short resumes from its last part, and the WAL is checkpointed between
parts rather than holding the whole new table. A commit writes every page its part
dirtied, and in the blind index's random order small parts write the same pages again and
again: a 1,000,000-member first load took 66.2 s in parts of 32 MiB, 47.9 s in parts of
256 MiB and 45.1 s in one transaction. The frames stream through: a part is never held."""
_WAL_FRAME_HEADER = 24
_VERIFIER = b"verifier-key"
PRAGMAS = (  # The benchmark's plain-SQLite baselines use these too.
    "PRAGMA secure_delete = ON",
    "PRAGMA synchronous = FULL",
    "PRAGMA temp_store = MEMORY",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    f"PRAGMA cache_size = -{PAGE_CACHE_KIB}",
    "PRAGMA trusted_schema = OFF",
)
_DELETE = "DELETE FROM {table} WHERE bidx = ?"
_UPSERT = (
    "INSERT INTO {table} (bidx, record) VALUES (?, ?) "
    "ON CONFLICT (bidx) DO UPDATE SET record = excluded.record"
)

_FAILURES = Failures(
    # A failure's value ends its message key: cache.disk_full, cache.busy, ...
    keys={kind: f"cache.{kind}" for kind in Failure},
    error=CacheError,
    corrupt=CacheCorruptError,
)


@dataclass(frozen=True)
class FeedCursor:
    """The feed state the cache holds: applied together with the records it describes."""

    sequence: int
    state: str
    synced_at: datetime
    """When a sync last brought or confirmed this state: how fresh the data is."""


@dataclass(frozen=True)
class ApplyResult:
    upserted: int
    deleted: int
    total: int | None
    """Members in the cache afterwards, counted after a snapshot only: a count is a full scan."""


@dataclass(frozen=True)
class IntegrityReport:
    checked: int
    bad: list[str]
    """The first hex digits of each damaged row's blind index: a keyed hash, nothing personal."""


class _Part:
    """The next frames of a snapshot until their bodies reach ``budget`` bytes or it ends,
    counted as they are read; ``frames`` is 0 once the snapshot has ended."""

    def __init__(self, stream: Iterator[Sequence[Entry]], budget: int) -> None:
        self._stream = stream
        self._budget = budget
        self.frames = 0

    def __iter__(self) -> Iterator[Sequence[Entry]]:
        size = 0
        for frame in self._stream:
            self.frames += 1
            yield frame
            size += sum(len(body) for _, _, body in frame if body)
            if size >= self._budget:
                return


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    key_id: str
    schema_version: int
    records: int
    cursor: FeedCursor | None
    created_at: datetime
    file_sizes: dict[str, int]
    loading: tuple[str, int] | None
    """A snapshot's load cut short: the bundle and the records of it stored, which the next
    sync keeps."""


class Cache:
    """Open one with :meth:`open` or :meth:`create`; close it, or use it as a context."""

    def __init__(
        self, path: Path, db: sqlite3.Connection, keys: Subkeys, verifier_key: bytes
    ) -> None:
        self.path = path
        self._db = db
        self._keys = keys
        self._sealer = RecordSealer(keys)
        self._verifier_key = verifier_key
        self.verifier = MotherVerifier(verifier_key)

    @classmethod
    def create(cls, path: Path, master: MasterKey) -> Self:
        """Build a new cache beside its place and move it in whole: no half-made cache."""
        if path.exists():
            raise CacheError(msg("cache.exists", path=path))
        fresh = path.with_name(path.name + ".new")
        for leftover in sqlite_files(fresh):
            leftover.unlink(missing_ok=True)
        keys = master.subkeys()
        with database_errors(path, _FAILURES):
            db = open_database(fresh, "rwc", PRAGMAS)
            try:
                # Sealed or not, the records are nobody else's business; the WAL
                # and shared-memory files take the database file's mode.
                fresh.chmod(0o600)
                migrations.apply(db)
                with atomic(db):
                    meta = {
                        "key_check": keys.check,
                        "verifier_key": wrap_secret(keys, secrets.token_bytes(32), _VERIFIER),
                        "created_at": system_clock().isoformat().encode(),
                    }
                    db.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
            finally:
                db.close()
        os.replace(fresh, path)
        fsync_directory(path.parent)
        return cls.open(path, master)

    @classmethod
    def open(cls, path: Path, master: MasterKey) -> Self:
        if not path.exists():
            raise CacheMissingError(msg("cache.missing", path=path))
        keys = master.subkeys()
        with database_errors(path, _FAILURES):
            db = open_database(path, "rw", PRAGMAS)
            try:
                meta = _read_meta(db, path)
                stored = meta["key_check"]
                if not hmac.compare_digest(stored, keys.check):
                    raise WrongKeyError(
                        msg(
                            "cache.wrong_key",
                            path=path,
                            expected=stored[:8].hex(),
                            given=keys.key_id,
                        )
                    )
                verifier_key = unwrap_secret(keys, meta["verifier_key"], _VERIFIER)
                migrations.apply(db)
            except BaseException:
                db.close()
                raise
        return cls(path, db, keys, verifier_key)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def key_id(self) -> str:
        return self._keys.key_id

    @property
    def audit_key(self) -> bytes:
        """The key of the NIK hashes in the audit log (:func:`kiosk.audit.member_tag`)."""
        return self._keys.audit

    def get(self, nik: str) -> Person | None:
        """Expects the normalised 16-digit NIK (see ``kiosk.nik``)."""
        index = self._sealer.blind_index(nik)
        with database_errors(self.path, _FAILURES):
            row = self._db.execute("SELECT record FROM members WHERE bidx = ?", [index]).fetchone()
        return None if row is None else self._sealer.open(index, row[0])

    def apply(self, persons: Iterable[Person], cursor: FeedCursor | None = None) -> ApplyResult:
        """Store and delete members, and move the cursor, in one transaction: all or nothing.

        Within the stream the last word on a NIK wins, as in the feed it comes from.
        """
        seal = self._sealer
        rows = (
            (
                seal.blind_index(person.nik),
                None if person.deleted else join_record(person.mother_hash, encode_body(person)),
            )
            for person in persons
        )
        return self._apply(rows, cursor)

    def apply_feed(self, frames: Iterable[Sequence[Entry]], cursor: FeedCursor) -> ApplyResult:
        """Apply a delta bundle's entries with its cursor in one transaction.

        Entries are re-sealed as they come, without parsing their bodies: this and
        :meth:`load_snapshot` are the sync's hot path.
        """
        return self._apply(self._feed_rows(frames), cursor)

    def load_snapshot(
        self, frames: Iterable[Sequence[Entry]], cursor: FeedCursor, bundle: str
    ) -> ApplyResult:
        """Build the members table anew from a snapshot bundle, then swap it in with its cursor.

        The new table fills in parts of :data:`PART_BYTES`, each committed with
        the count of frames it brings the load to. Until the swap the kiosk
        serves what it had (or nothing yet, on a first load); a load cut short
        at any instant resumes with the same bundle from its last part, the
        frames before it read and authenticated again but not stored again. ``bundle``
        names the snapshot and its state: a newer snapshot of the same sequence is another.
        """
        upserted = deleted = 0
        with database_errors(self.path, _FAILURES):
            done = self._resume_point(bundle)
            stream = iter(frames)
            for _ in islice(stream, done):
                pass
            while True:
                part = _Part(stream, PART_BYTES)
                with atomic(self._db):
                    stored, removed = self._store(self._feed_rows(part), "members_next")
                    done += part.frames
                    self._db.execute("UPDATE snapshot_load SET frames = ?", [done])
                    self._check_room()
                upserted, deleted = upserted + stored, deleted + removed
                if not part.frames:
                    break
            with atomic(self._db):
                self._db.execute("DROP TABLE members")
                self._db.execute("ALTER TABLE members_next RENAME TO members")
                self._db.execute("DELETE FROM snapshot_load")
                self._set_cursor(cursor)
                total = self._count()
                self._check_room()
        self.checkpoint()
        return ApplyResult(upserted, deleted, total)

    def _resume_point(self, bundle: str) -> int:
        """Frames of ``bundle`` already in ``members_next``; 0 after starting it afresh."""
        row = self._pending_load()
        if row is not None and row[0] == bundle:
            return row[1]
        with atomic(self._db):
            self._db.execute("DROP TABLE IF EXISTS members_next")
            create_members_table(self._db, "members_next")
            self._db.execute(
                "INSERT OR REPLACE INTO snapshot_load (id, bundle, frames) VALUES (1, ?, 0)",
                [bundle],
            )
        return 0

    def _feed_rows(self, frames: Iterable[Sequence[Entry]]) -> Iterator[tuple[bytes, bytes | None]]:
        index = self._sealer.blind_index_bytes
        mother_hash = self.verifier.digest_normalised
        return (
            (
                index(nik),
                (mother_hash(mother) if mother else NO_MOTHER) + body if body else None,
            )
            for frame in frames
            for nik, mother, body in frame
        )

    def _apply(
        self,
        rows: Iterable[tuple[bytes, bytes | None]],
        cursor: FeedCursor | None,
    ) -> ApplyResult:
        """``rows`` are (blind index, stored plaintext or None to delete)."""
        with database_errors(self.path, _FAILURES), atomic(self._db):
            upserted, deleted = self._store(rows, "members")
            if cursor is not None:
                self._set_cursor(cursor)
            self._check_room()
        self.checkpoint()
        return ApplyResult(upserted, deleted, None)

    def _store(self, rows: Iterable[tuple[bytes, bytes | None]], table: str) -> tuple[int, int]:
        """Seal and write ``rows`` in sorted batches; how many were stored and removed."""
        upserted = deleted = 0
        seal = self._sealer.seal_plain
        stream = iter(rows)
        while batch := list(islice(stream, BATCH)):
            ordered = sorted(dict(batch).items())
            upserts = [(index, seal(index, plain)) for index, plain in ordered if plain]
            gone = [(index,) for index, plain in ordered if plain is None]
            if upserts:
                self._db.executemany(_UPSERT.format(table=table), upserts)
                upserted += len(upserts)
            if gone:
                deleted += self._db.executemany(_DELETE.format(table=table), gone).rowcount
        return upserted, deleted

    def _set_cursor(self, cursor: FeedCursor) -> None:
        self._db.execute(
            "INSERT INTO feed_cursor (id, sequence, state, synced_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, "
            "state = excluded.state, synced_at = excluded.synced_at",
            [cursor.sequence, cursor.state, cursor.synced_at.isoformat()],
        )

    def persons(self) -> Iterator[Person]:
        """Every record, opened: a damaged one raises :class:`CacheCorruptError`."""
        with database_errors(self.path, _FAILURES):
            for index, sealed in self._db.execute("SELECT bidx, record FROM members"):
                yield self._sealer.open(index, sealed)

    def count(self) -> int:
        with database_errors(self.path, _FAILURES):
            return self._count()

    def check_records(self, progress: Callable[[int, int], None] | None = None) -> IntegrityReport:
        """Open every record; report the damaged ones instead of stopping at the first.

        ``progress`` hears (checked, total) after each batch.
        """
        checked = 0
        bad: list[str] = []
        with database_errors(self.path, _FAILURES):
            total = self._count()
            rows = self._db.execute("SELECT bidx, record FROM members")
            while batch := rows.fetchmany(BATCH):
                for index, sealed in batch:
                    try:
                        self._sealer.open(index, sealed)
                    except CacheCorruptError:
                        bad.append(bytes(index)[:6].hex())
                checked += len(batch)
                if progress is not None:
                    progress(checked, total)
        return IntegrityReport(checked, bad)

    def _count(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM members").fetchone()[0]
        return count

    def cursor(self) -> FeedCursor | None:
        with database_errors(self.path, _FAILURES):
            row = self._db.execute(
                "SELECT sequence, state, synced_at FROM feed_cursor WHERE id = 1"
            ).fetchone()
        if row is None:
            return None
        return FeedCursor(row[0], row[1], datetime.fromisoformat(row[2]))

    def confirm_current(self, at: datetime) -> None:
        """Record that the feed had nothing newer at ``at``: the data is that fresh."""
        with database_errors(self.path, _FAILURES), atomic(self._db):
            self._db.execute("UPDATE feed_cursor SET synced_at = ? WHERE id = 1", [at.isoformat()])
        self.checkpoint()

    def info(self) -> CacheInfo:
        with database_errors(self.path, _FAILURES):
            meta = _read_meta(self._db, self.path)
            version = len(migrations.applied(self._db))
        return CacheInfo(
            path=self.path,
            key_id=self.key_id,
            schema_version=version,
            records=self.count(),
            cursor=self.cursor(),
            created_at=datetime.fromisoformat(meta["created_at"].decode()),
            file_sizes={
                file.name: file.stat().st_size for file in sqlite_files(self.path) if file.exists()
            },
            loading=self._loading(),
        )

    def _pending_load(self) -> tuple[str, int] | None:
        """The bundle and frames of a snapshot load cut short, while its table is still there."""
        row = self._db.execute(
            "SELECT bundle, frames FROM snapshot_load WHERE EXISTS "
            "(SELECT 1 FROM sqlite_master WHERE name = 'members_next')"
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def _loading(self) -> tuple[str, int] | None:
        with database_errors(self.path, _FAILURES):
            row = self._pending_load()
            if row is None:
                return None
            count = self._db.execute("SELECT count(*) FROM members_next").fetchone()[0]
        return row[0].split()[0], int(count)

    def rekey(self, master: MasterKey) -> int:
        """Re-seal every record under a new master key in one transaction; returns the count.

        Row keys change with the index key, so the records move to a new table that
        replaces the old one; the old pages are overwritten as they are freed.
        """
        keys = master.subkeys()
        sealer = RecordSealer(keys)
        count = 0
        with database_errors(self.path, _FAILURES), atomic(self._db):
            # A snapshot's load cut short was sealed under the old key: it starts again.
            self._db.execute("DELETE FROM snapshot_load")
            self._db.execute("DROP TABLE IF EXISTS members_next")
            create_members_table(self._db, "members_next")
            rows = self._db.execute("SELECT bidx, record FROM members")
            while batch := rows.fetchmany(BATCH):
                plain = [self._sealer.open_plain(index, sealed) for index, sealed in batch]
                ordered = sorted((sealer.blind_index(nik_of(record)), record) for record in plain)
                self._db.executemany(
                    "INSERT INTO members_next (bidx, record) VALUES (?, ?)",
                    [(index, sealer.seal_plain(index, record)) for index, record in ordered],
                )
                count += len(ordered)
            self._db.execute("DROP TABLE members")
            self._db.execute("ALTER TABLE members_next RENAME TO members")
            self._db.executemany(
                "UPDATE meta SET value = ? WHERE name = ?",
                [
                    (keys.check, "key_check"),
                    (wrap_secret(keys, self._verifier_key, _VERIFIER), "verifier_key"),
                ],
            )
            self._check_room()
        self._keys, self._sealer = keys, sealer
        self.checkpoint()
        return count

    def _check_room(self) -> None:
        """Refuse, before COMMIT, a transaction the disk has no room to finish.

        What the commit still writes to the WAL (the dirty pages: no more than
        the page cache holds, nor than the database has) and what the checkpoint
        then adds to the file must fit. A commit whose checkpoint runs out of
        room would leave the new state committed in a WAL the disk cannot take
        back; refused here, the transaction leaves the previous state.
        """
        page_size = int(self._db.execute("PRAGMA page_size").fetchone()[0])
        size = int(self._db.execute("PRAGMA page_count").fetchone()[0]) * page_size
        dirty = min(PAGE_CACHE_KIB * 1024, size) // page_size * (page_size + _WAL_FRAME_HEADER)
        growth = max(0, size - self.path.stat().st_size)
        if shutil.disk_usage(self.path.parent).free < dirty + growth:
            raise CacheError(msg("cache.disk_full", path=self.path))

    def checkpoint(self) -> None:
        """Move the WAL into the file and empty it, so that it keeps no overwritten pages.

        It does not wait for readers: while one holds an old snapshot (a member's
        lookup) the WAL stays as it is, sealed records only, until the next write.
        """
        with database_errors(self.path, _FAILURES):
            self._db.execute("PRAGMA busy_timeout = 0")
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _read_meta(db: sqlite3.Connection, path: Path) -> dict[str, bytes]:
    """The cache's own settings; a file without them is not a kiosk cache."""
    applied = set(migrations.applied(db))
    if applied - set(migrations.names()):
        raise CacheError(msg("cache.too_new", path=path))
    if not applied:
        raise CacheCorruptError(msg("cache.not_a_cache", path=path))
    meta = {name: bytes(value) for name, value in db.execute("SELECT name, value FROM meta")}
    if not {"key_check", "verifier_key", "created_at"} <= meta.keys():
        raise CacheCorruptError(msg("cache.not_a_cache", path=path))
    return meta
