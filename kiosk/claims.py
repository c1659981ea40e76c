"""Can I withdraw my JHT? The rules, applied to a member's own memberships and a date.

PP 46/2015 (as amended by PP 60/2015) and Permenaker 4/2022: the whole
balance is paid when the member reaches 56, dies, becomes permanently and
totally disabled, leaves Indonesia for good, or stops working (resigns, is
dismissed, or a fixed-term contract ends), the last after a waiting month from
the day the job ended. While still a member, after ten years of membership, a
part may be taken once: 10 % to prepare for old age or 30 % for housing.

Disability and emigration are not in the record: the answer names them as
grounds the member may bring, never as ones the kiosk decided. The rules are
pure: the date comes in, so the same record gives the same answer every day
it is asked about.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kiosk.member import EMPLOYMENT_ENDED, Membership, Program, StatusCode

RETIREMENT_AGE = 56
"""Years: the age from which the whole balance is paid (PP 46/2015, art. 26)."""
WAITING_MONTHS = 1
"""After the job ends, before the balance is paid (Permenaker 4/2022, art. 6 and 7)."""
PARTIAL_AFTER_YEARS = 10
"""Years of membership before a part may be taken while still a member."""
PARTIAL_SHARES = (10, 30)
"""Per cent of the balance: to prepare for old age, or for housing; one of them, once."""
NPWP_ABOVE = 50_000_000
"""Rupiah: a larger payment is taxed at a lower rate with the member's tax number (NPWP)."""


class Outcome(StrEnum):
    NOW = "now"
    FROM = "from"
    """Eligible from a known date: the waiting month is still running."""
    NOT = "not"


class Ground(StrEnum):
    """Why the whole balance may be paid."""

    RETIREMENT_AGE = "retirement_age"
    RESIGNED = "resigned"
    DISMISSED = "dismissed"
    CONTRACT_ENDED = "contract_ended"
    DEATH = "death"


class Blocker(StrEnum):
    """Why this membership's balance cannot be paid out now."""

    STILL_A_MEMBER = "still_a_member"
    NO_JHT = "no_jht"
    NO_BALANCE = "no_balance"
    MERGED = "merged"
    DATA_MISMATCH = "data_mismatch"
    END_DATE_UNKNOWN = "end_date_unknown"
    ASK_BRANCH = "ask_branch"


class Document(StrEnum):
    """What to bring, in the order a claims desk asks for it."""

    EKTP = "ektp"
    MEMBER_CARD = "member_card"
    BANK_BOOK = "bank_book"
    KK = "kk"
    RESIGNATION_LETTER = "resignation_letter"
    DISMISSAL_PROOF = "dismissal_proof"
    ENDED_CONTRACT = "ended_contract"
    STILL_WORKING_LETTER = "still_working_letter"
    HOUSING_PAPERS = "housing_papers"
    DEATH_CERTIFICATE = "death_certificate"
    HEIR_LETTER = "heir_letter"
    NPWP = "npwp"


_GROUNDS = {
    StatusCode.BERHENTI_BEKERJA: Ground.RESIGNED,
    StatusCode.PHK: Ground.DISMISSED,
    StatusCode.KONTRAK_SELESAI: Ground.CONTRACT_ENDED,
}
_PROOF = {
    Ground.RESIGNED: (Document.RESIGNATION_LETTER,),
    Ground.DISMISSED: (Document.DISMISSAL_PROOF,),
    Ground.CONTRACT_ENDED: (Document.ENDED_CONTRACT,),
    Ground.RETIREMENT_AGE: (),
    Ground.DEATH: (Document.DEATH_CERTIFICATE, Document.HEIR_LETTER),
}
_ALWAYS = (Document.EKTP, Document.MEMBER_CARD, Document.BANK_BOOK, Document.KK)
_STILL_A_MEMBER = frozenset({None, StatusCode.TUNGGAKAN})
"""An active membership, or one whose contributions stopped: the job has not ended."""


@dataclass(frozen=True)
class Partial:
    """A part of the balance, taken while still a member; the member chooses one share."""

    since: date
    """The day the ten years were complete: eligible on and after it."""
    amounts: tuple[int, ...] = field(repr=False)
    """Rupiah, for each of :data:`PARTIAL_SHARES`."""
    documents: tuple[Document, ...]

    def available(self, today: date) -> bool:
        return today >= self.since


@dataclass(frozen=True)
class Withdrawal:
    """The answer for one membership's JHT balance."""

    kpj: str = field(repr=False)
    outcome: Outcome
    since: date | None = field(repr=False)
    """NOW: the first day it was possible, when known; FROM: the first day it will be."""
    ground: Ground | None
    blocker: Blocker | None
    """Set exactly when the outcome is NOT."""
    balance: int = field(repr=False)
    partial: Partial | None = field(repr=False)
    """While still a member: the part that may be taken (now, or from its date)."""
    documents: tuple[Document, ...] = ()
    """For the whole balance; empty when it cannot be claimed."""


@dataclass(frozen=True)
class JhtAnswer:
    withdrawals: tuple[Withdrawal, ...]
    """One per membership with the JHT programme, in the order given."""
    retirement_date: date = field(repr=False)
    """The 56th birthday: from it, the whole balance of every membership may be claimed."""
    merge_first: bool
    """Several KPJs hold a balance: merging them first makes one claim of the total."""


def anniversary(day: date, years: int) -> date:
    """``day`` ``years`` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def jht_answer(birth_date: date, memberships: Sequence[Membership], today: date) -> JhtAnswer:
    retirement = anniversary(birth_date, RETIREMENT_AGE)
    withdrawals = tuple(
        withdrawal(membership, retirement, today)
        for membership in memberships
        if Program.JHT in membership.programs
    )
    holding = [
        w
        for w in withdrawals
        if w.balance > 0 and w.blocker not in (Blocker.MERGED, Blocker.NO_JHT)
    ]
    return JhtAnswer(withdrawals, retirement, merge_first=len(holding) > 1)


def withdrawal(membership: Membership, retirement: date, today: date) -> Withdrawal:
    """The most favourable ground that holds on ``today``, else the nearest date, else why not."""
    code = membership.status_code
    balance = membership.jht_balance

    def refused(blocker: Blocker, partial: Partial | None = None) -> Withdrawal:
        return Withdrawal(membership.kpj, Outcome.NOT, None, None, blocker, balance, partial)

    def granted(ground: Ground, since: date | None, outcome: Outcome = Outcome.NOW) -> Withdrawal:
        return Withdrawal(
            membership.kpj, outcome, since, ground, None, balance, None, _documents(ground, balance)
        )

    if Program.JHT not in membership.programs:
        return refused(Blocker.NO_JHT)
    if code is StatusCode.DIGABUNG:
        return refused(Blocker.MERGED)
    if code is StatusCode.DATA_TIDAK_SESUAI:
        return refused(Blocker.DATA_MISMATCH)
    if balance <= 0:
        return refused(Blocker.NO_BALANCE)
    if code is StatusCode.MENINGGAL:
        return granted(Ground.DEATH, membership.membership_end)
    if today >= retirement or code is StatusCode.USIA_PENSIUN:
        return granted(Ground.RETIREMENT_AGE, retirement if today >= retirement else None)
    if code in EMPLOYMENT_ENDED:
        ground = _GROUNDS[code]
        if membership.membership_end is None:
            return refused(Blocker.END_DATE_UNKNOWN)
        since = months_after(membership.membership_end, WAITING_MONTHS)
        return granted(ground, since, Outcome.NOW if today >= since else Outcome.FROM)
    if code in _STILL_A_MEMBER:
        return refused(Blocker.STILL_A_MEMBER, _partial(membership))
    return refused(Blocker.ASK_BRANCH)


def _partial(membership: Membership) -> Partial:
    since = anniversary(membership.membership_start, PARTIAL_AFTER_YEARS)
    amounts = tuple(membership.jht_balance * share // 100 for share in PARTIAL_SHARES)
    documents = (*_ALWAYS, Document.STILL_WORKING_LETTER, Document.HOUSING_PAPERS)
    return Partial(since, amounts, documents)


def _documents(ground: Ground, balance: int) -> tuple[Document, ...]:
    tax = (Document.NPWP,) if balance > NPWP_ABOVE else ()
    return (*_ALWAYS, *_PROOF[ground], *tax)
