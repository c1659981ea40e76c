"""The cache's tables and their migrations, oldest first.

The schema version of a cache is the number of migrations applied to it. A
cache that has a migration this code does not know was written by a newer
kiosk, and is refused rather than misread.
"""

import sqlite3

from kiosk.migrations import Migrations

migrations = Migrations("kiosk-cache")


def create_members_table(db: sqlite3.Connection, name: str) -> None:
    """One sealed member record per blind index of its NIK; re-keying builds a second one."""
    db.execute(f"CREATE TABLE {name} (bidx BLOB PRIMARY KEY, record BLOB NOT NULL) WITHOUT ROWID")


@migrations()
def m001_initial(db: sqlite3.Connection) -> None:
    # One statement per execute(): executescript() would commit the migration's transaction.
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
    create_members_table(db, "members")
    # The feed state the members table reflects: one row, none before the first sync.
    db.execute(
        """CREATE TABLE feed_cursor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sequence INTEGER NOT NULL,
            state TEXT NOT NULL,
            synced_at TEXT NOT NULL
        )"""
    )


@migrations()
def m002_persons(db: sqlite3.Connection) -> None:
    """Record version 3 (a person with memberships) replaced version 2 (one membership).

    The old records cannot be rewritten here: the kiosk never holds the fields
    the new record adds. So the cache forgets them and its feed cursor, and
    the next sync fetches the feed's newest snapshot in the new format; until
    it does, the kiosk is out of service and says "not synced yet".
    """
    db.execute("DELETE FROM members")
    db.execute("DELETE FROM feed_cursor")


@migrations()
def m003_snapshot_load(db: sqlite3.Connection) -> None:
    """A snapshot loads in parts that commit as they go, into ``members_next`` beside the
    table it replaces: this row names the bundle and how many of its frames are in, so
    that a load cut short (a power cut at 80 % of a first load) resumes there."""
    db.execute(
        """CREATE TABLE snapshot_load (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            bundle TEXT NOT NULL,
            frames INTEGER NOT NULL
        )"""
    )
