"""The kiosk's own state: the audit log and the settings staff change, in one SQLite file.

It lives apart from the member cache, which a snapshot sync or a rebuild may
replace: the audit log and the abuse counters it holds must survive both, and
a restart. Nothing personal is stored here; members appear only as keyed hashes.
Every method may be called from any thread: one lock serialises them.
"""

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.errors import StateError
from kiosk.migrations import Migrations
from kiosk.sizes import sqlite_size
from kiosk.sqlite import Failure, Failures, atomic, database_errors, open_database

migrations = Migrations("kiosk-state")
Params = Sequence[Any] | dict[str, Any]
_PRAGMAS = (
    "PRAGMA secure_delete = ON",
    # A power cut may lose the last few events, never the file: WAL stays consistent.
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA trusted_schema = OFF",
)

_FAILURES = Failures(
    # A failure's value ends its message key: state.disk_full, state.busy, ...
    keys={kind: f"state.{kind}" for kind in Failure},
    error=StateError,
    corrupt=StateError,
)


@migrations()
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kiosk TEXT NOT NULL,
            event TEXT NOT NULL,
            outcome TEXT NOT NULL,
            member TEXT,
            detail TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX audit_at ON audit (at)")
    db.execute("CREATE INDEX audit_subject ON audit (event, member, at)")
    db.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


class StateStore:
    """Opens (and creates) its file on first use, so that a broken one is a reason on screen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _open_locked(self) -> sqlite3.Connection:
        if self._db is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            db = open_database(self.path, "rw", _PRAGMAS)
            try:
                migrations.apply(db)
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self._lock, database_errors(self.path, _FAILURES):
            return list(self._open_locked().execute(sql, params).fetchall())

    def write(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        with self._lock, database_errors(self.path, _FAILURES):
            db = self._open_locked()
            with atomic(db):
                changed: int = db.execute(sql, params).rowcount
            return changed

    def setting(self, name: str) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE name = ?", [name])
        return str(rows[0][0]) if rows else None

    def set_setting(self, name: str, value: str) -> None:
        self.write(
            "INSERT INTO settings (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [name, value],
        )

    def size(self) -> int:
        """Bytes on disk, with the WAL."""
        return sqlite_size(self.path)
