"""What a person's record means for them today: each membership active or not and why,
paid or not month by month, what to do next, and whether the JHT can be claimed.

These are the rules behind the status screen and the CLI. They are pure: the
date is always passed in, so a test or a kiosk with a fixed clock gets the same
answer every time. The feed carries status codes, never display text: every
reason and every piece of advice here is a key into the kiosk's own catalogue.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kiosk.claims import JhtAnswer, jht_answer
from kiosk.dates import month
from kiosk.i18n import Lang, Message, format_count, msg
from kiosk.member import (
    Membership,
    MembershipStatus,
    Period,
    Person,
    Program,
    Segment,
    StatusCode,
)
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


HISTORY_MONTHS = 12
"""The months a member sees paid or missing at a glance: the year up to the month due."""


def first_history_period(today: date) -> Period:
    """The oldest month the year shown on ``today`` holds, and so the oldest a record names.

    The publisher refuses older paid months; the kiosk shows older ones as not on record.
    """
    return due_period(today).shifted(1 - HISTORY_MONTHS)


@dataclass(frozen=True)
class Month:
    period: Period
    paid: bool | None = field(repr=False)
    """``None``: not a month of this membership (before its start or after its end), or
    older than the record holds."""


@dataclass(frozen=True)
class Contributions:
    up_to_date: bool = field(repr=False)
    last_paid: Period | None = field(repr=False)
    due: Period
    missing_months: int = field(repr=False)
    """0 when up to date, and also when nothing was ever paid: the count is then unknown."""
    missing_since: Period | None = field(repr=False)
    """The month after the last paid one; ``None`` when up to date or when nothing was paid."""
    payer: Payer
    history: tuple[Month, ...] = field(repr=False)
    """The :data:`HISTORY_MONTHS` months up to the one due, oldest first."""

    @property
    def first_missing(self) -> Period | None:
        """The oldest unpaid month of the year shown: the one to ask about first."""
        return next((month.period for month in self.history if month.paid is False), None)


def contributions(membership: Membership, today: date) -> Contributions:
    """Compare the last paid month with the one due, and lay out the year before it.

    A record with no payment at all is not up to date, but the kiosk cannot
    tell since when, so it counts no months. A membership that ended owes
    nothing after its end: its months are due up to the month it ended.
    """
    due = due_period(today)
    end = membership.membership_end
    if end is not None:
        due = min(due, Period.of(end))
    history = _history(membership, due, first_history_period(today))
    last = membership.last_paid_period
    who = payer(membership.segment)
    if last is None:
        return Contributions(False, None, due, 0, None, who, history)
    missing = max(0, due.index - last.index)
    return Contributions(
        up_to_date=missing == 0,
        last_paid=last,
        due=due,
        missing_months=missing,
        missing_since=last.shifted(1) if missing else None,
        payer=who,
        history=history,
    )


def _history(membership: Membership, due: Period, first: Period) -> tuple[Month, ...]:
    """``first``: months before it are not on record, as for a membership that ended long ago."""
    start = max(Period.of(membership.membership_start), first)
    end = None if membership.membership_end is None else Period.of(membership.membership_end)
    months = []
    for back in range(HISTORY_MONTHS - 1, -1, -1):
        period = due.shifted(-back)
        member = period >= start and (end is None or period <= end)
        months.append(Month(period, period in membership.paid_periods if member else None))
    return tuple(months)


def covered_programs(membership: Membership) -> tuple[Program, ...]:
    """The programmes on record, in the order BPJS Ketenagakerjaan lists them.

    Whether that coverage is in force is :attr:`MembershipStanding.active`'s answer.
    """
    return tuple(program for program in Program if program in membership.programs)


def program_name(program: Program) -> Message:
    return msg(f"program.{program.value}.name")


def status_reason(code: StatusCode) -> Message:
    """Why a membership is not active, in the member's words."""
    return msg(f"membership.reason.{code.value}")


@dataclass(frozen=True)
class MembershipStanding:
    membership: Membership = field(repr=False)
    active: bool = field(repr=False)
    reason: Message | None = field(repr=False)
    """Why it is not active; ``None`` when it is."""
    contributions: Contributions = field(repr=False)
    programs: tuple[Program, ...] = field(repr=False)
    jht_balance: int | None = field(repr=False)
    """``None`` when JHT is not among the programmes: there is no balance to show."""
    advice: tuple[Message, ...] = field(repr=False)
    """What the member should do about this membership, most important first."""


@dataclass(frozen=True)
class Standing:
    masked_nik: str = field(repr=False)
    memberships: tuple[MembershipStanding, ...] = field(repr=False)
    """Current first, as the record orders them."""
    notices: tuple[Message, ...] = field(repr=False)
    """About the person rather than one membership: data to correct, balances to merge."""
    jht: JhtAnswer = field(repr=False)
    updated_at: datetime = field(repr=False)
    """When the central store last changed the record: the data's as-of time."""


def evaluate(person: Person, today: date, mask: str = "•") -> Standing:
    jht = jht_answer(person.birth_date, person.memberships, today)
    notices = [msg(f"status.flag.{flag.value}") for flag in sorted(person.flags)]
    if jht.merge_first:
        notices.append(msg("status.advice.merge"))
    return Standing(
        masked_nik=mask_nik(person.nik, mask),
        memberships=tuple(standing(membership, today) for membership in person.memberships),
        notices=tuple(notices),
        jht=jht,
        updated_at=person.updated_at,
    )


def standing(membership: Membership, today: date) -> MembershipStanding:
    paid = contributions(membership, today)
    programs = covered_programs(membership)
    active = membership.status is MembershipStatus.AKTIF
    code = membership.status_code
    return MembershipStanding(
        membership=membership,
        active=active,
        reason=None if code is None else status_reason(code),
        contributions=paid,
        programs=programs,
        jht_balance=membership.jht_balance if Program.JHT in programs else None,
        advice=_advice(code, paid),
    )


def _advice(code: StatusCode | None, paid: Contributions) -> tuple[Message, ...]:
    """Point the member at whoever can fix the problem: the employer pays for employees.

    The most common complaint is "inactive although my employer says it paid",
    so employees are sent to their employer's HR first, and everyone who has
    a problem is given the call centre and the branch as a fallback.
    """
    if code is None:
        if paid.up_to_date:
            return (msg("status.advice.all_good"),)
        return (msg(f"status.advice.arrears_{paid.payer.value}"), msg("status.advice.contact"))
    if code is StatusCode.TUNGGAKAN:
        return (msg(f"status.advice.inactive_{paid.payer.value}"), msg("status.advice.contact"))
    return (msg(f"membership.advice.{code.value}"), msg("status.advice.contact"))


def contribution_summary(paid: Contributions, lang: Lang) -> str:
    """Paid up to a month, unpaid since one, or never: the line the screen and the slip print."""
    if paid.up_to_date and paid.last_paid is not None:
        line = msg("ui.status.paid", month=month(paid.last_paid, lang))
    elif paid.missing_since is not None:
        since = month(paid.missing_since, lang)
        line = msg("ui.status.unpaid_since", month=since, count=paid.missing_months)
    else:
        line = msg("ui.status.never_paid")
    return line.text(lang)


def format_rupiah(amount: int, lang: Lang) -> str:
    """ "Rp 12.345.678" in Indonesian, "Rp 12,345,678" in English: the language's thousands."""
    if amount < 0:
        raise ValueError("format_rupiah needs an amount of zero or more")
    return f"Rp {format_count(amount, lang)}"
