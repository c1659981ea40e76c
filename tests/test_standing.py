"""The status rules: when contributions are due, what is missing, and what the member should do."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.i18n import LANGS
from kiosk.member import Member, MembershipStatus, Period, Program, Segment
from kiosk.standing import (
    DUE_DAY,
    Payer,
    contributions,
    covered_programs,
    due_period,
    evaluate,
    format_rupiah,
    payer,
    program_name,
)

TODAY = date(2026, 11, 24)
WIB = timezone(timedelta(hours=7))
NIK = "3171014501900001"
"""Gambir, Jakarta Pusat; a woman born on 5 January 1990."""


def member(**changes: object) -> Member:
    base = Member(
        nik=NIK,
        kpj="12345678901",
        name="Siti Ṣāliḥah",
        birth_date=date(1990, 1, 5),
        mother_hash=b"\x01" * 32,
        segment=Segment.PU,
        status=MembershipStatus.AKTIF,
        status_reason="",
        employer_name="PT Sinar Abadi Tekstil",
        npp="12345678",
        programs=frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP}),
        last_paid_period=Period(2026, 10),
        jht_balance=12_345_678,
        jht_as_of=date(2026, 11, 1),
        updated_at=datetime(2026, 11, 20, 8, 0, tzinfo=WIB),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def advice_keys(record: Member, today: date = TODAY) -> list[str]:
    return [message.key for message in evaluate(record, today).advice]


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 11, 24), Period(2026, 10)),
        (date(2026, 11, 15), Period(2026, 9)),
        (date(2026, 11, 16), Period(2026, 10)),
        (date(2026, 11, 1), Period(2026, 9)),
        (date(2026, 11, 30), Period(2026, 10)),
        (date(2027, 1, 15), Period(2026, 11)),
        (date(2027, 1, 16), Period(2026, 12)),
        (date(2027, 2, 1), Period(2026, 12)),
        (date(2027, 2, 16), Period(2027, 1)),
        (date(2026, 12, 15), Period(2026, 10)),
    ],
)
def test_a_month_is_due_once_the_fifteenth_of_the_next_month_has_passed(
    today: date, due: Period
) -> None:
    assert due_period(today) == due


def test_the_due_day_is_the_fifteenth() -> None:
    assert DUE_DAY == 15


def test_paid_up_to_the_due_month_is_up_to_date() -> None:
    paid = contributions(member(last_paid_period=Period(2026, 10)), TODAY)
    assert paid.up_to_date
    assert (paid.last_paid, paid.due) == (Period(2026, 10), Period(2026, 10))
    assert (paid.missing_months, paid.missing_since) == (0, None)
    assert paid.payer is Payer.EMPLOYER


def test_paying_on_the_due_day_is_still_on_time() -> None:
    record = member(last_paid_period=Period(2026, 9))
    assert contributions(record, date(2026, 11, 15)).up_to_date
    late = contributions(record, date(2026, 11, 16))
    assert not late.up_to_date
    assert (late.missing_months, late.missing_since) == (1, Period(2026, 10))


def test_missing_months_are_counted_across_a_year_end() -> None:
    paid = contributions(member(last_paid_period=Period(2025, 11)), date(2026, 3, 20))
    assert paid.due == Period(2026, 2)
    assert not paid.up_to_date
    assert (paid.missing_months, paid.missing_since) == (3, Period(2025, 12))


def test_a_december_payment_is_missing_from_mid_january() -> None:
    record = member(last_paid_period=Period(2026, 11))
    assert contributions(record, date(2027, 1, 15)).up_to_date
    late = contributions(record, date(2027, 1, 16))
    assert (late.missing_months, late.missing_since) == (1, Period(2026, 12))


def test_paid_ahead_is_up_to_date_with_nothing_missing() -> None:
    paid = contributions(member(last_paid_period=Period(2027, 1)), TODAY)
    assert paid.up_to_date
    assert (paid.missing_months, paid.missing_since) == (0, None)
    assert paid.last_paid == Period(2027, 1)


def test_never_paid_is_not_up_to_date_but_the_missing_count_is_unknown() -> None:
    paid = contributions(member(last_paid_period=None), TODAY)
    assert not paid.up_to_date
    assert paid.last_paid is None
    assert (paid.missing_months, paid.missing_since) == (0, None)
    assert paid.due == Period(2026, 10)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment.PU, Payer.EMPLOYER),
        (Segment.JAKON, Payer.EMPLOYER),
        (Segment.BPU, Payer.SELF),
        (Segment.PMI, Payer.SELF),
    ],
)
def test_employers_and_contractors_pay_for_their_workers(segment: Segment, expected: Payer) -> None:
    assert payer(segment) is expected
    assert contributions(member(segment=segment), TODAY).payer is expected


def test_programmes_come_in_the_agency_s_order() -> None:
    record = member(programs=frozenset({Program.JKP, Program.JHT, Program.JKK}))
    assert covered_programs(record) == (Program.JKK, Program.JHT, Program.JKP)
    assert covered_programs(member(programs=frozenset())) == ()


def test_an_inactive_member_still_shows_the_programmes_on_record() -> None:
    status = evaluate(member(status=MembershipStatus.NONAKTIF), TODAY)
    assert not status.active
    assert status.programs == (Program.JKK, Program.JKM, Program.JHT, Program.JP)


def test_every_programme_has_a_name_in_both_languages() -> None:
    assert program_name(Program.JKK).text("id") == "Jaminan Kecelakaan Kerja"
    assert program_name(Program.JHT).text("en") == "Old-Age Savings"
    for program in Program:
        message = program_name(program)
        assert message.key == f"program.{program.value}.name"
        assert all(message.text(lang) for lang in LANGS)


def test_an_active_paid_up_member_has_nothing_to_do() -> None:
    status = evaluate(member(), TODAY)
    assert status.active
    assert status.contributions.up_to_date
    assert status.segment is Segment.PU
    assert status.employer_name == "PT Sinar Abadi Tekstil"
    assert status.status_reason == ""
    assert status.updated_at == datetime(2026, 11, 20, 8, 0, tzinfo=WIB)
    assert [m.key for m in status.advice] == ["status.advice.all_good"]


@pytest.mark.parametrize("segment", [Segment.PU, Segment.JAKON])
def test_an_employee_in_arrears_is_sent_to_the_employer_first(segment: Segment) -> None:
    record = member(segment=segment, last_paid_period=Period(2026, 7))
    assert advice_keys(record) == ["status.advice.arrears_employer", "status.advice.contact"]


@pytest.mark.parametrize("segment", [Segment.BPU, Segment.PMI])
def test_a_self_paying_member_in_arrears_is_sent_to_the_official_channels(
    segment: Segment,
) -> None:
    record = member(segment=segment, npp="", employer_name="", last_paid_period=Period(2026, 7))
    assert advice_keys(record) == ["status.advice.arrears_self", "status.advice.contact"]
    assert "JMO" in evaluate(record, TODAY).advice[0].text("id")


def test_a_member_who_never_paid_is_advised_as_in_arrears() -> None:
    record = member(segment=Segment.BPU, last_paid_period=None)
    assert advice_keys(record) == ["status.advice.arrears_self", "status.advice.contact"]


@pytest.mark.parametrize(
    ("segment", "key"),
    [
        (Segment.PU, "status.advice.inactive_employer"),
        (Segment.JAKON, "status.advice.inactive_employer"),
        (Segment.BPU, "status.advice.inactive_self"),
        (Segment.PMI, "status.advice.inactive_self"),
    ],
)
def test_an_inactive_member_is_told_how_to_become_active_again(segment: Segment, key: str) -> None:
    for last_paid in (Period(2026, 10), Period(2025, 1)):
        record = member(
            segment=segment,
            status=MembershipStatus.NONAKTIF,
            status_reason="Berhenti bekerja",
            last_paid_period=last_paid,
        )
        status = evaluate(record, TODAY)
        assert not status.active
        assert status.status_reason == "Berhenti bekerja"
        assert [m.key for m in status.advice] == [key, "status.advice.contact"]


def test_the_contact_advice_names_the_call_centre() -> None:
    status = evaluate(member(last_paid_period=Period(2026, 1)), TODAY)
    assert all("175" in status.advice[-1].text(lang) for lang in LANGS)
    assert all(not message.params for message in status.advice)


def test_the_jht_balance_is_shown_only_with_jht() -> None:
    with_jht = evaluate(member(jht_balance=0), TODAY)
    assert (with_jht.jht_balance, with_jht.jht_as_of) == (0, date(2026, 11, 1))
    without = evaluate(member(programs=frozenset({Program.JKK, Program.JKM})), TODAY)
    assert (without.jht_balance, without.jht_as_of) == (None, None)


def test_the_nik_is_shown_masked() -> None:
    assert evaluate(member(), TODAY).masked_nik == "3171••••••••0001"
    assert evaluate(member(), TODAY, mask="*").masked_nik == "3171********0001"


def test_personal_data_stays_out_of_repr() -> None:
    record = member(status_reason="Mengundurkan diri", last_paid_period=Period(2026, 3))
    text = repr(evaluate(record, TODAY))
    for secret in (NIK, "3171••••••••0001", "Sinar Abadi", "12345678", "Mengundurkan", "2026-03"):
        assert secret not in text
    assert "AKTIF" not in text
    assert "Period(year=2026, month=3)" not in repr(contributions(record, TODAY))


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp 0"),
        (999, "Rp 999"),
        (1000, "Rp 1.000"),
        (12_345_678, "Rp 12.345.678"),
        (1_234_567_890, "Rp 1.234.567.890"),
    ],
)
def test_rupiah_use_dots_between_thousands(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        format_rupiah(-1)
