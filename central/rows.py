"""Member rows as the central store publishes them, checked field by field.

The publisher reads CSV, where every value is text, or JSON Lines, where some
values come as numbers, booleans, lists or ``null``, so each column takes both
forms. An error names the column and the rule it breaks, never the value: the
value may be a NIK, a name or a balance.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

from kiosk.errors import InvalidInputError
from kiosk.i18n import Message, msg
from kiosk.member import Member, MembershipStatus, Period, Program, Segment
from kiosk.nik import InvalidKpjError, InvalidNikError, Nik, parse_kpj, parse_nik

COLUMNS: tuple[str, ...] = (
    "nik",
    "kpj",
    "name",
    "birth_date",
    "mother_name",
    "segment",
    "status",
    "status_reason",
    "employer_name",
    "npp",
    "programs",
    "last_paid_period",
    "jht_balance",
    "jht_as_of",
    "updated_at",
    "deleted",
)
_COLUMN_SET = frozenset(COLUMNS)
TEXT_LIMITS: Final[Mapping[str, int]] = MappingProxyType(
    {"name": 69, "mother_name": 60, "employer_name": 100, "status_reason": 120}
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

_E = TypeVar("_E", bound=StrEnum)


class InvalidRowError(InvalidInputError):
    """A published row breaks a rule; ``column`` says where, for the operator to fix it."""

    def __init__(self, column: str, message: Message) -> None:
        super().__init__(message)
        self.column = column


def parse_member_row(
    row: Mapping[str, object], digest_mother: Callable[[str], bytes], today: date
) -> Member:
    """Check every column and build the member; the mother's name is kept only as its digest.

    A deleted row only tells the kiosk to forget a member, so it may leave
    ``kpj``, ``name`` and ``mother_name`` empty. The member then has an empty
    KPJ and name and an empty ``mother_hash``, which no digest equals, so such a
    record can never be verified. Every other column must be valid all the same.
    """
    _check_columns(row)
    deleted = _boolean(row, "deleted")
    nik = _nik(row, today)
    birth_date = _date(row, "birth_date")
    if birth_date is None:
        raise _error("birth_date", "required")
    if birth_date != nik.birth_date:
        raise _error("birth_date", "birth_date_mismatch")
    kpj = _kpj(row, allow_empty=deleted)
    name = _required_text(row, "name", allow_empty=deleted)
    mother_name = _required_text(row, "mother_name", allow_empty=deleted)
    segment = _choice(row, "segment", Segment)
    employer_name = _text(row, "employer_name")
    npp = _text(row, "npp")
    if npp and not _NPP.fullmatch(npp):
        raise _error("npp", "npp")
    if segment in _EMPLOYED:
        for column, value in (("employer_name", employer_name), ("npp", npp)):
            if not value:
                raise _error(column, "required_for_segment", segments=_EMPLOYED_NAMES)
    return Member(
        nik=nik.number,
        kpj=kpj,
        name=name,
        birth_date=birth_date,
        mother_hash=digest_mother(mother_name) if mother_name else b"",
        segment=segment,
        status=_choice(row, "status", MembershipStatus),
        status_reason=_text(row, "status_reason"),
        employer_name=employer_name,
        npp=npp,
        programs=_programs(row),
        last_paid_period=_period(row, "last_paid_period"),
        jht_balance=_amount(row, "jht_balance"),
        jht_as_of=_date(row, "jht_as_of"),
        updated_at=_datetime(row, "updated_at"),
        deleted=deleted,
    )


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


def _kpj(row: Mapping[str, object], *, allow_empty: bool) -> str:
    text = _required_text(row, "kpj", allow_empty=allow_empty)
    if not text:
        return text
    try:
        return parse_kpj(text)
    except InvalidKpjError as exc:
        raise _error("kpj", "kpj", problem=exc.problem.value) from exc


def _choice(row: Mapping[str, object], column: str, kind: type[_E]) -> _E:
    text = _text(row, column)
    try:
        return kind(text)
    except ValueError:
        raise _error(column, "choice", choices=", ".join(kind)) from None


def _programs(row: Mapping[str, object]) -> frozenset[Program]:
    """Space-separated codes in CSV, a list of codes in JSON Lines."""
    value = row["programs"]
    if isinstance(value, str):
        codes: list[object] = list(value.split())
    elif isinstance(value, list):
        codes = value
    else:
        raise _error("programs", "programs_form")
    programs: set[Program] = set()
    for code in codes:
        program = _PROGRAMS.get(code) if isinstance(code, str) else None
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
    if _PERIOD.fullmatch(text):
        with suppress(ValueError):
            return Period.parse(text)
    raise _error(column, "period")


def _datetime(row: Mapping[str, object], column: str) -> datetime:
    """An instant, so it must carry its offset: a bare local time means nothing to compare."""
    text = _text(row, column)
    if _DATETIME.fullmatch(text):
        with suppress(ValueError):
            return datetime.fromisoformat(text)
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
