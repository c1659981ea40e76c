"""``kiosk central import``: a members file into the central database, for a first migration.

The file is checked as a publish checks it (:mod:`central.rows`,
:mod:`central.persons`): any bad row means nothing is imported, unless
``skip_invalid``, which leaves a person with a bad row as the database has them.
It is then read a second time and its rows are copied (``COPY``) into a
temporary table, from which one transaction upserts persons by NIK and
memberships by KPJ; a row equal to the stored one is not written, so that its
``updated_at`` and change mark stay and the next delta does not read it. A
deleted row makes its membership a tombstone. What the file does not name is
left as it is: an import is never a deletion by absence.

The schema is created or migrated first (:func:`central.postgres.migrate`).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from central.members_file import RowProblem, member_rows
from central.persons import PersonGroups
from central.postgres import connect, migrate
from central.rows import COLUMNS, InvalidRowError, parse_row
from kiosk.cache.sealing import normalise_name
from kiosk.errors import InvalidInputError
from kiosk.i18n import msg

MAX_REPORTED = 50
"""Bad rows listed one by one; the rest are only counted (as a publish does)."""

_STAGING = """
CREATE TEMP TABLE import_rows (
    line integer NOT NULL, nik text NOT NULL, kpj text NOT NULL, name text NOT NULL,
    birth_date date NOT NULL, mother_name text NOT NULL, segment text NOT NULL,
    status text NOT NULL, status_code text NOT NULL, employer_name text NOT NULL,
    npp text NOT NULL, programs text[] NOT NULL, membership_start date NOT NULL,
    membership_end date, last_paid_period text NOT NULL, paid_periods text[] NOT NULL,
    jht_balance bigint NOT NULL, jht_as_of date, updated_at timestamptz NOT NULL,
    deleted boolean NOT NULL
) ON COMMIT DROP
"""
_FIELDS = ", ".join(("line", *COLUMNS))
_PERSON_ONLY = ("name", "birth_date", "mother_name")
_PERSON_FIELDS = (*_PERSON_ONLY, "updated_at")
_MEMBERSHIP_FIELDS = tuple(c for c in COLUMNS if c != "kpj" and c not in _PERSON_ONLY)
"""Every column of the file but the KPJ (the key) and what the person holds."""


def _differs(table: str, fields: tuple[str, ...]) -> str:
    mine = ", ".join(f"{table}.{field}" for field in fields)
    theirs = ", ".join(f"excluded.{field}" for field in fields)
    return f"({mine}) IS DISTINCT FROM ({theirs})"


_PERSONS = f"""
INSERT INTO persons (nik, name, birth_date, mother_name, updated_at)
SELECT DISTINCT ON (nik) nik, name, birth_date, mother_name, latest
FROM (SELECT *, max(updated_at) OVER (PARTITION BY nik) AS latest,
             bool_and(deleted) OVER (PARTITION BY nik) AS gone FROM import_rows) r
WHERE NOT deleted OR gone
ORDER BY nik, deleted, line
ON CONFLICT (nik) DO UPDATE SET
    name = excluded.name, birth_date = excluded.birth_date,
    mother_name = excluded.mother_name, updated_at = excluded.updated_at
WHERE excluded.name <> '' AND {_differs("persons", _PERSON_FIELDS)}
"""  # noqa: S608 - built from constant column names only
"""A person's name and mother's name come from their first kept row; one whose rows are all
deleted is created as they say but never overwritten by them (they may leave names empty)."""
_MEMBERSHIPS = f"""
INSERT INTO memberships (kpj, {", ".join(_MEMBERSHIP_FIELDS)})
SELECT kpj, {", ".join(_MEMBERSHIP_FIELDS)} FROM import_rows ORDER BY line
ON CONFLICT (kpj) DO UPDATE SET
    {", ".join(f"{field} = excluded.{field}" for field in _MEMBERSHIP_FIELDS)}
WHERE {_differs("memberships", _MEMBERSHIP_FIELDS)}
"""  # noqa: S608 - built from constant column names only


@dataclass(frozen=True)
class ImportResult:
    rows: int
    """Rows of the file written: new or changed memberships, tombstones included."""
    persons: int
    """Persons new or changed."""
    schema_before: int
    """The schema version the database had: 0 when it was empty."""
    problems: list[RowProblem]
    invalid_rows: int


class ImportRefused(InvalidInputError):
    """The file has bad rows and ``--skip-invalid`` was not given; ``problems`` says which."""

    def __init__(self, problems: list[RowProblem], invalid_rows: int) -> None:
        super().__init__(msg("central_db.invalid_rows", count=invalid_rows))
        self.problems = problems
        self.invalid_rows = invalid_rows


def import_members(
    members_file: Path, url: str, *, skip_invalid: bool = False, now: datetime
) -> ImportResult:
    today = now.date()
    groups = PersonGroups(lambda name: normalise_name(name).encode(), today)
    problems: list[RowProblem] = []
    count = 0
    for line, row in member_rows(members_file):
        problem = row if isinstance(row, RowProblem) else groups.add(line, row)
        if problem is not None:
            count += 1
            if len(problems) < MAX_REPORTED:
                problems.append(problem)
    if count and not skip_invalid:
        raise ImportRefused(problems, count)
    held = groups.held
    del groups
    with connect(url) as connection:
        schema_before = migrate(connection)
        with connection.transaction():
            connection.execute(_STAGING)
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY import_rows ({_FIELDS}) FROM STDIN") as copy:
                    for values in _valid_rows(members_file, held, today):
                        copy.write_row(values)
                persons = cursor.execute(_PERSONS).rowcount
                rows = cursor.execute(_MEMBERSHIPS).rowcount
    return ImportResult(rows, persons, schema_before, problems, count)


def _valid_rows(path: Path, held: set[str], today: date) -> Iterator[tuple[object, ...]]:
    """The file's good rows again, as the staging table's values; the mother's name as given."""
    for line, row in member_rows(path):
        if isinstance(row, RowProblem):
            continue
        try:
            parsed = parse_row(row, _keep, today)
        except InvalidRowError:
            continue
        person, membership = parsed.person, parsed.membership
        if person.nik in held:
            continue
        yield (
            line,
            person.nik,
            membership.kpj,
            person.name,
            person.birth_date,
            person.mother_hash.decode(),
            str(membership.segment),
            str(membership.status),
            str(membership.status_code or ""),
            membership.employer_name,
            membership.npp,
            sorted(str(program) for program in membership.programs),
            membership.membership_start,
            membership.membership_end,
            str(membership.last_paid_period or ""),
            sorted(str(period) for period in membership.paid_periods),
            membership.jht_balance,
            membership.jht_as_of,
            parsed.updated_at,
            parsed.deleted,
        )


def _keep(mother_name: str) -> bytes:
    """The database keeps the mother's name as the file gives it; the publisher normalises."""
    return mother_name.encode()
