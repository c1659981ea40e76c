"""Member rows as the central store publishes them, checked field by field.

Each row is one membership (one KPJ) of a person; the rules that span a
person's rows are in :mod:`central.persons`. The publisher reads CSV, where
every value is text, or JSON Lines, where some values come as numbers,
booleans, lists or ``null``, so each column takes both forms. An error names
the column and the rule it breaks, never the value: the value may be a NIK, a
name or a balance.
"""

import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Final, TypeVar

from kiosk.errors import InvalidInputError
from kiosk.i18n import Message, msg
from kiosk.member import (
    DataFlag,
    Membership,
    MembershipStatus,
    Period,
    Program,
    Segment,
    StatusCode,
)
from kiosk.nik import InvalidKpjError, InvalidNikError, Nik, parse_kpj, parse_nik
from kiosk.standing import HISTORY_MONTHS

COLUMNS: tuple[str, ...] = (
    "nik",
    "kpj",
    "name",
    "birth_date",
    "mother_name",
    "segment",
    "status",
    "status_code",
    "employer_name",
    "npp",
    "programs",
    "membership_start",
    "membership_end",
    "last_paid_period",
    "paid_periods",
    "jht_balance",
    "jht_as_of",
    "updated_at",
    "deleted",
)
"""One row per membership: a person with several KPJs has several rows, the NIK repeated."""
_COLUMN_SET = frozenset(COLUMNS)
TEXT_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {"name": 69, "mother_name": 60, "employer_name": 100}
)
"""The most UTF-8 bytes each free-text column holds; every other column has a fixed form.

Bytes, because the card counts bytes: with a 69-byte name the largest card (a
KPJ of 2**32 or more, JP and JKP) is 279 characters, the most QR version 8 holds
at error correction L, and a larger code does not fit the kiosk's screen
(``kiosk.qr.MAX_SCREEN_VERSION``). The mother's name stays within the 60 letters
the kiosk's entry takes, so every member can type it; a plain letter is one
byte, a letter with an accent two or three.
"""
_PROGRAMS = {program.value: program for program in Program}
_CODES = ", ".join(StatusCode)

_EMPLOYED = frozenset({Segment.PU, Segment.JAKON})
"""Segments whose employer (or contractor) is registered and pays: it must be named."""
_EMPLOYED_NAMES = ", ".join(segment for segment in Segment if segment in _EMPLOYED)

_MAX_BALANCE_DIGITS = 18
"""Keeps a balance within SQLite's 64-bit integers."""
_BALANCE_LIMIT = 10**_MAX_BALANCE_DIGITS

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_PERIOD = re.compile(r"\d{4}-\d{2}", re.ASCII)
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_NPP = re.compile(r"\d{8}", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Control characters could drive the kiosk's terminal; format characters (zero-width
spaces and joiners, direction marks and overrides, the soft hyphen, tags) are
invisible and make two names that look alike differ; lone surrogates cannot be
encoded for storage; private-use and unassigned characters show as nothing or a
box; line and paragraph separators break the screen's layout."""

_NO_FLAGS: frozenset[DataFlag] = frozenset()
_MISMATCH = frozenset({DataFlag.BIRTH_DATE_MISMATCH})
_SHARED = 4096
"""Programme sets, months and sets of paid months come in few distinct values: each is
parsed once and shared by every membership that has it, which keeps both parsing and
the persons a publish holds in memory (:mod:`central.persons`) small."""

_E = TypeVar("_E", bound=StrEnum)


class InvalidRowError(InvalidInputError):
    """A published row breaks a rule; ``column`` says where, for the operator to fix it."""

    def __init__(self, column: str, message: Message) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True, slots=True)
class PersonPart:
    """Who a row says the person is: every row of one NIK must say the same."""

    nik: str = field(repr=False)
    name: str = field(repr=False)
    birth_date: date = field(repr=False)
    mother_hash: bytes = field(repr=False)
    flags: frozenset[DataFlag]


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One row of the members file: the person it names and the one membership it describes."""

    person: PersonPart
    membership: Membership = field(repr=False)
    updated_at: datetime
    deleted: bool
    """The central store removed this membership: the kiosks forget it."""


def parse_row(
    row: Mapping[str, object], digest_mother: Callable[[str], bytes], today: date
) -> MemberRow:
    """Check every column and build the row's parts; the mother's name is kept only as its digest.

    A deleted row only tells the kiosks to forget a membership, so it may leave
    ``name`` and ``mother_name`` empty (they are then empty and ``b""``), but it
    names the KPJ it removes and every other column must be valid all the same.
    A birth date that differs from the one the NIK encodes is published with
    :attr:`DataFlag.BIRTH_DATE_MISMATCH`: the member must see that their data
    needs correcting, not vanish from every kiosk.
    """
    _check_columns(row)
    deleted = _boolean(row, "deleted")
    nik = _nik(row, today)
    birth_date = _date(row, "birth_date")
    if birth_date is None:
        raise _error("birth_date", "required")
    flags = _NO_FLAGS if birth_date == nik.birth_date else _MISMATCH
    kpj = _kpj(row)
    name = _required_text(row, "name", allow_empty=deleted)
    mother_name = _required_text(row, "mother_name", allow_empty=deleted)
    segment = _choice(row, "segment", Segment)
    status = _choice(row, "status", MembershipStatus)
    # Thousands of rows name the same employer: the persons a publish holds share one copy.
    employer_name = sys.intern(_text(row, "employer_name"))
    npp = sys.intern(_text(row, "npp"))
    if npp and not _NPP.fullmatch(npp):
        raise _error("npp", "npp")
    if segment in _EMPLOYED:
        for column, value in (("employer_name", employer_name), ("npp", npp)):
            if not value:
                raise _error(column, "required_for_segment", segments=_EMPLOYED_NAMES)
    start = _date(row, "membership_start")
    if start is None:
        raise _error("membership_start", "required")
    end = _date(row, "membership_end")
    if end is not None and end < start:
        raise _error("membership_end", "end_before_start")
    last_paid = _period(row, "last_paid_period")
    membership = Membership(
        kpj=kpj,
        segment=segment,
        employer_name=employer_name,
        npp=npp,
        status=status,
        status_code=_status_code(row, status),
        programs=_programs(row),
        membership_start=start,
        membership_end=end,
        last_paid_period=last_paid,
        paid_periods=_paid_periods(row, last_paid, start, today),
        jht_balance=_amount(row, "jht_balance"),
        jht_as_of=_date(row, "jht_as_of"),
    )
    person = PersonPart(
        nik=nik.number,
        name=name,
        birth_date=birth_date,
        mother_hash=digest_mother(mother_name) if mother_name else b"",
        flags=flags,
    )
    return MemberRow(person, membership, _datetime(row, "updated_at"), deleted)


def _error(column: str, rule: str, **params: object) -> InvalidRowError:
    return InvalidRowError(column, msg(f"row.{rule}", column=column, **params))


def _check_columns(row: Mapping[str, object]) -> None:
    if row.keys() == _COLUMN_SET:
        return
    missing = ", ".join(column for column in COLUMNS if column not in row)
    extra = ", ".join(sorted(str(column) for column in row if column not in _COLUMN_SET))
    if missing and extra:
        raise InvalidRowError(
            f"{missing}, {extra}", msg("row.columns_mismatch", missing=missing, extra=extra)
        )
    if missing:
        raise InvalidRowError(missing, msg("row.columns_missing", columns=missing))
    raise InvalidRowError(extra, msg("row.columns_extra", columns=extra))


def _text(row: Mapping[str, object], column: str) -> str:
    """Trimmed text; JSON's ``null`` reads as empty, like an empty CSV cell."""
    value = row[column]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error(column, "text")
    if _unsafe(value):
        raise _error(column, "unsafe_text")
    text = value.strip()
    limit = TEXT_LIMITS.get(column)
    if limit is not None and len(text.encode()) > limit:
        raise _error(column, "too_long", limit=limit)
    return text


def _unsafe(text: str) -> bool:
    """Whether ``text`` holds a character of one of :data:`_UNSAFE_CATEGORIES`.

    ``str.isprintable`` is false for all of them (and for spaces other than
    U+0020, which may stay), so ordinary text is passed at C speed.
    """
    return not text.isprintable() and any(
        unicodedata.category(char) in _UNSAFE_CATEGORIES for char in text
    )


def _required_text(row: Mapping[str, object], column: str, *, allow_empty: bool) -> str:
    text = _text(row, column)
    if not text and not allow_empty:
        raise _error(column, "required")
    return text


def _nik(row: Mapping[str, object], today: date) -> Nik:
    try:
        return parse_nik(_required_text(row, "nik", allow_empty=False), today)
    except InvalidNikError as exc:
        raise _error("nik", "nik", problem=exc.problem.value) from exc


def _kpj(row: Mapping[str, object]) -> str:
    try:
        return parse_kpj(_required_text(row, "kpj", allow_empty=False))
    except InvalidKpjError as exc:
        raise _error("kpj", "kpj", problem=exc.problem.value) from exc


def _choice(row: Mapping[str, object], column: str, kind: type[_E]) -> _E:
    text = _text(row, column)
    try:
        return kind(text)
    except ValueError:
        raise _error(column, "choice", choices=", ".join(kind)) from None


def _status_code(row: Mapping[str, object], status: MembershipStatus) -> StatusCode | None:
    """Why a membership is not active: a code the kiosk words itself, never display text."""
    text = _text(row, "status_code")
    if status is MembershipStatus.AKTIF:
        if text:
            raise _error("status_code", "status_code_active")
        return None
    try:
        return StatusCode(text)
    except ValueError:
        raise _error("status_code", "status_code", choices=_CODES) from None


def _programs(row: Mapping[str, object]) -> frozenset[Program]:
    """Space-separated codes in CSV, a list of codes in JSON Lines."""
    value = row["programs"]
    if isinstance(value, str):
        return _program_set(tuple(value.split()))
    if isinstance(value, list):
        if all(isinstance(code, str) for code in value):
            return _program_set(tuple(value))
        raise _error("programs", "programs_unknown", choices=", ".join(Program))
    raise _error("programs", "programs_form")


@lru_cache(maxsize=_SHARED)
def _program_set(codes: tuple[str, ...]) -> frozenset[Program]:
    programs: set[Program] = set()
    for code in codes:
        program = _PROGRAMS.get(code)
        if program is None:
            raise _error("programs", "programs_unknown", choices=", ".join(Program))
        programs.add(program)
    if len(programs) != len(codes):
        raise _error("programs", "programs_duplicate")
    return frozenset(programs)


def _date(row: Mapping[str, object], column: str) -> date | None:
    text = _text(row, column)
    if not text:
        return None
    if _DATE.fullmatch(text):
        with suppress(ValueError):
            return date.fromisoformat(text)
    raise _error(column, "date")


def _period(row: Mapping[str, object], column: str) -> Period | None:
    text = _text(row, column)
    if not text:
        return None
    period = _month(text)
    if period is None:
        raise _error(column, "period")
    return period


@lru_cache(maxsize=_SHARED)
def _month(text: str) -> Period | None:
    if _PERIOD.fullmatch(text):
        with suppress(ValueError):
            return Period.parse(text)
    return None


OLDEST_PAID_MONTHS = HISTORY_MONTHS + 1
"""How far before the month of publication ``paid_periods`` may reach: the year a member
is shown starts 12 or 13 months back, by the day of the month (the 15th is the due day)."""


def _paid_periods(
    row: Mapping[str, object], last_paid: Period | None, start: date, today: date
) -> frozenset[Period]:
    """Space-separated months in CSV, a list of them in JSON Lines, none past the last paid one.

    The months only fill in the year a member is shown
    (:func:`kiosk.standing.first_history_period`), so none may be older than
    :data:`OLDEST_PAID_MONTHS` before the month of publication: one month more
    than that year ever reaches, so that a file exported before the 15th and
    published after it is still whole. A month after ``last_paid_period`` (or any
    month without one) would contradict the row's own summary, and a month before
    ``membership_start`` its own dates.
    """
    value = row["paid_periods"]
    if isinstance(value, str):
        months = _month_set(tuple(value.split()))
    elif isinstance(value, list) and all(isinstance(text, str) for text in value):
        months = _month_set(tuple(value))
    else:
        raise _error("paid_periods", "paid_periods_form")
    if months and (last_paid is None or max(months) > last_paid):
        raise _error("paid_periods", "paid_periods_after_last")
    if months and min(months) < Period.of(start):
        raise _error("paid_periods", "paid_periods_before_start")
    if months and min(months) < Period.of(today).shifted(-OLDEST_PAID_MONTHS):
        raise _error("paid_periods", "paid_periods_too_old", months=OLDEST_PAID_MONTHS)
    return months


@lru_cache(maxsize=_SHARED)
def _month_set(texts: tuple[str, ...]) -> frozenset[Period]:
    months: set[Period] = set()
    for text in texts:
        month = _month(text)
        if month is None:
            raise _error("paid_periods", "paid_periods_form")
        months.add(month)
    if len(months) != len(texts):
        raise _error("paid_periods", "paid_periods_duplicate")
    return frozenset(months)


def _datetime(row: Mapping[str, object], column: str) -> datetime:
    """An instant, so it must carry its offset: a bare local time means nothing to compare.

    It is kept in UTC: PostgreSQL gives it in its session's zone, an export in the
    writer's, and the same moment must make the same record from either source.
    """
    text = _text(row, column)
    if _DATETIME.fullmatch(text):
        with suppress(ValueError):
            return datetime.fromisoformat(text).astimezone(UTC)
    raise _error(column, "datetime")


def _amount(row: Mapping[str, object], column: str) -> int:
    value = row[column]
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.fullmatch(text) and len(text) <= _MAX_BALANCE_DIGITS:
            return int(text)
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _BALANCE_LIMIT:
        return value
    raise _error(column, "amount", digits=_MAX_BALANCE_DIGITS)


def _boolean(row: Mapping[str, object], column: str) -> bool:
    value = row[column]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and (flag := _BOOLEANS.get(value.strip())) is not None:
        return flag
    raise _error(column, "boolean")
