"""Can I withdraw my JHT: every ground, every blocker, and the boundary days."""

from dataclasses import replace
from datetime import date

import pytest

from kiosk.claims import (
    NPWP_ABOVE,
    Blocker,
    Document,
    Ground,
    Outcome,
    anniversary,
    jht_answer,
    months_after,
    withdrawal,
)
from kiosk.member import Membership, MembershipStatus, Program, Segment, StatusCode
from tests.conftest import TODAY, a_membership

BORN = date(1990, 1, 5)
RETIREMENT = date(2046, 1, 5)


def membership(code: StatusCode | None = None, **changes: object) -> Membership:
    """Since 2012, so past ten years on :data:`TODAY`, with a round balance for the parts."""
    start: dict[str, object] = {"membership_start": date(2012, 3, 1), "jht_balance": 12_000_000}
    return a_membership(code, **(start | changes))


def answer_for(member: Membership, today: date = TODAY, born: date = BORN) -> Outcome:
    return withdrawal(member, anniversary(born, 56), today).outcome


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 5, 1), 13, date(2027, 6, 1)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_shorter_months_last(
    day: date, months: int, expected: date
) -> None:
    assert months_after(day, months) == expected


def test_a_leap_day_birthday_comes_on_the_28th_in_a_common_year() -> None:
    assert anniversary(date(1972, 2, 29), 56) == date(2028, 2, 29)
    assert anniversary(date(1971, 2, 28), 56) == date(2027, 2, 28)
    assert anniversary(date(1968, 2, 29), 56) == date(2024, 2, 29)
    assert anniversary(date(1969, 2, 28), 56) == date(2025, 2, 28)
    assert anniversary(date(1970, 2, 28), 56) == date(2026, 2, 28)
    assert anniversary(date(1996, 2, 29), 1) == date(1997, 2, 28)


@pytest.mark.parametrize(
    ("code", "ground"),
    [
        (StatusCode.BERHENTI_BEKERJA, Ground.RESIGNED),
        (StatusCode.PHK, Ground.DISMISSED),
        (StatusCode.KONTRAK_SELESAI, Ground.CONTRACT_ENDED),
    ],
)
def test_a_job_that_ended_is_paid_from_the_day_the_waiting_month_ends(
    code: StatusCode, ground: Ground
) -> None:
    ended = membership(code, membership_end=date(2026, 10, 31))
    retirement = anniversary(BORN, 56)
    before = withdrawal(ended, retirement, date(2026, 11, 29))
    assert (before.outcome, before.since, before.ground) == (
        Outcome.FROM,
        date(2026, 11, 30),
        ground,
    )
    assert before.blocker is None
    on_the_day = withdrawal(ended, retirement, date(2026, 11, 30))
    assert (on_the_day.outcome, on_the_day.since) == (Outcome.NOW, date(2026, 11, 30))
    assert answer_for(ended, date(2027, 6, 1)) is Outcome.NOW


def test_the_proof_of_the_ground_is_among_the_documents() -> None:
    retirement = anniversary(BORN, 56)
    ended = {
        StatusCode.BERHENTI_BEKERJA: Document.RESIGNATION_LETTER,
        StatusCode.PHK: Document.DISMISSAL_PROOF,
        StatusCode.KONTRAK_SELESAI: Document.ENDED_CONTRACT,
    }
    for code, proof in ended.items():
        answer = withdrawal(membership(code, membership_end=date(2026, 1, 2)), retirement, TODAY)
        assert answer.documents[:4] == (
            Document.EKTP,
            Document.MEMBER_CARD,
            Document.BANK_BOOK,
            Document.KK,
        )
        assert proof in answer.documents
        assert Document.NPWP not in answer.documents
    large = membership(StatusCode.PHK, membership_end=date(2026, 1, 2), jht_balance=NPWP_ABOVE + 1)
    assert Document.NPWP in withdrawal(large, retirement, TODAY).documents
    exact = replace(large, jht_balance=NPWP_ABOVE)
    assert Document.NPWP not in withdrawal(exact, retirement, TODAY).documents


def test_an_ended_job_without_its_end_date_is_for_the_branch_to_settle() -> None:
    answer = withdrawal(membership(StatusCode.PHK), anniversary(BORN, 56), TODAY)
    assert (answer.outcome, answer.blocker) == (Outcome.NOT, Blocker.END_DATE_UNKNOWN)
    assert answer.documents == ()


def test_the_56th_birthday_opens_every_membership_whatever_its_status() -> None:
    born = date(1970, 11, 25)
    for code in (None, StatusCode.TUNGGAKAN, StatusCode.LAINNYA, StatusCode.BERHENTI_BEKERJA):
        member = membership(code)
        eve = withdrawal(member, anniversary(born, 56), date(2026, 11, 24))
        day = withdrawal(member, anniversary(born, 56), date(2026, 11, 25))
        assert eve.ground is not Ground.RETIREMENT_AGE
        assert (day.outcome, day.ground, day.since) == (
            Outcome.NOW,
            Ground.RETIREMENT_AGE,
            date(2026, 11, 25),
        )


def test_retirement_on_record_is_believed_even_before_the_birth_date_says_so() -> None:
    answer = withdrawal(membership(StatusCode.USIA_PENSIUN), anniversary(BORN, 56), TODAY)
    assert (answer.outcome, answer.ground, answer.since) == (
        Outcome.NOW,
        Ground.RETIREMENT_AGE,
        None,
    )


def test_the_heirs_claim_after_a_death() -> None:
    died = membership(StatusCode.MENINGGAL, membership_end=date(2026, 9, 3))
    answer = withdrawal(died, anniversary(BORN, 56), TODAY)
    assert (answer.outcome, answer.ground, answer.since) == (
        Outcome.NOW,
        Ground.DEATH,
        date(2026, 9, 3),
    )
    assert {Document.DEATH_CERTIFICATE, Document.HEIR_LETTER} <= set(answer.documents)


@pytest.mark.parametrize(
    ("code", "blocker"),
    [
        (StatusCode.DIGABUNG, Blocker.MERGED),
        (StatusCode.DATA_TIDAK_SESUAI, Blocker.DATA_MISMATCH),
        (StatusCode.LAINNYA, Blocker.ASK_BRANCH),
    ],
)
def test_what_blocks_a_claim_is_named(code: StatusCode, blocker: Blocker) -> None:
    answer = withdrawal(membership(code), anniversary(BORN, 56), TODAY)
    assert (answer.outcome, answer.blocker, answer.ground) == (Outcome.NOT, blocker, None)
    assert answer.partial is None


def test_a_merged_or_mismatched_record_blocks_even_at_56() -> None:
    old = date(1960, 1, 1)
    for code, blocker in (
        (StatusCode.DIGABUNG, Blocker.MERGED),
        (StatusCode.DATA_TIDAK_SESUAI, Blocker.DATA_MISMATCH),
    ):
        assert withdrawal(membership(code), anniversary(old, 56), TODAY).blocker is blocker


def test_no_programme_or_no_balance_is_nothing_to_claim() -> None:
    retirement = anniversary(BORN, 56)
    without = membership(programs=frozenset({Program.JKK, Program.JKM}))
    assert withdrawal(without, retirement, TODAY).blocker is Blocker.NO_JHT
    empty = membership(StatusCode.PHK, membership_end=date(2026, 1, 1), jht_balance=0)
    assert withdrawal(empty, retirement, TODAY).blocker is Blocker.NO_BALANCE


@pytest.mark.parametrize("code", [None, StatusCode.TUNGGAKAN])
def test_a_member_still_working_may_take_a_part_after_exactly_ten_years(
    code: StatusCode | None,
) -> None:
    started = membership(code, membership_start=date(2016, 11, 24), jht_balance=12_345_678)
    answer = withdrawal(started, anniversary(BORN, 56), TODAY)
    assert (answer.outcome, answer.blocker) == (Outcome.NOT, Blocker.STILL_A_MEMBER)
    partial = answer.partial
    assert partial is not None
    assert partial.since == date(2026, 11, 24)
    assert partial.available(date(2026, 11, 24))
    assert not partial.available(date(2026, 11, 23))
    assert partial.amounts == (1_234_567, 3_703_703)
    assert Document.STILL_WORKING_LETTER in partial.documents


def test_the_answer_covers_every_jht_membership_and_advises_merging_balances() -> None:
    current = membership(kpj="11111111111")
    old = membership(
        StatusCode.BERHENTI_BEKERJA, kpj="22222222222", membership_end=date(2020, 5, 1)
    )
    merged = membership(StatusCode.DIGABUNG, kpj="33333333333", jht_balance=0)
    bpu = membership(
        kpj="44444444444", segment=Segment.BPU, programs=frozenset({Program.JKK, Program.JKM})
    )
    answer = jht_answer(BORN, [current, old, merged, bpu], TODAY)
    assert [w.kpj for w in answer.withdrawals] == ["11111111111", "22222222222", "33333333333"]
    assert [w.outcome for w in answer.withdrawals] == [Outcome.NOT, Outcome.NOW, Outcome.NOT]
    assert answer.retirement_date == RETIREMENT
    assert answer.merge_first
    alone = jht_answer(BORN, [current, merged], TODAY)
    assert not alone.merge_first
    assert jht_answer(BORN, [], TODAY).withdrawals == ()


def test_an_active_membership_has_no_code_and_any_other_has_one() -> None:
    with pytest.raises(ValueError, match="status code"):
        membership(None, status=MembershipStatus.NONAKTIF)
    with pytest.raises(ValueError, match="status code"):
        membership(StatusCode.PHK, status=MembershipStatus.AKTIF)
