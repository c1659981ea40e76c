"""What a member's record means for them today: active or not, paid or not, what next.

These are the rules behind the status screen and the CLI. They are pure: the
date is always passed in, so a test or a kiosk with a fixed clock gets the same
answer every time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kiosk.i18n import Message, msg
from kiosk.member import Member, MembershipStatus, Period, Program, Segment
from kiosk.nik import mask_nik

DUE_DAY = 15
"""Contributions for a month are due by this day of the next month.

PP 44/2015 and PP 46/2015: "paling lambat tanggal 15 bulan berikutnya".
"""


class Payer(StrEnum):
    """Who pays the contributions, which decides whom the member should ask."""

    EMPLOYER = "employer"
    SELF = "self"


_PAYERS = {
    Segment.PU: Payer.EMPLOYER,
    Segment.JAKON: Payer.EMPLOYER,
    Segment.BPU: Payer.SELF,
    Segment.PMI: Payer.SELF,
}


def payer(segment: Segment) -> Payer:
    """Wage earners' employers and construction contractors pay; the others pay themselves."""
    return _PAYERS[segment]


def due_period(today: date) -> Period:
    """The newest month whose contributions must have been paid by ``today``.

    Payment on the due day itself is still on time, so until the end of the
    15th only the month before last is overdue.
    """
    return Period.of(today).shifted(-1 if today.day > DUE_DAY else -2)


@dataclass(frozen=True)
class Contributions:
    up_to_date: bool = field(repr=False)
    last_paid: Period | None = field(repr=False)
    due: Period
    missing_months: int = field(repr=False)
    """0 when up to date, and also when nothing was ever paid: the count is then unknown."""
    missing_since: Period | None = field(repr=False)
    """The first unpaid month; ``None`` when up to date or when nothing was ever paid."""
    payer: Payer


def contributions(member: Member, today: date) -> Contributions:
    """Compare the last paid month with the one due.

    A record with no payment at all is not up to date, but the kiosk cannot
    tell since when: the membership start is not published, so counting from
    any other month would show the member a number that is not on record.
    """
    due = due_period(today)
    last = member.last_paid_period
    who = payer(member.segment)
    if last is None:
        return Contributions(
            up_to_date=False,
            last_paid=None,
            due=due,
            missing_months=0,
            missing_since=None,
            payer=who,
        )
    missing = max(0, due.index - last.index)
    return Contributions(
        up_to_date=missing == 0,
        last_paid=last,
        due=due,
        missing_months=missing,
        missing_since=last.shifted(1) if missing else None,
        payer=who,
    )


def covered_programs(member: Member) -> tuple[Program, ...]:
    """The programmes on record, in the order BPJS Ketenagakerjaan lists them.

    Whether that coverage is in force is :attr:`MemberStatus.active`'s answer.
    """
    return tuple(program for program in Program if program in member.programs)


def program_name(program: Program) -> Message:
    return msg(f"program.{program.value}.name")


@dataclass(frozen=True)
class MemberStatus:
    active: bool = field(repr=False)
    status_reason: str = field(repr=False)
    """As published by the central store: untrusted text, to be escaped by the UI."""
    contributions: Contributions = field(repr=False)
    programs: tuple[Program, ...] = field(repr=False)
    masked_nik: str = field(repr=False)
    jht_balance: int | None = field(repr=False)
    """``None`` when JHT is not among the programmes: there is no balance to show."""
    jht_as_of: date | None = field(repr=False)
    segment: Segment
    employer_name: str = field(repr=False)
    updated_at: datetime = field(repr=False)
    """When the central store last changed the record: the data's as-of time."""
    advice: tuple[Message, ...] = field(repr=False)
    """What the member should do next, most important first."""


def evaluate(member: Member, today: date, mask: str = "•") -> MemberStatus:
    paid = contributions(member, today)
    programs = covered_programs(member)
    has_jht = Program.JHT in programs
    active = member.status is MembershipStatus.AKTIF
    return MemberStatus(
        active=active,
        status_reason=member.status_reason,
        contributions=paid,
        programs=programs,
        masked_nik=mask_nik(member.nik, mask),
        jht_balance=member.jht_balance if has_jht else None,
        jht_as_of=member.jht_as_of if has_jht else None,
        segment=member.segment,
        employer_name=member.employer_name,
        updated_at=member.updated_at,
        advice=_advice(active, paid),
    )


def _advice(active: bool, paid: Contributions) -> tuple[Message, ...]:
    """Point the member at whoever can fix the problem: the employer pays for employees.

    The most common complaint is "inactive although my employer says it paid",
    so employees are sent to their employer's HR first, and everyone who has
    a problem is given the call centre and the branch as a fallback.
    """
    if active and paid.up_to_date:
        return (msg("status.advice.all_good"),)
    problem = "inactive" if not active else "arrears"
    return (msg(f"status.advice.{problem}_{paid.payer.value}"), msg("status.advice.contact"))


def format_rupiah(amount: int) -> str:
    """Rupiah as Indonesians write it: "Rp 12.345.678", with dots between thousands."""
    if amount < 0:
        raise ValueError("format_rupiah needs an amount of zero or more")
    return f"Rp {amount:,}".replace(",", ".")
