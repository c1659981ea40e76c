"""The member record the central store publishes, as the kiosk keeps it.

The mother's maiden name never reaches the kiosk's storage: only its keyed
hash (``mother_hash``) is kept, to verify the member at the screen. Personal
fields are left out of ``repr`` so that a traceback or log line cannot carry them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Self


class Segment(StrEnum):
    PU = "PU"
    """Penerima Upah: wage earners, contributions paid by the employer."""
    BPU = "BPU"
    """Bukan Penerima Upah: self-employed, pay their own contributions."""
    JAKON = "JAKON"
    """Jasa Konstruksi: construction-project workers, paid by the contractor."""
    PMI = "PMI"
    """Pekerja Migran Indonesia: migrant workers."""


class MembershipStatus(StrEnum):
    AKTIF = "AKTIF"
    NONAKTIF = "NONAKTIF"


class Program(StrEnum):
    """Programmes in the order BPJS Ketenagakerjaan lists them."""

    JKK = "JKK"
    JKM = "JKM"
    JHT = "JHT"
    JP = "JP"
    JKP = "JKP"


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A contribution month (``YYYY-MM``)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9999:
            raise ValueError("period out of range")

    @classmethod
    def parse(cls, text: str) -> Self:
        year, sep, month = text.partition("-")
        if not (sep and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
            raise ValueError("period must be YYYY-MM")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, day: date) -> Self:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0: differences of indexes count months across year ends."""
        return self.year * 12 + self.month - 1

    def shifted(self, months: int) -> "Period":
        year, month = divmod(self.index + months, 12)
        return Period(year, month + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class Member:
    nik: str = field(repr=False)
    kpj: str = field(repr=False)
    name: str = field(repr=False)
    birth_date: date = field(repr=False)
    mother_hash: bytes = field(repr=False)
    segment: Segment
    status: MembershipStatus = field(repr=False)
    status_reason: str = field(repr=False)
    employer_name: str = field(repr=False)
    npp: str = field(repr=False)
    programs: frozenset[Program] = field(repr=False)
    last_paid_period: Period | None = field(repr=False)
    jht_balance: int = field(repr=False)
    jht_as_of: date | None = field(repr=False)
    updated_at: datetime
    deleted: bool = False
    card: str = field(default="", repr=False)
    """The digital card the central store signed for this member; the kiosk only shows it."""
