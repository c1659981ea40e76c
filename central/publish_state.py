"""What the publisher last published: ``central/state.db``, one keyed, sealed row per person.

Each row holds a keyed hash of the NIK, a keyed digest of the person's record,
the expiry of their cards and their feed entry sealed under a key derived from
the fleet key: no NIK, name or balance in the clear, and a snapshot rebuilt
from it needs no card signed again. The state names the record version and
bundle format its entries are in, so that a publisher of a newer layout knows
to start again from a snapshot. A publish is one transaction; the database's
failures are one sentence for the operator, as the kiosk's are.
"""

import hmac
import os
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import KioskError
from kiosk.feed.bundle import FORMAT
from kiosk.i18n import msg
from kiosk.keys import derive_key
from kiosk.record import RECORD_VERSION
from kiosk.sqlite import Failure, Failures, database_errors, open_database

_NONCE = 12
_U16 = struct.Struct(">H")
_PRAGMAS = (
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = FILE",
)
_LAYOUT = {"record_version": str(RECORD_VERSION), "bundle_format": str(FORMAT)}
"""What the entries are: a state without these (written before they were kept) is outdated."""
_FAILURES = Failures(
    # A failure's value ends its message key: publish.state_disk_full, publish.state_busy, ...
    keys={kind: f"publish.state_{kind}" for kind in Failure},
    error=KioskError,
    corrupt=KioskError,
)


class StateKeys:
    """The state's keyed NIKs, digests and sealing: all a worker process needs of the state."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._aead = AESGCM(key)

    def keyed(self, nik: bytes) -> bytes:
        return hmac.digest(self.key, b"nik:" + nik, "sha256")[:16]

    def digest(self, data: bytes) -> bytes:
        return hmac.digest(self.key, b"row:" + data, "sha256")[:16]

    def seal(self, key: bytes, nik: bytes, mother: bytes, body: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        plain = nik + _U16.pack(len(mother)) + mother + body
        return nonce + self._aead.encrypt(nonce, plain, key)

    def unseal(self, key: bytes, sealed: bytes) -> tuple[bytes, bytes, bytes] | None:
        """The entry's NIK, mother's name and body; None when the key does not open it."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], key)
        except InvalidTag:
            return None
        (size,) = _U16.unpack_from(plain, 16)
        return plain[:16], plain[18 : 18 + size], plain[18 + size :]


class PublishState:
    """What the feed holds now, keyed and sealed; one transaction per publish."""

    def __init__(self, db: sqlite3.Connection, key: bytes, path: Path) -> None:
        self.db = db
        self.path = path
        self.keys = StateKeys(key)
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        self.sequence: int | None = int(meta["sequence"]) if "sequence" in meta else None
        self.state: str | None = meta.get("state")
        self.snapshot: int | None = int(meta["snapshot"]) if "snapshot" in meta else None
        self.watermark: str | None = meta.get("watermark")
        """The database snapshot the last publish from PostgreSQL read in; None after a file."""
        self.outdated = self.sequence is not None and any(
            meta.get(name) != value for name, value in _LAYOUT.items()
        )
        """Its entries are of another record layout or bundle format than this publisher's."""
        self.forgotten = False
        """Its entries are dropped in this transaction: other connections still see them."""

    @classmethod
    @contextmanager
    def open(cls, directory: Path, fleet_key: bytes) -> Iterator["PublishState"]:
        """The state in ``directory`` (the feed's ``central/``), created private if new."""
        path = directory / "state.db"
        with database_errors(path, _FAILURES):
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            db = open_database(path, "rw", _PRAGMAS)
        try:
            with database_errors(path, _FAILURES):
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS members (key BLOB PRIMARY KEY, "
                    "digest BLOB NOT NULL, card_expires INTEGER NOT NULL, sealed BLOB NOT NULL) "
                    "WITHOUT ROWID"
                )
                db.execute("BEGIN IMMEDIATE")
                state = cls(db, derive_key(fleet_key, "central-state"), path)
            try:
                yield state
            finally:
                with database_errors(path, _FAILURES):
                    db.rollback()
        finally:
            db.close()

    def errors(self) -> AbstractContextManager[None]:
        """Around a use of :attr:`db`: its failures become the publisher's sentences."""
        return database_errors(self.path, _FAILURES)

    def open_entry(self, key: bytes, sealed: bytes) -> tuple[bytes, bytes, bytes]:
        entry = self.keys.unseal(key, sealed)
        if entry is None:
            raise KioskError(msg("publish.state_key", path=self.path))
        return entry

    def entries(self) -> Iterator[tuple[bytes, bytes, bytes]]:
        with self.errors():
            for key, sealed in self.db.execute("SELECT key, sealed FROM members"):
                yield self.open_entry(key, sealed)

    def members(self) -> int:
        with self.errors():
            count: int = self.db.execute("SELECT count(*) FROM members").fetchone()[0]
        return count

    def forget(self) -> None:
        """Drop every entry (within the publish's transaction): the next bundle is a snapshot."""
        with self.errors():
            self.db.execute("DELETE FROM members")
        self.forgotten = True

    def commit(
        self, sequence: int, state: str, snapshot: int | None, watermark: str | None
    ) -> None:
        with self.errors():
            self._set_watermark(watermark)
            self.db.executemany(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                [
                    ("sequence", str(sequence)),
                    ("state", state),
                    ("snapshot", str(snapshot)),
                    *_LAYOUT.items(),
                ],
            )
            self.db.execute("COMMIT")

    def commit_watermark(self, watermark: str | None) -> None:
        """Nothing was published, but the rows up to ``watermark`` are read: keep only that."""
        with self.errors():
            self._set_watermark(watermark)
            self.db.execute("COMMIT")

    def _set_watermark(self, watermark: str | None) -> None:
        if watermark is None:
            self.db.execute("DELETE FROM meta WHERE name = 'watermark'")
        else:
            self.db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('watermark', ?)", (watermark,)
            )
