"""The kiosk's migration runner, on real SQLite files."""

import sqlite3
from pathlib import Path

import pytest

from kiosk.migrations import Migrations
from kiosk.sqlite import open_database

SQLITE_UTILS_TABLE = (
    'CREATE TABLE "_sqlite_migrations" ("id" INTEGER PRIMARY KEY, "migration_set" TEXT, '
    '"name" TEXT, "applied_at" TEXT)',
    'CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name" '
    'ON "_sqlite_migrations" ("migration_set", "name")',
)
"""The record as sqlite-utils 4 made it, which every cache and state file before ours holds."""


def two_steps(fail_second: bool = False) -> Migrations:
    migrations = Migrations("test-set")

    @migrations()
    def m001_first(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE first (a)")

    @migrations()
    def m002_second(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE second (b)")
        db.execute("INSERT INTO first (a) VALUES (1)")
        if fail_second:
            raise RuntimeError("the step fails halfway")

    return migrations


def tables(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_each_step_runs_once_and_in_order(tmp_path: Path) -> None:
    db = open_database(tmp_path / "x.db", "rwc", ())
    migrations = two_steps()
    assert migrations.applied(db) == []
    migrations.apply(db)
    migrations.apply(db)
    assert migrations.applied(db) == ["m001_first", "m002_second"]
    assert db.execute("SELECT count(*) FROM first").fetchone() == (1,)


def test_a_step_that_fails_leaves_no_trace_and_stays_pending(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = open_database(path, "rwc", ())
    with pytest.raises(RuntimeError):
        two_steps(fail_second=True).apply(db)
    assert two_steps().applied(db) == ["m001_first"]
    assert "second" not in tables(db)
    assert db.execute("SELECT count(*) FROM first").fetchone() == (0,)
    two_steps().apply(db)
    assert two_steps().applied(db) == ["m001_first", "m002_second"]


def test_the_record_sqlite_utils_kept_is_honoured(tmp_path: Path) -> None:
    """A file migrated by sqlite-utils: what it ran is not run again, the rest is."""
    path = tmp_path / "x.db"
    with sqlite3.connect(path) as old:
        for statement in SQLITE_UTILS_TABLE:
            old.execute(statement)
        old.execute("CREATE TABLE first (a)")
        old.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('test-set', 'm001_first', '2026-01-01 00:00:00+00:00'), "
            "('another-set', 'm001_other', '2026-01-01 00:00:00+00:00')"
        )
    old.close()
    db = open_database(path, "rw", ())
    migrations = two_steps()
    assert migrations.applied(db) == ["m001_first"]
    migrations.apply(db)
    assert migrations.applied(db) == ["m001_first", "m002_second"]
    assert Migrations("another-set").applied(db) == ["m001_other"]


def test_a_name_is_registered_once() -> None:
    migrations = two_steps()

    def m001_first(db: sqlite3.Connection) -> None:
        raise AssertionError("never run")

    with pytest.raises(ValueError, match="already"):
        migrations()(m001_first)
