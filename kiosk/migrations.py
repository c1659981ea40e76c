"""Schema migrations: a named set of steps, each applied once, in order, in its own transaction.

The record of what ran is the ``_sqlite_migrations`` table that sqlite-utils'
migrations keep, in its layout, so that the files made before the kiosk had
its own runner open as they are. The kiosk needs only this and SQLite's own
driver: sqlite-utils also brought click, dateutil and pluggy into every start.
"""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kiosk.sqlite import atomic

Step = Callable[[sqlite3.Connection], None]

_CREATE = (
    "CREATE TABLE IF NOT EXISTS _sqlite_migrations "
    "(id INTEGER PRIMARY KEY, migration_set TEXT, name TEXT, applied_at TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idx__sqlite_migrations_migration_set_name "
    "ON _sqlite_migrations (migration_set, name)",
)


@dataclass(frozen=True)
class Migration:
    name: str
    step: Step


class Migrations:
    """``@migrations()`` registers a step under its function's name, which is what is recorded."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[Migration] = []

    def __call__(self) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            if step.__name__ in self.names():
                raise ValueError(f"migration {step.__name__} is already in {self.name}")
            self._steps.append(Migration(step.__name__, step))
            return step

        return register

    def names(self) -> list[str]:
        """Every migration this code has, applied or not, oldest first."""
        return [migration.name for migration in self._steps]

    def applied(self, db: sqlite3.Connection) -> list[str]:
        """The names recorded in ``db``, in the order they ran; it writes nothing."""
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if exists is None:
            return []
        rows = db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            [self.name],
        )
        return [str(name) for (name,) in rows]

    def apply(self, db: sqlite3.Connection) -> None:
        """Run what has not run; a step that fails leaves no trace and stays pending."""
        for statement in _CREATE:
            db.execute(statement)
        done = set(self.applied(db))
        for migration in self._steps:
            if migration.name in done:
                continue
            with atomic(db):
                migration.step(db)
                db.execute(
                    "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                    "VALUES (?, ?, ?)",
                    [self.name, migration.name, str(datetime.now(UTC))],
                )
