"""Rows from the central store: every column checked, errors that name the column, not the
value; and a person's rows grouped, with the rules that span them."""

import hmac
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.members_file import RowProblem
from central.persons import PersonGroups, persons_of
from central.rows import (
    COLUMNS,
    OLDEST_PAID_MONTHS,
    TEXT_LIMITS,
    InvalidRowError,
    MemberRow,
    PersonPart,
    parse_row,
)
from kiosk.cache.sealing import normalise_name
from kiosk.card import ISSUER, CardClaims, CardSigner
from kiosk.errors import InvalidInputError
from kiosk.member import (
    DataFlag,
    Membership,
    MembershipStatus,
    Period,
    Person,
    Program,
    Segment,
    StatusCode,
)
from kiosk.qr import MAX_SCREEN_VERSION, encode_qr
from kiosk.standing import HISTORY_MONTHS, first_history_period
from tests.conftest import TODAY

WIB = timezone(timedelta(hours=7))
KEY = b"k" * 32
NIK = "3171014501900001"
"""Gambir, Jakarta Pusat; a woman born on 5 January 1990."""
MOTHER = "Fāṭimah Nur'aini"


def digest(name: str) -> bytes:
    """As a kiosk hashes the mother's name: normalised, then keyed."""
    return hmac.digest(KEY, normalise_name(name).encode(), "sha256")


def valid_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "nik": NIK,
        "kpj": "12345678901",
        "name": "Siti Ṣāliḥah",
        "birth_date": "1990-01-05",
        "mother_name": MOTHER,
        "segment": "PU",
        "status": "AKTIF",
        "status_code": "",
        "employer_name": "PT Sinar Abadi Tekstil",
        "npp": "87654321",
        "programs": "JKK JKM JHT JP",
        "membership_start": "2015-03-02",
        "membership_end": "",
        "last_paid_period": "2026-10",
        "paid_periods": "2026-08 2026-09 2026-10",
        "jht_balance": "12345678",
        "jht_as_of": "2026-11-01",
        "updated_at": "2026-11-20T08:00:00+07:00",
        "deleted": "false",
    }
    row.update(changes)
    return row


ENDED = {
    "status": "NONAKTIF",
    "status_code": "BERHENTI_BEKERJA",
    "membership_start": "2009-06-01",
    "membership_end": "2014-12-31",
    "last_paid_period": "2014-12",
    "paid_periods": "",
}
"""An earlier job, resigned from."""


def parse(**changes: object) -> MemberRow:
    return parse_row(valid_row(**changes), digest, TODAY)


def refusal(**changes: object) -> InvalidRowError:
    with pytest.raises(InvalidRowError) as caught:
        parse(**changes)
    return caught.value


def test_the_columns_are_the_published_ones_in_order() -> None:
    assert tuple(valid_row()) == COLUMNS
    assert len(COLUMNS) == 19


def test_a_valid_row_becomes_the_person_part_and_the_membership() -> None:
    assert parse() == MemberRow(
        person=PersonPart(
            nik=NIK,
            name="Siti Ṣāliḥah",
            birth_date=date(1990, 1, 5),
            mother_hash=digest(MOTHER),
            flags=frozenset(),
        ),
        membership=Membership(
            kpj="12345678901",
            segment=Segment.PU,
            employer_name="PT Sinar Abadi Tekstil",
            npp="87654321",
            status=MembershipStatus.AKTIF,
            status_code=None,
            programs=frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP}),
            membership_start=date(2015, 3, 2),
            membership_end=None,
            last_paid_period=Period(2026, 10),
            paid_periods=frozenset({Period(2026, 8), Period(2026, 9), Period(2026, 10)}),
            jht_balance=12_345_678,
            jht_as_of=date(2026, 11, 1),
        ),
        updated_at=datetime(2026, 11, 20, 8, 0, tzinfo=WIB),
        deleted=False,
    )


def test_the_mother_s_name_is_kept_only_as_its_digest() -> None:
    row = parse()
    assert row.person.mother_hash == digest(MOTHER)
    for part in (row.person, row.membership):
        for field in fields(part):
            value = getattr(part, field.name)
            assert MOTHER not in str(value)
            assert "Fāṭimah" not in str(value)


def test_names_keep_their_letters_and_apostrophes_and_lose_outer_spaces() -> None:
    row = parse(name="  Nur'aini Déwi Ma'ruf ", employer_name=" PT Ma'ruf Jaya ")
    assert row.person.name == "Nur'aini Déwi Ma'ruf"
    assert row.membership.employer_name == "PT Ma'ruf Jaya"


def test_a_json_lines_row_takes_lists_numbers_booleans_and_null() -> None:
    row = parse(
        programs=["JKK", "JKM", "JHT", "JP", "JKP"],
        paid_periods=[],
        jht_balance=0,
        deleted=False,
        status_code=None,
        membership_end=None,
        last_paid_period=None,
        jht_as_of=None,
    )
    membership = row.membership
    assert membership.programs == frozenset(Program)
    assert membership.paid_periods == frozenset()
    assert membership.jht_balance == 0
    assert (membership.status_code, membership.membership_end) == (None, None)
    assert (membership.last_paid_period, membership.jht_as_of) == (None, None)
    listed = parse(paid_periods=["2026-10", "2026-09"]).membership.paid_periods
    assert listed == {Period(2026, 9), Period(2026, 10)}


def test_programmes_and_paid_months_may_be_empty_in_either_form() -> None:
    assert parse(programs="").membership.programs == frozenset()
    assert parse(programs=[]).membership.programs == frozenset()
    empties: tuple[object, ...] = ("", " ", [])
    for empty in empties:
        assert parse(paid_periods=empty).membership.paid_periods == frozenset()


def test_self_paying_members_need_no_employer() -> None:
    for segment in ("BPU", "PMI"):
        row = parse(segment=segment, employer_name="", npp="", programs="JKK JKM")
        assert (row.membership.employer_name, row.membership.npp) == ("", "")
    assert parse(
        segment="BPU", employer_name="Koperasi Nelayan Maju", npp="11223344"
    ).membership.npp


def test_an_offset_in_z_form_is_utc() -> None:
    assert parse(updated_at="2026-11-20T01:00:00Z").updated_at == datetime(
        2026, 11, 20, 1, 0, tzinfo=UTC
    )


def test_an_instant_is_kept_in_utc_whatever_zone_wrote_it() -> None:
    """PostgreSQL answers in its session's zone, an export in its writer's: one record."""
    wib, utc = parse(updated_at="2026-11-20T08:00:00+07:00"), parse(updated_at="2026-11-20T01:00Z")
    assert wib.updated_at.isoformat() == utc.updated_at.isoformat() == "2026-11-20T01:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "flag"), [("true", True), ("1", True), ("0", False), (True, True), (False, False)]
)
def test_deleted_takes_words_digits_and_booleans(text: object, flag: bool) -> None:
    assert parse(deleted=text).deleted is flag


def test_a_deleted_row_may_leave_out_who_the_person_was_but_names_the_kpj() -> None:
    row = parse(deleted="true", name="", mother_name="")
    assert row.deleted
    assert (row.person.nik, row.membership.kpj) == (NIK, "12345678901")
    assert (row.person.name, row.person.mother_hash) == ("", b"")
    error = refusal(deleted="true", kpj="")
    assert (error.column, error.message.key) == ("kpj", "row.required")


def test_a_deleted_row_still_needs_a_valid_nik_and_the_other_columns() -> None:
    assert refusal(deleted="1", nik="3171014501900000", name="").column == "nik"
    assert refusal(deleted="1", segment="", name="").column == "segment"
    assert refusal(deleted="1", status_code="PHK", name="").column == "status_code"


@pytest.mark.parametrize("code", list(StatusCode))
def test_every_status_code_goes_with_a_membership_that_is_not_active(code: StatusCode) -> None:
    membership = parse(status="NONAKTIF", status_code=code.value).membership
    assert (membership.status, membership.status_code) == (MembershipStatus.NONAKTIF, code)


@pytest.mark.parametrize(
    ("status", "code", "rule"),
    [
        ("AKTIF", "PHK", "row.status_code_active"),
        ("AKTIF", "LAINNYA", "row.status_code_active"),
        ("NONAKTIF", "", "row.status_code"),
        ("NONAKTIF", None, "row.status_code"),
        ("NONAKTIF", "phk", "row.status_code"),
        ("NONAKTIF", "RESIGN", "row.status_code"),
        ("NONAKTIF", "Berhenti bekerja", "row.status_code"),
    ],
)
def test_a_wrong_status_code_is_refused(status: str, code: str | None, rule: str) -> None:
    error = refusal(status=status, status_code=code)
    assert (error.column, error.message.key) == ("status_code", rule)
    if rule == "row.status_code":
        assert all(code.value in error.message.text("en") for code in StatusCode)


def test_a_membership_may_end_on_the_day_it_started_but_not_before() -> None:
    assert parse(membership_end="2015-03-02").membership.membership_end == date(2015, 3, 2)
    error = refusal(membership_end="2015-03-01")
    assert (error.column, error.message.key) == ("membership_end", "row.end_before_start")
    assert "membership_start" in error.message.text("en")


def test_a_birth_date_that_differs_from_the_nik_s_is_flagged_not_refused() -> None:
    assert parse().person.flags == frozenset()
    row = parse(birth_date="1990-01-06")
    assert row.person.flags == {DataFlag.BIRTH_DATE_MISMATCH}
    assert row.person.birth_date == date(1990, 1, 6)


def test_paid_months_reach_back_as_far_as_the_year_a_member_is_shown() -> None:
    assert HISTORY_MONTHS == 12
    assert first_history_period(TODAY) == Period(2025, 11)
    # Until the 15th the month before last is the newest due, and the year shown starts
    # a month earlier: a paid month the kiosk shows must be one the record may hold.
    assert first_history_period(date(2026, 1, 1)) == Period(2024, 12)
    assert first_history_period(date(2026, 1, 16)) == Period(2025, 1)
    # One month of slack: a file exported before the 15th stays whole when published after.
    assert OLDEST_PAID_MONTHS == 13
    oldest = parse(paid_periods="2025-10 2026-10").membership.paid_periods
    assert min(oldest) == Period(2025, 10)
    error = refusal(paid_periods="2025-09 2026-10")
    assert (error.column, error.message.key) == ("paid_periods", "row.paid_periods_too_old")
    assert error.message.params == {"column": "paid_periods", "months": 13}


def test_no_paid_month_after_the_last_paid_period_nor_without_one() -> None:
    ahead = parse(last_paid_period="2026-11", paid_periods="2026-10 2026-11").membership
    assert max(ahead.paid_periods) == Period(2026, 11)
    for changes in (
        {"paid_periods": "2026-10 2026-11"},
        {"last_paid_period": "2026-09"},
        {"last_paid_period": "", "paid_periods": "2026-10"},
        {"last_paid_period": None, "paid_periods": ["2026-10"]},
    ):
        error = refusal(**changes)
        assert (error.column, error.message.key) == ("paid_periods", "row.paid_periods_after_last")
        assert "last_paid_period" in error.message.text("id")


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("nik", "", "row.required"),
        ("nik", "3171014501900000", "row.nik"),
        ("nik", "31710145019000", "row.nik"),
        ("nik", 3171014501900001, "row.text"),
        ("kpj", "", "row.required"),
        ("kpj", "1234567890", "row.kpj"),
        ("kpj", "1234567890A", "row.kpj"),
        ("name", "   ", "row.required"),
        ("name", None, "row.required"),
        ("name", "Budi\x1b[31m", "row.unsafe_text"),
        ("name", "Budi\u202eiduB", "row.unsafe_text"),
        ("name", "Budi\ud800", "row.unsafe_text"),
        ("name", ["Budi"], "row.text"),
        ("birth_date", "", "row.required"),
        ("birth_date", "05/01/1990", "row.date"),
        ("birth_date", "19900105", "row.date"),
        ("birth_date", "1990-02-30", "row.date"),
        ("mother_name", "", "row.required"),
        ("segment", "pu", "row.choice"),
        ("segment", "", "row.choice"),
        ("status", "ACTIVE", "row.choice"),
        ("status_code", "TUNGGAKAN", "row.status_code_active"),
        ("status_code", 3, "row.text"),
        ("npp", "1234567", "row.npp"),
        ("npp", "1234567８", "row.npp"),
        ("npp", "", "row.required_for_segment"),
        ("employer_name", "", "row.required_for_segment"),
        ("programs", "JKK JKK", "row.programs_duplicate"),
        ("programs", ["JKK", "JKM", "JKK"], "row.programs_duplicate"),
        ("programs", "JKK JKN", "row.programs_unknown"),
        ("programs", "jkk", "row.programs_unknown"),
        ("programs", ["JKK", 1], "row.programs_unknown"),
        ("programs", "JKK,JKM", "row.programs_unknown"),
        ("programs", 7, "row.programs_form"),
        ("membership_start", "", "row.required"),
        ("membership_start", None, "row.required"),
        ("membership_start", "2015-3-2", "row.date"),
        ("membership_end", "2015-02-29", "row.date"),
        ("membership_end", "2015-03-01", "row.end_before_start"),
        ("last_paid_period", "2026-13", "row.period"),
        ("last_paid_period", "2026-1", "row.period"),
        ("last_paid_period", "202610", "row.period"),
        ("paid_periods", "2026-08,2026-09", "row.paid_periods_form"),
        ("paid_periods", "2026-13", "row.paid_periods_form"),
        ("paid_periods", "2026-9", "row.paid_periods_form"),
        ("paid_periods", ["2026-09", 202610], "row.paid_periods_form"),
        ("paid_periods", 202610, "row.paid_periods_form"),
        ("paid_periods", None, "row.paid_periods_form"),
        ("paid_periods", "2026-09 2026-09", "row.paid_periods_duplicate"),
        ("paid_periods", ["2026-10", "2026-10"], "row.paid_periods_duplicate"),
        ("paid_periods", "2026-11", "row.paid_periods_after_last"),
        ("paid_periods", "2025-09", "row.paid_periods_too_old"),
        ("jht_balance", "", "row.amount"),
        ("jht_balance", "-5", "row.amount"),
        ("jht_balance", "1.000", "row.amount"),
        ("jht_balance", "１２", "row.amount"),
        ("jht_balance", "1" * 19, "row.amount"),
        ("jht_balance", -5, "row.amount"),
        ("jht_balance", True, "row.amount"),
        ("jht_balance", 1.5, "row.amount"),
        ("jht_as_of", "2026-11-31", "row.date"),
        ("updated_at", "2026-11-20T08:00:00", "row.datetime"),
        ("updated_at", "2026-11-20", "row.datetime"),
        ("updated_at", "", "row.datetime"),
        ("updated_at", "2026-11-20T25:00:00+07:00", "row.datetime"),
        ("deleted", "yes", "row.boolean"),
        ("deleted", None, "row.boolean"),
        ("deleted", 1, "row.boolean"),
    ],
)
def test_each_broken_column_is_named(column: str, value: object, rule: str) -> None:
    error = refusal(**{column: value})
    assert isinstance(error, InvalidInputError)
    assert error.column == column
    assert error.message.key == rule
    assert error.message.params["column"] == column
    assert column in error.message.text("id")
    assert column in error.message.text("en")


def test_a_nik_problem_is_named_by_its_code() -> None:
    error = refusal(nik="3171014501900000")
    assert error.message.params == {"column": "nik", "problem": "serial_zero"}
    assert isinstance(error.__cause__, InvalidInputError)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("nik", "3171014501900000"),
        ("nik", "3171014501909999x"),
        ("kpj", "98765432100123"),
        ("name", "Ṣāliḥah\x07"),
        ("mother_name", "Sumiati Nur'aini\x00"),
        ("status", "AKTIF-SEMENTARA"),
        ("status_code", "DIPECAT_KARENA_MENCURI"),
        ("employer_name", "PT Rahasia Jaya\x1b"),
        ("mother_name", "Siti\u200bRahasia"),
        ("npp", "1234567"),
        ("membership_start", "2015-02-30"),
        ("membership_end", "2011-11-11"),
        ("paid_periods", "2026-08 2026-31"),
        ("paid_periods", "2026-11 2026-12"),
        ("paid_periods", "2019-07 2026-10"),
        ("jht_balance", "98765432109876543210"),
        ("jht_as_of", "2026-11-31"),
    ],
)
def test_an_error_never_carries_the_value(column: str, value: str) -> None:
    error = refusal(**{column: value})
    assert error.column == column
    shown = f"{error} {error.message.text('id')} {error.message.text('en')} {error.message.params}"
    assert value not in shown
    assert value.strip("\x00\x07\x1b") not in shown
    for part in value.split():
        assert part not in shown


def test_missing_columns_are_named() -> None:
    row = valid_row()
    del row["npp"], row["deleted"]
    with pytest.raises(InvalidRowError) as caught:
        parse_row(row, digest, TODAY)
    assert caught.value.column == "npp, deleted"
    assert caught.value.message.key == "row.columns_missing"
    assert "npp, deleted" in str(caught.value)


def test_the_old_status_reason_column_is_refused_by_name() -> None:
    row = valid_row(status_reason="Berhenti bekerja")
    del row["status_code"]
    with pytest.raises(InvalidRowError) as caught:
        parse_row(row, digest, TODAY)
    assert caught.value.message.key == "row.columns_mismatch"
    assert caught.value.message.params == {"missing": "status_code", "extra": "status_reason"}


def test_extra_columns_are_named() -> None:
    with pytest.raises(InvalidRowError) as caught:
        parse_row(valid_row(email="", phone=""), digest, TODAY)
    assert caught.value.column == "email, phone"
    assert caught.value.message.key == "row.columns_extra"


def test_a_renamed_column_is_named_both_ways() -> None:
    row = valid_row(nama="Budi")
    del row["name"]
    with pytest.raises(InvalidRowError) as caught:
        parse_row(row, digest, TODAY)
    assert caught.value.message.key == "row.columns_mismatch"
    assert caught.value.message.params == {"missing": "name", "extra": "nama"}


# A person's rows, grouped.


def group(*rows: dict[str, object]) -> tuple[PersonGroups, list[RowProblem]]:
    """The rows as lines 2, 3, ... of a CSV file (line 1 is its header)."""
    groups = PersonGroups(digest, TODAY)
    problems = [p for line, row in enumerate(rows, start=2) if (p := groups.add(line, row))]
    return groups, problems


OTHER_NIK = "3171010101900002"
"""Another person: a man born on 1 January 1990."""
OTHER = {"nik": OTHER_NIK, "kpj": "11111111111", "name": "Budi", "birth_date": "1990-01-01"}


def test_a_person_s_rows_become_one_person_current_membership_first() -> None:
    earlier = valid_row(kpj="10000000001", updated_at="2026-11-21T09:30:00+07:00", **ENDED)
    side = valid_row(
        kpj="10000000003", segment="BPU", employer_name="", npp="", membership_start="2024-01-10"
    )
    groups, problems = group(earlier, valid_row(**OTHER), valid_row(), side)
    assert problems == []
    person, other = groups.persons()
    assert (person.nik, other.nik) == (NIK, OTHER_NIK)
    assert [m.kpj for m in person.memberships] == ["10000000003", "12345678901", "10000000001"]
    assert person.updated_at == datetime(2026, 11, 21, 9, 30, tzinfo=WIB)
    assert (person.name, person.mother_hash) == ("Siti Ṣāliḥah", digest(MOTHER))
    assert person.flags == frozenset()
    assert not person.deleted
    assert [m.kpj for m in other.memberships] == ["11111111111"]


@pytest.mark.parametrize(
    ("changes", "columns"),
    [
        ({"name": "Siti Salihah"}, "name"),
        ({"birth_date": "1990-01-06"}, "birth_date"),
        ({"mother_name": "Aminah"}, "mother_name"),
        ({"name": "Siti", "mother_name": "Aminah"}, "name, mother_name"),
    ],
)
def test_rows_of_a_person_that_disagree_are_each_named_with_the_first(
    changes: dict[str, str], columns: str
) -> None:
    groups, problems = group(
        valid_row(),
        valid_row(**OTHER),
        valid_row(kpj="10000000001", **ENDED),
        valid_row(kpj="10000000002", **{**ENDED, **changes}),
        valid_row(kpj="10000000003", **{**ENDED, **changes}),
    )
    assert [(p.line, p.column, p.message.key) for p in problems] == [
        (5, columns, "row.differs"),
        (6, columns, "row.differs"),
    ]
    assert problems[0].message.params == {"column": columns, "first": 2}
    assert "line 2" in problems[0].message.text("en")
    assert groups.held == {NIK}
    assert [person.nik for person in groups.persons()] == [OTHER_NIK]


def test_the_mother_s_name_agrees_as_the_kiosk_compares_it() -> None:
    _, problems = group(
        valid_row(), valid_row(kpj="10000000001", mother_name="FATIMAH  NURAINI", **ENDED)
    )
    assert problems == []


def test_the_same_nik_and_kpj_twice_is_named_with_both_lines() -> None:
    groups, problems = group(
        valid_row(), valid_row(**OTHER), valid_row(jht_balance="1"), valid_row(deleted="true")
    )
    assert [(p.line, p.column, p.message.params) for p in problems] == [
        (4, "kpj", {"column": "kpj", "first": 2}),
        (5, "kpj", {"column": "kpj", "first": 2}),
    ]
    assert "line 2" in problems[0].message.text("en")
    assert groups.held == {NIK}
    assert [person.nik for person in groups.persons()] == [OTHER_NIK]


def test_a_month_paid_before_the_membership_began_is_refused() -> None:
    """The month the membership began may be paid for; the one before cannot have been."""
    joined = {"membership_start": "2026-03-10", "last_paid_period": "2026-10"}
    row = valid_row(**joined, paid_periods="2026-03 2026-04")
    assert parse_row(row, digest, TODAY).membership.paid_periods == {
        Period(2026, 3),
        Period(2026, 4),
    }
    with pytest.raises(InvalidRowError) as caught:
        parse_row(valid_row(**joined, paid_periods="2026-02 2026-03"), digest, TODAY)
    error = caught.value
    assert (error.column, error.message.key) == ("paid_periods", "row.paid_periods_before_start")


def test_the_same_kpj_under_another_nik_holds_both_persons() -> None:
    """A KPJ is one person's: which NIK is right only the central store can say."""
    third = {**OTHER, "nik": "3171010101900003", "kpj": "22222222222"}
    groups, problems = group(
        valid_row(), valid_row(**third), valid_row(**{**OTHER, "kpj": "12345678901"})
    )
    assert [(p.line, p.column, p.message.key, p.message.params) for p in problems] == [
        (4, "kpj", "row.kpj_elsewhere", {"column": "kpj", "first": 2}),
    ]
    assert "line 2" in problems[0].message.text("en")
    assert groups.held == {NIK, OTHER_NIK}
    assert [person.nik for person in groups.persons()] == [third["nik"]]


def test_a_kpj_moved_to_the_right_nik_is_deleted_under_the_wrong_one() -> None:
    moved = {**OTHER, "kpj": "12345678901"}
    groups, problems = group(valid_row(deleted="true"), valid_row(**moved))
    assert problems == []
    assert [(p.nik, p.deleted) for p in groups.persons()] == [(NIK, True), (OTHER_NIK, False)]


def test_a_deleted_row_removes_one_membership_and_the_last_one_the_person() -> None:
    groups, problems = group(
        valid_row(),
        valid_row(kpj="10000000001", deleted="true", name="", mother_name="", **ENDED),
        valid_row(**OTHER, deleted="true", updated_at="2026-11-23T10:00:00+07:00"),
    )
    assert problems == []
    person, gone = groups.persons()
    assert [m.kpj for m in person.memberships] == ["12345678901"]
    assert not person.deleted
    assert gone == Person(
        nik=OTHER_NIK,
        name="Budi",
        birth_date=date(1990, 1, 1),
        mother_hash=digest(MOTHER),
        memberships=(),
        updated_at=datetime(2026, 11, 23, 10, 0, tzinfo=WIB),
        deleted=True,
    )


def test_deleted_rows_are_not_compared_and_count_for_the_time_of_the_change() -> None:
    groups, problems = group(
        valid_row(kpj="10000000001", deleted="1", name="Nama Lama", **ENDED),
        valid_row(),
        valid_row(kpj="10000000002", deleted="1", updated_at="2026-11-23T07:00:00+07:00"),
    )
    assert problems == []
    (person,) = groups.persons()
    assert person.name == "Siti Ṣāliḥah"
    assert person.updated_at == datetime(2026, 11, 23, 7, 0, tzinfo=WIB)


def test_a_bad_row_holds_its_person_and_every_problem_is_still_reported() -> None:
    groups, problems = group(
        valid_row(),
        valid_row(kpj="10000000001", status_code="PHK"),
        valid_row(kpj="10000000002", name="Siti Lain", **ENDED),
        valid_row(**OTHER),
        valid_row(nik="31710101019", kpj="10000000004"),
    )
    assert [(p.line, p.column) for p in problems] == [(3, "status_code"), (4, "name"), (6, "nik")]
    assert groups.held == {NIK}
    assert [person.nik for person in groups.persons()] == [OTHER_NIK]


def test_a_person_whose_birth_date_differs_from_the_nik_is_published_with_the_flag() -> None:
    (person,) = persons_of([valid_row(birth_date="1991-01-05")], digest, TODAY)
    assert person.flags == {DataFlag.BIRTH_DATE_MISMATCH}
    assert person.birth_date == date(1991, 1, 5)


def test_persons_of_valid_rows_raises_on_the_first_problem() -> None:
    with pytest.raises(InvalidRowError) as caught:
        persons_of([valid_row(), valid_row(kpj="10000000001", name="Siti Lain")], digest, TODAY)
    assert (caught.value.column, caught.value.message.key) == ("name", "row.differs")


INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "tag latin capital a": "\U000e0041",
    "interlinear annotation anchor": "\ufff9",
    "interlinear annotation separator": "\ufffa",
    "interlinear annotation terminator": "\ufffb",
    "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f",
    "arabic letter mark": "\u061c",
    "line separator": "\u2028",
    "private use": "\ue000",
    "unassigned": "\U000e0080",
}
FREE_TEXT = ("name", "mother_name", "employer_name")


@pytest.mark.parametrize("column", FREE_TEXT)
@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_refused_in_every_free_text_column(column: str, char: str) -> None:
    error = refusal(**{column: f"Siti{char}Rahayu"})
    assert (error.column, error.message.key) == (column, "row.unsafe_text")
    assert char not in str(error.message.params)


def test_visible_letters_marks_and_spaces_stay() -> None:
    """Combining accents, a no-break space and non-Latin letters are text, not tricks."""
    name = "Nur\u0301aini\u00a0Ḥusain 王 Ñ"
    assert parse(name=name).person.name == name


def test_free_text_columns_are_exactly_the_bounded_ones() -> None:
    assert set(TEXT_LIMITS) == set(FREE_TEXT)


@pytest.mark.parametrize(("column", "limit"), TEXT_LIMITS.items())
def test_each_free_text_column_holds_its_limit_in_utf8_bytes(column: str, limit: int) -> None:
    accented = "ā" * (limit // 2)
    for fits in ("A" * limit, accented + "A" * (limit % 2)):
        parse(**{column: fits})
    for longer in ("A" * (limit + 1), accented + "ā"):
        error = refusal(**{column: longer})
        assert (error.column, error.message.key) == (column, "row.too_long")
        assert error.message.params == {"column": column, "limit": limit}
        assert f"{limit} bytes" in error.message.text("en")


@pytest.mark.parametrize("length", [5_000, 100_000])
def test_a_name_of_thousands_of_characters_is_refused_without_its_value(length: int) -> None:
    value = ("Siti Rahasia " * length)[:length]
    error = refusal(name=value)
    assert (error.column, error.message.key) == ("name", "row.too_long")
    shown = f"{error} {error.message.text('id')} {error.message.text('en')} {error.message.params}"
    assert "Rahasia" not in shown


def test_the_outer_spaces_do_not_count() -> None:
    limit = TEXT_LIMITS["name"]
    assert parse(name=f"  {'A' * limit}  ").person.name == "A" * limit


def test_a_name_at_the_limit_keeps_the_largest_card_on_the_screen() -> None:
    """The largest card: an 11-digit KPJ above 2**32 and every programme (a bitmask of 24+)."""
    signer = CardSigner(Ed25519PrivateKey.generate())
    issued = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

    def version(name: str) -> int:
        claims = CardClaims(
            issuer=ISSUER,
            issued_at=issued,
            expires_at=issued + timedelta(days=90),
            kpj="99999999999",
            name=name,
            status=MembershipStatus.AKTIF,
            programs=frozenset(Program),
        )
        return encode_qr(signer.sign(claims)).version

    limit = TEXT_LIMITS["name"]
    assert version("A" * limit) == MAX_SCREEN_VERSION
    assert version("ṣ" * (limit // 3)) == MAX_SCREEN_VERSION
    assert version("A" * (limit + 1)) > MAX_SCREEN_VERSION


def test_every_mother_s_name_allowed_can_be_typed_at_the_kiosk() -> None:
    from screens.verify import MAX_NAME

    assert TEXT_LIMITS["mother_name"] <= MAX_NAME


def test_the_readme_states_each_limit() -> None:
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert [
        column for column, limit in TEXT_LIMITS.items() if f"`{column}` {limit}" not in readme
    ] == []
