"""Synthetic persons: valid, unique, varied like real ones, and the same for the same seed."""

import hmac
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import groupby, pairwise
from operator import itemgetter

import pytest

from central.persons import persons_of
from central.rows import COLUMNS
from devtools.synthetic import synthetic_rows
from kiosk.claims import RETIREMENT_AGE, Outcome, anniversary, jht_answer
from kiosk.member import (
    EMPLOYMENT_ENDED,
    DataFlag,
    Membership,
    MembershipStatus,
    Person,
    Program,
    Segment,
    StatusCode,
)
from kiosk.standing import contributions, first_history_period
from tests.conftest import TODAY

SEED = 175
COUNT = 5000
JKK_JKM = frozenset({Program.JKK, Program.JKM})


def digest(name: str) -> bytes:
    return hmac.digest(b"k" * 32, name.casefold().encode(), "sha256")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(synthetic_rows(COUNT, seed=SEED, today=TODAY))


@pytest.fixture(scope="module")
def persons(rows: list[dict[str, str]]) -> list[Person]:
    return persons_of(rows, digest, TODAY)


@pytest.fixture(scope="module")
def memberships(persons: list[Person]) -> list[Membership]:
    return [membership for person in persons for membership in person.memberships]


def test_every_row_has_the_published_columns_as_text(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert tuple(row) == COLUMNS
        assert all(isinstance(value, str) for value in row.values())
        assert row["deleted"] == "false"


def test_every_row_parses_into_count_persons(persons: list[Person]) -> None:
    assert len(persons) == COUNT
    assert not any(person.deleted for person in persons)


def test_about_1_3_memberships_a_person(rows: list[dict[str, str]]) -> None:
    assert 1.2 < len(rows) / COUNT < 1.4


def test_a_person_s_rows_come_together(rows: list[dict[str, str]]) -> None:
    runs = [nik for nik, _ in groupby(rows, key=itemgetter("nik"))]
    assert len(runs) == len(set(runs)) == COUNT


def test_niks_and_kpjs_are_unique(rows: list[dict[str, str]]) -> None:
    assert len({row["kpj"] for row in rows}) == len(rows)


def test_niks_stay_unique_over_many_persons() -> None:
    niks = {row["nik"] for row in synthetic_rows(50_000, seed=SEED, today=TODAY)}
    assert len(niks) == 50_000


def test_the_same_seed_gives_the_same_rows(rows: list[dict[str, str]]) -> None:
    assert list(synthetic_rows(COUNT, seed=SEED, today=TODAY)) == rows
    other = list(synthetic_rows(COUNT, seed=SEED + 1, today=TODAY))
    assert other != rows
    assert not {row["nik"] for row in other[:100]} & {row["nik"] for row in rows[:100]}


def test_rows_stream() -> None:
    generated = synthetic_rows(10**6, seed=SEED, today=TODAY)
    assert iter(generated) is generated
    assert tuple(next(generated)) == COLUMNS


def test_too_many_persons_for_unique_niks_are_refused() -> None:
    with pytest.raises(ValueError, match="unique NIKs"):
        next(synthetic_rows(10**9, seed=SEED, today=TODAY))


def test_both_sexes_and_all_birth_years(persons: list[Person]) -> None:
    women = [person for person in persons if int(person.nik[6:8]) > 40]
    assert 0.4 < len(women) / COUNT < 0.6
    years = {person.birth_date.year for person in persons}
    assert min(years) <= 1960
    assert max(years) >= 2007


def test_niks_come_from_at_least_thirty_provinces(persons: list[Person]) -> None:
    assert len({person.nik[:2] for person in persons}) >= 30


def test_a_few_birth_dates_differ_from_the_nik_s(persons: list[Person]) -> None:
    flagged = [person for person in persons if DataFlag.BIRTH_DATE_MISMATCH in person.flags]
    assert 0.005 < len(flagged) / COUNT < 0.03
    codes = {m.status_code for person in flagged for m in person.memberships}
    assert StatusCode.DATA_TIDAK_SESUAI in codes


def test_segments_statuses_every_code_and_payments_all_occur(
    memberships: list[Membership],
) -> None:
    segments = Counter(m.segment for m in memberships)
    assert set(segments) == set(Segment)
    assert segments.most_common(1)[0][0] is Segment.PU
    assert {m.status for m in memberships} == set(MembershipStatus)
    assert {m.status_code for m in memberships} == {None, *StatusCode}
    paid = [contributions(m, TODAY) for m in memberships if m.status is MembershipStatus.AKTIF]
    assert any(p.up_to_date for p in paid)
    assert any(p.missing_months > 0 for p in paid)
    assert any(p.last_paid is not None and p.last_paid > p.due for p in paid)
    assert any(p.last_paid is None for p in paid)
    assert any(p.first_missing is not None and p.up_to_date for p in paid), "a gap in the year"


def test_job_changers_hold_two_or_three_kpjs_the_older_ones_ended_or_merged(
    persons: list[Person],
) -> None:
    changers = [p for p in persons if sum(m.segment is Segment.PU for m in p.memberships) > 1]
    sizes = Counter(sum(m.segment is Segment.PU for m in p.memberships) for p in changers)
    assert set(sizes) == {2, 3}
    assert 0.15 < len(changers) / COUNT < 0.45
    for person in changers:
        jobs = sorted(
            (m for m in person.memberships if m.segment is Segment.PU),
            key=lambda m: m.membership_start,
        )
        for older, newer in pairwise(jobs):
            assert older.status is MembershipStatus.NONAKTIF
            assert older.status_code in EMPLOYMENT_ENDED | {StatusCode.DIGABUNG}
            assert older.membership_end is not None
            assert older.membership_end < newer.membership_start
    merged = [m for p in changers for m in p.memberships if m.status_code is StatusCode.DIGABUNG]
    assert merged
    assert all(m.jht_balance == 0 for m in merged)
    assert any(m.jht_balance > 0 for p in changers for m in p.memberships[1:])


def test_some_wage_earners_are_also_self_employed(persons: list[Person]) -> None:
    both = [
        person
        for person in persons
        if {m.segment for m in person.memberships} == {Segment.PU, Segment.BPU}
    ]
    assert both
    for person in both:
        assert all(m.status is MembershipStatus.AKTIF for m in person.memberships[:2])


def test_membership_dates_are_plausible(persons: list[Person]) -> None:
    for person in persons:
        for m in person.memberships:
            assert anniversary(person.birth_date, 17) <= m.membership_start
            assert m.membership_start <= TODAY - timedelta(days=30)
            if m.membership_end is not None:
                assert m.membership_start <= m.membership_end <= TODAY
            ended = m.status_code in EMPLOYMENT_ENDED | {StatusCode.DIGABUNG}
            assert not ended or m.membership_end is not None
            if m.status is MembershipStatus.AKTIF:
                assert m.membership_end is None


def test_paid_months_agree_with_the_last_paid_one(memberships: list[Membership]) -> None:
    oldest = first_history_period(TODAY)
    for m in memberships:
        last = m.last_paid_period
        if last is None or last < oldest:
            assert m.paid_periods == frozenset()
            continue
        assert last in m.paid_periods
        assert max(m.paid_periods) == last
        assert min(m.paid_periods) >= oldest
    assert any(len(m.paid_periods) == 12 for m in memberships)


def test_only_persons_of_56_or_more_retired(persons: list[Person]) -> None:
    for person in persons:
        if person.flags:
            continue  # the birth date on record is not the one the NIK says
        retired = anniversary(person.birth_date, RETIREMENT_AGE)
        for m in person.memberships:
            if m.status_code is StatusCode.USIA_PENSIUN:
                assert retired <= TODAY


def test_every_jht_answer_occurs(persons: list[Person]) -> None:
    outcomes = Counter(
        withdrawal.outcome
        for person in persons
        for withdrawal in jht_answer(person.birth_date, person.memberships, TODAY).withdrawals
    )
    assert set(outcomes) == set(Outcome)
    assert outcomes[Outcome.FROM] > 10


def test_names_have_apostrophes_and_letters_beyond_ascii(rows: list[dict[str, str]]) -> None:
    for column in ("name", "mother_name"):
        names = [row[column] for row in rows]
        assert any("'" in name for name in names)
        assert any(not name.isascii() for name in names)
        assert any(" " not in name for name in names)
        assert any(name.count(" ") >= 2 for name in names)


def test_programmes_fit_the_segment(memberships: list[Membership]) -> None:
    for m in memberships:
        if m.segment is Segment.PU:
            assert m.programs - {Program.JKP} == JKK_JKM | {Program.JHT, Program.JP}
        elif m.segment is Segment.JAKON:
            assert m.programs == JKK_JKM
        else:
            assert m.programs - {Program.JHT} == JKK_JKM
    assert any(Program.JKP in m.programs for m in memberships)
    assert any(m.programs == JKK_JKM for m in memberships if m.segment is Segment.BPU)


def test_employers_have_an_npp_where_they_pay(memberships: list[Membership]) -> None:
    for m in memberships:
        assert bool(m.npp) == bool(m.employer_name)
        if m.segment in (Segment.PU, Segment.JAKON):
            assert m.employer_name.startswith(("PT ", "CV "))
    self_paying = [m for m in memberships if m.segment in (Segment.BPU, Segment.PMI)]
    assert 0 < sum(bool(m.npp) for m in self_paying) < len(self_paying) / 2


def test_jht_balances_only_with_jht(memberships: list[Membership]) -> None:
    for m in memberships:
        if Program.JHT in m.programs:
            assert m.jht_as_of is not None
            assert TODAY - timedelta(days=30) <= m.jht_as_of <= TODAY
        else:
            assert (m.jht_balance, m.jht_as_of) == (0, None)
    balances = [m.jht_balance for m in memberships if Program.JHT in m.programs]
    assert 0 in balances
    assert max(balances) > 100_000_000


def test_updates_are_before_today_in_western_indonesian_time(
    rows: list[dict[str, str]], persons: list[Person]
) -> None:
    wib = timezone(timedelta(hours=7))
    assert all(datetime.fromisoformat(row["updated_at"]).tzinfo == wib for row in rows)
    midnight = datetime.combine(TODAY, datetime.min.time(), tzinfo=wib)
    assert all(person.updated_at < midnight for person in persons)
