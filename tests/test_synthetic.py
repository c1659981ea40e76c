"""Synthetic members: valid, unique, varied like real ones, and the same for the same seed."""

import hmac
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from central.rows import COLUMNS, parse_member_row
from devtools.synthetic import synthetic_rows
from kiosk.member import Member, MembershipStatus, Program, Segment
from kiosk.standing import contributions

TODAY = date(2026, 11, 24)
SEED = 175
COUNT = 5000
JKK_JKM = frozenset({Program.JKK, Program.JKM})


def digest(name: str) -> bytes:
    return hmac.digest(b"k" * 32, name.casefold().encode(), "sha256")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(synthetic_rows(COUNT, seed=SEED, today=TODAY))


@pytest.fixture(scope="module")
def members(rows: list[dict[str, str]]) -> list[Member]:
    return [parse_member_row(row, digest, TODAY) for row in rows]


def test_every_row_has_the_published_columns_as_text(rows: list[dict[str, str]]) -> None:
    assert len(rows) == COUNT
    for row in rows:
        assert tuple(row) == COLUMNS
        assert all(isinstance(value, str) for value in row.values())
        assert row["deleted"] == "false"


def test_every_row_parses(members: list[Member]) -> None:
    assert len(members) == COUNT
    assert not any(member.deleted for member in members)


def test_niks_and_kpjs_are_unique(members: list[Member]) -> None:
    assert len({member.nik for member in members}) == COUNT
    assert len({member.kpj for member in members}) == COUNT


def test_niks_stay_unique_over_many_rows() -> None:
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


def test_too_many_rows_for_unique_niks_are_refused() -> None:
    with pytest.raises(ValueError, match="unique NIKs"):
        next(synthetic_rows(10**9, seed=SEED, today=TODAY))


def test_both_sexes_and_all_birth_years(members: list[Member]) -> None:
    women = [member for member in members if int(member.nik[6:8]) > 40]
    assert 0.4 < len(women) / COUNT < 0.6
    years = {member.birth_date.year for member in members}
    assert min(years) == 1960
    assert max(years) == 2007


def test_niks_come_from_at_least_thirty_provinces(members: list[Member]) -> None:
    assert len({member.nik[:2] for member in members}) >= 30


def test_segments_statuses_and_payments_all_occur(members: list[Member]) -> None:
    segments = Counter(member.segment for member in members)
    assert set(segments) == set(Segment)
    assert segments.most_common(1)[0][0] is Segment.PU
    assert {member.status for member in members} == set(MembershipStatus)
    paid = [contributions(member, TODAY) for member in members]
    assert any(p.up_to_date for p in paid)
    assert any(p.missing_months > 0 for p in paid)
    assert any(p.last_paid is not None and p.last_paid > p.due for p in paid)
    assert any(p.last_paid is None for p in paid)


def test_inactive_members_have_a_reason(members: list[Member]) -> None:
    inactive = [member for member in members if member.status is MembershipStatus.NONAKTIF]
    assert inactive
    assert all(member.status_reason for member in inactive)
    assert "Tidak ada pembayaran iuran 3 bulan" in {member.status_reason for member in inactive}


def test_names_have_apostrophes_and_letters_beyond_ascii(rows: list[dict[str, str]]) -> None:
    for column in ("name", "mother_name"):
        names = [row[column] for row in rows]
        assert any("'" in name for name in names)
        assert any(not name.isascii() for name in names)
        assert any(" " not in name for name in names)
        assert any(name.count(" ") >= 2 for name in names)


def test_programmes_fit_the_segment(members: list[Member]) -> None:
    for member in members:
        if member.segment is Segment.PU:
            assert member.programs - {Program.JKP} == JKK_JKM | {Program.JHT, Program.JP}
        elif member.segment is Segment.JAKON:
            assert member.programs == JKK_JKM
        else:
            assert member.programs - {Program.JHT} == JKK_JKM
    assert any(Program.JKP in member.programs for member in members)
    assert any(member.programs == JKK_JKM for member in members if member.segment is Segment.BPU)


def test_employers_have_an_npp_where_they_pay(members: list[Member]) -> None:
    for member in members:
        assert bool(member.npp) == bool(member.employer_name)
        if member.segment in (Segment.PU, Segment.JAKON):
            assert member.employer_name.startswith(("PT ", "CV "))
    self_paying = [m for m in members if m.segment in (Segment.BPU, Segment.PMI)]
    assert 0 < sum(bool(m.npp) for m in self_paying) < len(self_paying) / 2


def test_jht_balances_only_with_jht(members: list[Member]) -> None:
    for member in members:
        if Program.JHT in member.programs:
            assert member.jht_as_of is not None
            assert TODAY - timedelta(days=30) <= member.jht_as_of <= TODAY
        else:
            assert (member.jht_balance, member.jht_as_of) == (0, None)
    balances = [m.jht_balance for m in members if Program.JHT in m.programs]
    assert 0 in balances
    assert max(balances) > 100_000_000


def test_updates_are_before_today_in_western_indonesian_time(members: list[Member]) -> None:
    midnight = datetime.combine(TODAY, datetime.min.time())
    for member in members:
        assert member.updated_at.utcoffset() == timedelta(hours=7)
        assert member.updated_at.replace(tzinfo=None) < midnight
