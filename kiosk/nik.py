"""The NIK (national identity number) and KPJ (member card number) rules.

Neither number has a check digit, so a NIK is checked by what it encodes:
``PPKKCCDDMMYYSSSS`` is the province, regency and district where it was first
issued, the birth day (plus 40 for women), month and two-digit year, and a
serial. A member is only ever turned away for a number that cannot exist; a
place the region data does not know is a warning for staff. See the design's
"NIK rules".
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

from kiosk.errors import InvalidInputError
from kiosk.i18n import Message, msg
from kiosk.regions import Region, load_regions

NIK_LENGTH = 16
KPJ_LENGTH = 11
WOMEN_DAY_OFFSET = 40
"""Added to the birth day in a woman's NIK."""
_DIGITS = frozenset("0123456789")
# What people type between groups of digits, including the dashes phones and
# word processors substitute for "-".
_SEPARATORS = frozenset(".-\u2010\u2011\u2012\u2013\u2014\u2212")


class Sex(StrEnum):
    """As printed on the KTP: laki-laki or perempuan."""

    MALE = "L"
    FEMALE = "P"


class NikProblem(StrEnum):
    """Why a NIK was rejected; each value names its message ``nik.problem.<value>``."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    UNKNOWN_PROVINCE = "unknown_province"
    BAD_DAY = "bad_day"
    BAD_MONTH = "bad_month"
    IMPOSSIBLE_DATE = "impossible_date"
    FUTURE_DATE = "future_date"
    SERIAL_ZERO = "serial_zero"


class KpjProblem(StrEnum):
    """Why a KPJ was rejected; each value names its message ``kpj.problem.<value>``."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    WRONG_LENGTH = "wrong_length"


class InvalidNikError(InvalidInputError):
    """Carries the problem so that the UI can react to it, not just show it."""

    def __init__(self, problem: NikProblem, **params: object) -> None:
        super().__init__(msg(f"nik.problem.{problem.value}", **params))
        self.problem = problem


class InvalidKpjError(InvalidInputError):
    """Carries the problem so that the UI can react to it, not just show it."""

    def __init__(self, problem: KpjProblem, **params: object) -> None:
        super().__init__(msg(f"kpj.problem.{problem.value}", **params))
        self.problem = problem


@dataclass(frozen=True)
class Nik:
    """A NIK that can exist, with what it says; personal parts stay out of ``repr``."""

    number: str = field(repr=False)
    province: Region
    regency: Region | None
    """``None`` when the region data does not know the code."""
    district: Region | None
    """``None`` when the region data does not know the code."""
    birth_date: date = field(repr=False)
    sex: Sex = field(repr=False)
    serial: str = field(repr=False)
    warnings: tuple[Message, ...]
    """For staff only: the number is valid all the same."""


def normalise_nik(text: str) -> str:
    """Drop the spaces, dots and dashes people type to group digits; keep all else.

    Anything else stays so that the checks can reject it rather than guess.
    KPJ numbers are typed the same way and go through this too.
    """
    return "".join(char for char in text if not char.isspace() and char not in _SEPARATORS)


def parse_nik(text: str, today: date) -> Nik:
    """Check a typed NIK in the design's order, so the first problem is the one shown."""
    number = normalise_nik(text)
    if not number:
        raise InvalidNikError(NikProblem.EMPTY)
    if not _all_digits(number):
        raise InvalidNikError(NikProblem.NOT_DIGITS)
    if len(number) < NIK_LENGTH:
        raise InvalidNikError(NikProblem.TOO_SHORT, count=len(number))
    if len(number) > NIK_LENGTH:
        raise InvalidNikError(NikProblem.TOO_LONG, count=len(number))

    regions = load_regions()
    province = regions.find(number[:2])
    if province is None or province.historical:
        raise InvalidNikError(NikProblem.UNKNOWN_PROVINCE)

    day, month, year = int(number[6:8]), int(number[8:10]), int(number[10:12])
    if 1 <= day <= 31:
        sex = Sex.MALE
    elif 1 + WOMEN_DAY_OFFSET <= day <= 31 + WOMEN_DAY_OFFSET:
        sex = Sex.FEMALE
        day -= WOMEN_DAY_OFFSET
    else:
        raise InvalidNikError(NikProblem.BAD_DAY)
    if not 1 <= month <= 12:
        raise InvalidNikError(NikProblem.BAD_MONTH)
    birth_date = _birth_date(day, month, year, today)

    serial = number[12:]
    if serial == "0000":
        raise InvalidNikError(NikProblem.SERIAL_ZERO)

    regency = regions.find(number[:4])
    district = regions.find(number[:6])
    warnings = (
        *_place_warnings(regency, "regency"),
        *_place_warnings(district, "district"),
    )
    return Nik(number, province, regency, district, birth_date, sex, serial, warnings)


def parse_kpj(text: str) -> str:
    """Return the KPJ's 11 digits; with no check digit, the form is all there is to check."""
    number = normalise_nik(text)
    if not number:
        raise InvalidKpjError(KpjProblem.EMPTY)
    if not _all_digits(number):
        raise InvalidKpjError(KpjProblem.NOT_DIGITS)
    if len(number) != KPJ_LENGTH:
        raise InvalidKpjError(KpjProblem.WRONG_LENGTH, count=len(number))
    return number


def mask_nik(number: str, mask: str = "•") -> str:
    """Show enough of a NIK for a member to recognise it, not enough to copy it."""
    if len(number) != NIK_LENGTH or not _all_digits(number):
        raise ValueError(f"mask_nik needs a normalised NIK of {NIK_LENGTH} digits")
    if len(mask) != 1:
        raise ValueError("the mask must be one character, to keep the NIK's width")
    return number[:4] + mask * (NIK_LENGTH - 8) + number[-4:]


def _all_digits(number: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts other scripts' digits and superscripts."""
    return _DIGITS.issuperset(number)


def _birth_date(day: int, month: int, year: int, today: date) -> date:
    """Take the most recent century in which the date exists and has already come."""
    exists = False
    for century in (2000, 1900):
        try:
            candidate = date(century + year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
        exists = True
    raise InvalidNikError(NikProblem.FUTURE_DATE if exists else NikProblem.IMPOSSIBLE_DATE)


def _place_warnings(region: Region | None, level: Literal["regency", "district"]) -> list[Message]:
    if region is None:
        return [msg(f"nik.warning.unknown_{level}")]
    if region.historical:
        return [msg(f"nik.warning.historical_{level}")]
    return []
