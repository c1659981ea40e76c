"""Opening a kiosk database: the cache and the state file connect the same way.

By URI (so ``mode=rw`` refuses to create a file by accident), shareable between
threads that take turns, with the caller's pragmas, in WAL mode.
"""

import sqlite3
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database


def open_database(path: Path, mode: str, pragmas: Iterable[str]) -> Database:
    """``mode``: SQLite's URI mode, ``rw`` or ``rwc``. The connection is closed on failure."""
    uri = f"file:{urllib.parse.quote(str(path))}?mode={mode}"
    # The owner serialises access: handed between threads (the UI's workers), used by one.
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    db = Database(connection, recursive_triggers=False, execute_plugins=False)
    try:
        for pragma in pragmas:
            db.execute(pragma)
        db.enable_wal()
    except BaseException:
        db.close()
        raise
    return db
