"""The central store in PostgreSQL: connecting, the schema's versions, the rows a publish reads.

The schema is ``central/schema/NNNN_*.sql``, one file per version, applied in
order by :func:`migrate` (``kiosk central import`` runs it): an empty database
gets them all, an older one the ones it lacks, each in the transaction that
records it in ``kiosk_schema``. A publish only reads, and refuses a schema of
another version than :data:`SCHEMA_VERSION` in one sentence.

**The delta's watermark** is the snapshot a publish read in
(``pg_current_snapshot()`` of its REPEATABLE READ transaction), kept with the
publisher's state. Each row carries the 64-bit id of the transaction that last
changed it (``changed``, set by a trigger); the next publish reads the persons
with a row whose transaction that snapshot did not see. A transaction still
open at the last publish is in its in-progress list, so rows it commits later
are read next time: commits out of order lose nothing, and no overlap window or
clock is involved. (A window on ``updated_at`` would trust clocks and commit
delays; ``xmin`` itself wraps at 32 bits and has no index.)

The rows stream from a server-side cursor ordered by NIK, so a person is
complete when the next one begins and the table is never in memory. Each row
comes back as the members file would hold it and goes through the same checks
(:mod:`central.rows`); a bad row is reported by its ``memberships.id``, never
by a value. Sessions run in WIB (:data:`TIME_ZONE`), the zone the central
office exports in, so an instant reads back as the export wrote it.

The URL's password never appears in a message: errors name the database by
host, port and name only.
"""

import importlib.resources
import re
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from central.rows import COLUMNS
from kiosk.errors import InvalidInputError, KioskError
from kiosk.i18n import msg

if TYPE_CHECKING:
    import psycopg

    from central.members_file import Line

TIME_ZONE = "Asia/Jakarta"
"""WIB: instants read back with the +07:00 the central office's exports carry."""
APPLICATION_NAME = "kiosk-central"
"""How the publisher's and the importer's sessions show in pg_stat_activity."""
CURSOR_ROWS = 2000
"""Rows fetched per round trip from the server-side cursor."""
_SCHEMA_FILE = re.compile(r"(\d{4})_[a-z_]+\.sql")
_SCHEMES = ("postgresql://", "postgres://")


def _migrations() -> list[tuple[int, str]]:
    folder = importlib.resources.files("central") / "schema"
    found = []
    for entry in folder.iterdir():
        if match := _SCHEMA_FILE.fullmatch(entry.name):
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(version for version, _ in _migrations())
"""The version this publisher reads: the newest file in ``central/schema/``."""


@dataclass(frozen=True)
class Where:
    """A database as messages name it: never its password."""

    host: str
    port: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} @ {self.host}:{self.port}"


def where_of(url: str) -> Where:
    """The URL's host, port and database; a URL that is not one is one sentence."""
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(_SCHEMES):
        raise InvalidInputError(msg("central_db.bad_url"))
    try:
        parts = conninfo_to_dict(url)
    except Exception:
        # The parser's message quotes the URL, password and all.
        raise InvalidInputError(msg("central_db.bad_url")) from None
    return Where(
        str(parts.get("host") or "localhost"),
        str(parts.get("port") or "5432"),
        str(parts.get("dbname") or parts.get("user") or "-"),
    )


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise KioskError(msg("central_db.no_driver")) from None
    return psycopg


@contextmanager
def connect(url: str) -> "Iterator[psycopg.Connection[Any]]":
    """A connection in WIB; connecting and any later failure of it are one sentence each."""
    psycopg = _psycopg()
    where = where_of(url)
    try:
        connection = psycopg.connect(
            url,
            connect_timeout=10,
            application_name=APPLICATION_NAME,
            options=f"-c TimeZone={TIME_ZONE}",
        )
    except psycopg.Error as error:
        raise _connect_error(error, where) from None
    try:
        with connection, failures(where):
            yield connection
    finally:
        connection.close()


def _connect_error(error: Exception, where: Where) -> KioskError:
    text = str(error)
    if "authentication failed" in text or "no password supplied" in text:
        return KioskError(msg("central_db.auth", where=where))
    if re.search(r'database "[^"]*" does not exist', text):
        return KioskError(msg("central_db.no_database", where=where))
    return KioskError(msg("central_db.unreachable", where=where))


@contextmanager
def failures(where: Where) -> Iterator[None]:
    """A database error met after connecting: a lost connection, a missing table, a refusal."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.errors.UndefinedTable:
        raise KioskError(msg("central_db.no_schema", where=where)) from None
    except psycopg.errors.InsufficientPrivilege:
        raise KioskError(msg("central_db.denied", where=where)) from None
    except psycopg.OperationalError:
        raise KioskError(msg("central_db.lost", where=where)) from None
    except psycopg.Error as error:
        # SQLSTATE only: the server's text may quote a value of the row it failed on.
        raise KioskError(
            msg("central_db.failed", where=where, code=error.sqlstate or "-")
        ) from None


def schema_version(connection: "psycopg.Connection[Any]") -> int | None:
    """The version recorded, or None in a database without the schema."""
    row = connection.execute("SELECT to_regclass('kiosk_schema') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    found = connection.execute("SELECT max(version) FROM kiosk_schema").fetchone()
    return None if found is None or found[0] is None else int(found[0])


def migrate(connection: "psycopg.Connection[Any]", up_to: int = SCHEMA_VERSION) -> int:
    """Create the schema in an empty database or bring an older one up to ``up_to``.

    Each version commits with its record; a lock keeps two imports from
    migrating at once. Returns the version the database had before.
    """
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(hashtext('kiosk_schema'))")
        connection.execute("CREATE TABLE IF NOT EXISTS kiosk_schema (version integer NOT NULL)")
        before = schema_version(connection) or 0
    if before > SCHEMA_VERSION:
        raise KioskError(msg("central_db.schema_newer", found=before, known=SCHEMA_VERSION))
    for version, script in _migrations():
        if before < version <= up_to:
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(hashtext('kiosk_schema'))")
                if (schema_version(connection) or 0) >= version:
                    continue
                connection.execute(script.encode())
                connection.execute("INSERT INTO kiosk_schema (version) VALUES (%s)", (version,))
    return before


def check_schema(connection: "psycopg.Connection[Any]", where: Where) -> None:
    found = schema_version(connection)
    if found is None:
        raise KioskError(msg("central_db.no_schema", where=where))
    if found != SCHEMA_VERSION:
        raise KioskError(
            msg("central_db.schema_version", where=where, found=found, known=SCHEMA_VERSION)
        )


_COLUMNS = """
    m.id, p.nik, m.kpj, p.name, p.birth_date, p.mother_name, m.segment, m.status,
    m.status_code, m.employer_name, m.npp, m.programs, m.membership_start, m.membership_end,
    m.last_paid_period, m.paid_periods, m.jht_balance, m.jht_as_of,
    greatest(p.updated_at, m.updated_at), m.deleted
"""
# The statements are built from the constants above only; values go as parameters.
_ALL = (
    f"SELECT {_COLUMNS} FROM persons p JOIN memberships m ON m.nik = p.nik "  # noqa: S608
    "ORDER BY p.nik, m.kpj"
)
_UNSEEN = (
    "changed >= pg_snapshot_xmin(%(since)s::pg_snapshot) "
    "AND NOT pg_visible_in_snapshot(changed, %(since)s::pg_snapshot)"
)
"""Changed by a transaction the last publish's snapshot did not see."""
_CHANGED = (
    f"WITH changed AS (SELECT nik FROM persons WHERE {_UNSEEN} "  # noqa: S608
    f"UNION SELECT nik FROM memberships WHERE {_UNSEEN}) "
    f"SELECT {_COLUMNS} FROM changed c JOIN persons p ON p.nik = c.nik "
    "JOIN memberships m ON m.nik = p.nik ORDER BY p.nik, m.kpj"
)


class DatabaseSource:
    """The members in PostgreSQL as a publish reads them: every row, or the changed persons'.

    ``on_row`` (tests) is called with each row's count as it is fetched, on the
    publisher's thread: the proof that a delta reads only what changed, and the
    moment to drop the connection mid-publish.
    """

    def __init__(self, url: str, on_row: Callable[[int], None] | None = None) -> None:
        self.url = url
        self.where = where_of(url)
        self.watermark: str | None = None
        """The snapshot read in, once :meth:`rows` has been read to its end."""
        self.fetched = 0
        self._on_row = on_row

    def rows(self, since: str | None) -> "Generator[Line, None, None]":
        """Each row (``memberships.id`` as its line) of every person, or only of the persons
        changed since the snapshot ``since``, ordered by NIK; nothing is kept between rows."""
        self.watermark = None
        with connect(self.url) as connection:
            check_schema(connection, self.where)
            connection.commit()
            with connection.transaction():
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                row = connection.execute("SELECT pg_current_snapshot()::text").fetchone()
                snapshot = str(row[0]) if row else None
                cursor = connection.cursor(name="kiosk_publish")
                cursor.itersize = CURSOR_ROWS
                if since is None:
                    cursor.execute(_ALL)
                else:
                    cursor.execute(_CHANGED, {"since": since})
                for record in cursor:
                    self.fetched += 1
                    if self._on_row is not None:
                        self._on_row(self.fetched)
                    yield int(record[0]), _as_file_row(record[1:])
                cursor.close()
        self.watermark = snapshot


def _as_file_row(values: tuple[Any, ...]) -> dict[str, object]:
    """The row as JSON Lines would give it: text, lists, an integer balance, a boolean."""
    # A datetime is a date too: one check per value, on the publisher's one thread.
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in zip(COLUMNS, values, strict=True)
    }
