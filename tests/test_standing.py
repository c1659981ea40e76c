"""The status rules: when contributions are due, what is missing, why a membership is not
active, and what the member should do."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.i18n import LANGS
from kiosk.member import (
    DataFlag,
    Membership,
    Period,
    Person,
    Program,
    Segment,
    StatusCode,
)
from kiosk.standing import (
    DUE_DAY,
    HISTORY_MONTHS,
    Payer,
    contributions,
    covered_programs,
    due_period,
    evaluate,
    format_rupiah,
    payer,
    program_name,
    standing,
    status_reason,
)
from tests.conftest import TODAY, a_membership

WIB = timezone(timedelta(hours=7))
NIK = "3171014501900001"
"""Gambir, Jakarta Pusat; a woman born on 5 January 1990."""


member = a_membership


def person(*memberships: Membership, **changes: object) -> Person:
    base = Person(
        nik=NIK,
        name="Siti Ṣāliḥah",
        birth_date=date(1990, 1, 5),
        mother_hash=b"\x01" * 32,
        memberships=memberships or (member(),),
        updated_at=datetime(2026, 11, 20, 8, 0, tzinfo=WIB),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def advice_keys(record: Membership, today: date = TODAY) -> list[str]:
    return [message.key for message in standing(record, today).advice]


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
    status = standing(member(StatusCode.LAINNYA), TODAY)
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
    whole = evaluate(person(), TODAY)
    status = whole.memberships[0]
    assert status.active
    assert status.contributions.up_to_date
    assert status.membership.segment is Segment.PU
    assert status.membership.employer_name == "PT Sinar Abadi Tekstil"
    assert status.reason is None
    assert whole.updated_at == datetime(2026, 11, 20, 8, 0, tzinfo=WIB)
    assert whole.notices == ()
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
    assert "JMO" in standing(record, TODAY).advice[0].text("id")


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
def test_a_member_whose_contributions_stopped_is_told_how_to_become_active_again(
    segment: Segment, key: str
) -> None:
    for last_paid in (Period(2026, 10), Period(2025, 1)):
        record = member(StatusCode.TUNGGAKAN, segment=segment, last_paid_period=last_paid)
        status = standing(record, TODAY)
        assert not status.active
        assert status.reason == status_reason(StatusCode.TUNGGAKAN)
        assert [m.key for m in status.advice] == [key, "status.advice.contact"]


def test_the_contact_advice_names_the_call_centre() -> None:
    status = standing(member(last_paid_period=Period(2026, 1)), TODAY)
    assert all("175" in status.advice[-1].text(lang) for lang in LANGS)
    assert all(not message.params for message in status.advice)


def test_the_jht_balance_is_shown_only_with_jht() -> None:
    assert standing(member(jht_balance=0), TODAY).jht_balance == 0
    without = standing(member(programs=frozenset({Program.JKK, Program.JKM})), TODAY)
    assert without.jht_balance is None


def test_the_nik_is_shown_masked() -> None:
    assert evaluate(person(), TODAY).masked_nik == "3171••••••••0001"
    assert evaluate(person(), TODAY, mask="*").masked_nik == "3171********0001"


def test_personal_data_stays_out_of_repr() -> None:
    record = member(StatusCode.BERHENTI_BEKERJA, last_paid_period=Period(2026, 3))
    text = repr(evaluate(person(record, member()), TODAY))
    for secret in (NIK, "3171••••••••0001", "Sinar Abadi", "12345678", "BERHENTI", "2026-03"):
        assert secret not in text
    assert "AKTIF" not in text
    assert "Period(year=2026, month=3)" not in repr(contributions(record, TODAY))
    assert "12345678901" not in repr(person(record))


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
    assert format_rupiah(amount, "id") == text
    assert format_rupiah(amount, "en") == text.replace(".", ",")


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        format_rupiah(-1, "id")


def test_every_status_code_has_a_reason_and_advice_in_both_languages() -> None:
    texts: set[str] = set()
    for code in StatusCode:
        status = standing(member(code), TODAY)
        assert status.reason is not None
        assert status.reason.key == f"membership.reason.{code.value}"
        for lang in LANGS:
            assert status.reason.text(lang)
            assert all(advice.text(lang) for advice in status.advice)
            texts.add(status.reason.text(lang))
        assert status.advice[-1].key == "status.advice.contact"
    assert len(texts) == 2 * len(StatusCode)


def test_the_year_of_contributions_reads_month_by_month() -> None:
    gap = frozenset(Period(2026, m) for m in (1, 2, 3, 6, 7, 8, 9, 10)) | {Period(2025, 11)}
    paid = contributions(member(paid_periods=gap), TODAY)
    assert len(paid.history) == HISTORY_MONTHS
    assert paid.history[0].period == Period(2025, 11)
    assert paid.history[-1].period == paid.due == Period(2026, 10)
    assert [month.paid for month in paid.history] == [
        True, False, True, True, True, False, False, True, True, True, True, True,
    ]  # fmt: skip
    assert paid.first_missing == Period(2025, 12)
    assert contributions(member(), TODAY).first_missing is None


def test_months_outside_the_membership_are_not_missing() -> None:
    young = member(membership_start=date(2026, 6, 10), paid_periods=frozenset({Period(2026, 9)}))
    months = contributions(young, TODAY).history
    assert [month.paid for month in months[:7]] == [None] * 7
    assert [month.paid for month in months[7:]] == [False, False, False, True, False]
    ended = member(
        StatusCode.BERHENTI_BEKERJA,
        membership_end=date(2026, 4, 30),
        last_paid_period=Period(2026, 4),
    )
    paid = contributions(ended, TODAY)
    assert paid.due == Period(2026, 4)
    assert paid.up_to_date
    assert paid.history[-1].period == Period(2026, 4)


def test_balances_on_several_kpjs_are_advised_to_be_merged() -> None:
    old = member(StatusCode.BERHENTI_BEKERJA, kpj="22222222222", membership_end=date(2020, 1, 1))
    both = evaluate(person(member(), old), TODAY)
    assert [notice.key for notice in both.notices] == ["status.advice.merge"]
    assert [m.membership.kpj for m in both.memberships] == ["12345678901", "22222222222"]
    merged = replace(old, status_code=StatusCode.DIGABUNG, jht_balance=0)
    assert evaluate(person(member(), merged), TODAY).notices == ()


def test_data_to_correct_is_a_notice_in_plain_words() -> None:
    flagged = evaluate(person(flags=frozenset({DataFlag.BIRTH_DATE_MISMATCH})), TODAY)
    assert [notice.key for notice in flagged.notices] == ["status.flag.BIRTH_DATE_MISMATCH"]
    assert all("KK" in flagged.notices[0].text(lang) for lang in LANGS)
