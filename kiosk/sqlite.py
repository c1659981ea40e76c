"""A kiosk database, opened and failing one way: the cache, the state file, the publish state.

Opened by URI (so ``mode=rw`` refuses to create a file by accident), shareable
between threads that take turns, with the caller's pragmas, in WAL mode, and in
autocommit: a statement outside :func:`atomic` is its own transaction. Its
failures become one plain sentence from the database's own table of message
keys; none of them carries a record.
"""

import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kiosk.errors import KioskError, disk_full
from kiosk.i18n import msg


def open_database(path: Path, mode: str, pragmas: Iterable[str]) -> sqlite3.Connection:
    """``mode``: SQLite's URI mode, ``rw`` or ``rwc``. The connection is closed on failure."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode={mode}"
    # The owner serialises access: handed between threads (the UI's workers), used by one.
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        for pragma in pragmas:
            db.execute(pragma)
        db.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def atomic(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One transaction: committed at the end of the block, rolled back if it raises."""
    db.execute("BEGIN")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # A failure such as SQLITE_FULL may have rolled the transaction back already.
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


class Failure(StrEnum):
    """What went wrong, as the person who must fix it sees it; the values end message keys."""

    DISK_FULL = "disk_full"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"
    CORRUPT = "corrupt"


def failure(error: sqlite3.DatabaseError | OSError) -> tuple[Failure, str]:
    """The kind of failure and the short reason a message shows (SQLite's or the OS's name)."""
    if disk_full(error):
        return Failure.DISK_FULL, ""
    if isinstance(error, OSError):
        return Failure.UNAVAILABLE, error.strerror or type(error).__name__
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return Failure.BUSY, name
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_IOERR")):
        return Failure.UNAVAILABLE, name
    return Failure.CORRUPT, name or "?"


@dataclass(frozen=True)
class Failures:
    """How one database tells its failures: a message key for each kind, the errors to raise."""

    keys: Mapping[Failure, str]
    error: type[KioskError]
    corrupt: type[KioskError]
    """Raised for :attr:`Failure.CORRUPT`, so that a caller can offer to rebuild."""


@contextmanager
def database_errors(path: Path, failures: Failures) -> Iterator[None]:
    """SQLite's and the OS's failures as one sentence; programming errors stay what they are."""
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        kind, reason = failure(exc)
        raised = failures.corrupt if kind is Failure.CORRUPT else failures.error
        raise raised(msg(failures.keys[kind], path=path, reason=reason)) from None
