"""The stores the kiosk is compared with: plain SQLite, and SQLCipher when it is installed.

Each holds the feed's rows as they come, with no crypto of its own (plain
SQLite) or with page encryption (SQLCipher, the peer a user might pick), and
the cache's own pragmas: the difference is what fetching, verifying and
sealing add.
"""

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devtools.bench.options import BenchLayout

# The baselines use the cache's own settings, by construction, so only the crypto differs.
from kiosk.cache.store import PRAGMAS as CACHE_PRAGMAS

PLAIN = "plain SQLite"
SQLCIPHER = "SQLCipher"

Connect = Callable[[Path], sqlite3.Connection]


@dataclass(frozen=True)
class Baseline:
    """A store to compare with: how to open it, and where."""

    label: str
    connect: Connect
    path: Path

    def connected(self) -> sqlite3.Connection:
        """Opened as the kiosk opens its cache: WAL and the same pragmas, no implicit BEGIN."""
        db = self.connect(self.path)
        db.isolation_level = None
        db.execute("PRAGMA journal_mode = WAL")
        for pragma in CACHE_PRAGMAS:
            db.execute(pragma)
        return db

    def cipher_version(self) -> str:
        db = self.connect(self.path)
        try:
            return str(db.execute("PRAGMA cipher_version").fetchone()[0])
        finally:
            db.close()


def baselines(layout: BenchLayout) -> list[Baseline]:
    """Plain SQLite, then SQLCipher when its wheel is installed."""
    stores = [Baseline(PLAIN, sqlite3.connect, layout.plain)]
    sqlcipher = _sqlcipher()
    if sqlcipher is not None:
        stores.append(Baseline(SQLCIPHER, sqlcipher, layout.sqlcipher))
    return stores


def _sqlcipher() -> Connect | None:
    """SQLCipher with a random raw key (no passphrase derivation), default cipher settings."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return None
    key = secrets.token_hex(32)

    def connect(path: Path) -> sqlite3.Connection:
        db: sqlite3.Connection = dbapi2.connect(str(path))
        db.execute(f"PRAGMA key = \"x'{key}'\"")
        return db

    return connect
