"""The members file's rows grouped into persons: the rules that span a person's rows.

The file has one row per membership and a person's rows may be anywhere in it,
so a person is only complete once the last line is read: :class:`PersonGroups`
can hold every person of a file in memory, a dict by NIK, as the importer
(:mod:`central.importer`) uses it. The publisher groups the rows by NIK itself
and gives each person a :class:`PersonGroups` of their own in a worker process
(:mod:`central.person_work`), with ``claims`` so that it can still check that no
KPJ is two persons'; the database source (:class:`central.postgres.DatabaseSource`)
reads the rows ordered by NIK, so that a person is complete when the next one
begins.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from central.members_file import RowProblem
from central.rows import InvalidRowError, PersonPart, parse_row
from kiosk.i18n import msg
from kiosk.member import Membership, Person, current_first
from kiosk.nik import NIK_LENGTH, normalise_nik

_AGREEING = (("name", "name"), ("birth_date", "birth_date"), ("mother_name", "mother_hash"))
"""The columns every row of a person must agree on, with the part each one fills."""


@dataclass(slots=True)
class _Rows:
    """What the file has said of one NIK so far."""

    first: PersonPart
    """A tombstone (every row deleted) is named by its first row."""
    lines: dict[str, int]
    """The line of each KPJ, to name both lines of a repeated one."""
    updated_at: datetime
    person: PersonPart | None = None
    """From the first row kept (not deleted): the one every other kept row must agree with."""
    person_line: int = 0
    memberships: list[Membership] = field(default_factory=list)


class PersonGroups:
    """Rows in, one problem per bad line out, and at the end every person of the file.

    A person with any bad row is *held*: none of their rows is published, so a
    publish that skips bad rows keeps what it last published of them rather than
    half of a person. Deleted rows name only the membership they remove and are
    not compared (they may leave the name and mother's name empty).
    """

    def __init__(
        self, digest_mother: Callable[[str], bytes], today: date, *, claims: bool = False
    ) -> None:
        self._digest = digest_mother
        self._today = today
        self._rows: dict[str, _Rows] = {}
        self._owners: dict[str, str] = {}
        """KPJ -> the NIK of its kept row: a KPJ belongs to one person. Both strings are
        the ones the persons hold already (the KPJ's membership, the NIK's first row), so a
        million KPJs cost only the dict's slots."""
        self.held: set[str] = set()
        """NIKs of the persons with a bad row."""
        self.claims: list[tuple[str, int, str]] | None = [] if claims else None
        """With ``claims``: (KPJ, line, NIK) of each kept row: the KPJ it says is the NIK's.
        A publisher that groups persons apart (:mod:`central.person_work`) checks with these
        that no KPJ is two persons'."""

    def add(self, line: int, row: Mapping[str, object]) -> RowProblem | None:
        try:
            parsed = parse_row(row, self._digest, self._today)
        except InvalidRowError as error:
            if nik := _nik_of(row):
                self.held.add(nik)
            return RowProblem(line, error.column, error.message)
        nik = parsed.person.nik
        rows = self._rows.get(nik)
        if rows is None:
            rows = self._rows[nik] = _Rows(parsed.person, {}, parsed.updated_at)
        kpj = parsed.membership.kpj
        if (first := rows.lines.get(kpj)) is not None:
            self.held.add(nik)
            return RowProblem(line, "kpj", msg("row.duplicate", column="kpj", first=first))
        rows.lines[kpj] = line
        rows.updated_at = max(rows.updated_at, parsed.updated_at)
        if parsed.deleted:
            return None
        if self.claims is not None:
            self.claims.append((kpj, line, rows.first.nik))
        owner = self._owners.setdefault(kpj, rows.first.nik)
        if owner != nik:
            # Which of the two is right only the central store can say: neither is published.
            self.held.update((nik, owner))
            first = self._rows[owner].lines[kpj]
            return RowProblem(line, "kpj", msg("row.kpj_elsewhere", column="kpj", first=first))
        if rows.person is None:
            rows.person, rows.person_line = parsed.person, line
        elif differing := _differing(rows.person, parsed.person):
            self.held.add(nik)
            return RowProblem(
                line, differing, msg("row.differs", column=differing, first=rows.person_line)
            )
        rows.memberships.append(parsed.membership)
        return None

    def persons(self) -> Iterator[Person]:
        """Every person not held, in the order of their first row; a tombstone has no membership.

        ``updated_at`` is the latest of all the person's rows, deleted ones
        included: removing a membership is a change to the person too.
        """
        for nik, rows in self._rows.items():
            if nik in self.held:
                continue
            person = rows.person or rows.first
            yield Person(
                nik=nik,
                name=person.name,
                birth_date=person.birth_date,
                mother_hash=person.mother_hash,
                memberships=current_first(rows.memberships),
                updated_at=rows.updated_at,
                flags=person.flags,
                deleted=not rows.memberships,
            )


def persons_of(
    rows: Iterable[Mapping[str, object]], digest_mother: Callable[[str], bytes], today: date
) -> list[Person]:
    """The persons of rows that must all be valid (synthetic ones): the first problem raises."""
    groups = PersonGroups(digest_mother, today)
    for line, row in enumerate(rows, start=1):
        if problem := groups.add(line, row):
            raise InvalidRowError(problem.column, problem.message)
    return list(groups.persons())


def _differing(person: PersonPart, other: PersonPart) -> str:
    return ", ".join(
        column for column, part in _AGREEING if getattr(person, part) != getattr(other, part)
    )


def _nik_of(row: Mapping[str, object]) -> str | None:
    """The NIK a bad row names, if it names one at all: that person is held."""
    nik = row.get("nik")
    number = normalise_nik(nik) if isinstance(nik, str) else ""
    if len(number) == NIK_LENGTH and number.isascii() and number.isdigit():
        return number
    return None
