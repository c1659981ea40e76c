"""The member record the central store publishes, as the kiosk keeps it: a person and
every membership (KPJ) they hold.

A worker who changed jobs has several KPJs, and one may hold a wage-earner and
a self-employed membership at once: the kiosk answers for all of them. The
mother's maiden name never reaches the kiosk's storage: only its keyed hash
(``mother_hash``) is kept, to verify the member at the screen. Personal fields
are left out of ``repr`` so that a traceback or log line cannot carry them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
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


class StatusCode(StrEnum):
    """Why a membership is not active, as the central store records it.

    The feed carries the code, never display text: the kiosk words each one
    from its own catalogue, in the member's language. An ``AKTIF`` membership
    has none.
    """

    TUNGGAKAN = "TUNGGAKAN"
    """Contributions stopped: the employer (or a self-employed member) has not paid."""
    BERHENTI_BEKERJA = "BERHENTI_BEKERJA"
    """The member resigned."""
    PHK = "PHK"
    """The member was dismissed (pemutusan hubungan kerja)."""
    KONTRAK_SELESAI = "KONTRAK_SELESAI"
    """A fixed-term contract (PKWT) ended."""
    USIA_PENSIUN = "USIA_PENSIUN"
    """The member reached retirement age, 56."""
    MENINGGAL = "MENINGGAL"
    """The member died."""
    DATA_TIDAK_SESUAI = "DATA_TIDAK_SESUAI"
    """The member's data does not match Dukcapil, the civil registry."""
    DIGABUNG = "DIGABUNG"
    """Merged into another KPJ: its balance moved there."""
    LAINNYA = "LAINNYA"
    """Any other reason; the branch can tell."""


EMPLOYMENT_ENDED = frozenset(
    {StatusCode.BERHENTI_BEKERJA, StatusCode.PHK, StatusCode.KONTRAK_SELESAI}
)
"""The codes that mean the job is over: a JHT claim waits one month from its end."""


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

    @staticmethod
    def parse(text: str) -> "Period":
        return _parsed(text)

    @classmethod
    def of(cls, day: date) -> Self:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0: differences of indexes count months across year ends."""
        return self.year * 12 + self.month - 1

    def shifted(self, months: int) -> "Period":
        return _at_index(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


PERIODS_KEPT = 4096
"""Months kept once made, centuries' worth: a lookup parses and shifts a dozen or more of
them, and making each anew was an eighth of its CPU time (205 against 178 µs, 5,000 members)."""


@lru_cache(maxsize=PERIODS_KEPT)
def _parsed(text: str) -> Period:
    year, sep, month = text.partition("-")
    if not (sep and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
        raise ValueError("period must be YYYY-MM")
    return Period(int(year), int(month))


@lru_cache(maxsize=PERIODS_KEPT)
def _at_index(index: int) -> Period:
    year, month = divmod(index, 12)
    return Period(year, month + 1)


@dataclass(frozen=True, slots=True)
class Membership:
    """One KPJ: a job (PU, JAKON), a self-employed (BPU) or a migrant-worker (PMI) membership."""

    kpj: str = field(repr=False)
    segment: Segment
    employer_name: str = field(repr=False)
    """Empty for a self-employed membership."""
    npp: str = field(repr=False)
    status: MembershipStatus = field(repr=False)
    status_code: StatusCode | None = field(repr=False)
    """``None`` exactly when the membership is active."""
    programs: frozenset[Program] = field(repr=False)
    membership_start: date = field(repr=False)
    membership_end: date | None = field(repr=False)
    """When the job or the membership ended; ``None`` while it goes on."""
    last_paid_period: Period | None = field(repr=False)
    paid_periods: frozenset[Period] = field(repr=False)
    """The months paid among the last twelve before publication."""
    jht_balance: int = field(repr=False)
    jht_as_of: date | None = field(repr=False)
    card: str = field(default="", repr=False)
    """The digital card the central store signed for this membership; the kiosk only shows it."""

    def __post_init__(self) -> None:
        if (self.status is MembershipStatus.AKTIF) != (self.status_code is None):
            raise ValueError("an active membership has no status code, any other has one")


class DataFlag(StrEnum):
    """A problem with a person's data that the member must have corrected: shown, never hidden."""

    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    """The birth date on record differs from the one the NIK encodes."""


def current_first(memberships: Iterable[Membership]) -> tuple[Membership, ...]:
    """Active ones first, then the most recently started: the one a member asks about first."""
    return tuple(
        sorted(
            memberships,
            key=lambda m: (
                m.status is not MembershipStatus.AKTIF,
                -m.membership_start.toordinal(),
                m.kpj,
            ),
        )
    )


@dataclass(frozen=True, slots=True)
class Person:
    """Who the member is, and every membership they hold, current first."""

    nik: str = field(repr=False)
    name: str = field(repr=False)
    birth_date: date = field(repr=False)
    mother_hash: bytes = field(repr=False)
    memberships: tuple[Membership, ...] = field(repr=False)
    updated_at: datetime
    """The latest change the central store made to any of the person's memberships."""
    flags: frozenset[DataFlag] = field(default=frozenset(), repr=False)
    deleted: bool = False
    """A tombstone: the kiosk forgets this person (every membership is gone)."""

    def __post_init__(self) -> None:
        if not self.deleted and not self.memberships:
            raise ValueError("a person on record holds at least one membership")
