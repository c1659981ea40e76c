"""Rows from the central store: every column checked, errors that name the column, not the value."""

import hmac
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.rows import COLUMNS, TEXT_LIMITS, InvalidRowError, parse_member_row
from kiosk.card import ISSUER, CardClaims, CardSigner
from kiosk.errors import InvalidInputError
from kiosk.member import Member, MembershipStatus, Period, Program, Segment
from kiosk.qr import MAX_SCREEN_VERSION, encode_qr

TODAY = date(2026, 11, 24)
KEY = b"k" * 32
NIK = "3171014501900001"
"""Gambir, Jakarta Pusat; a woman born on 5 January 1990."""
MOTHER = "Fāṭimah Nur'aini"


def digest(name: str) -> bytes:
    return hmac.digest(KEY, name.casefold().encode(), "sha256")


def valid_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "nik": NIK,
        "kpj": "12345678901",
        "name": "Siti Ṣāliḥah",
        "birth_date": "1990-01-05",
        "mother_name": MOTHER,
        "segment": "PU",
        "status": "AKTIF",
        "status_reason": "",
        "employer_name": "PT Sinar Abadi Tekstil",
        "npp": "87654321",
        "programs": "JKK JKM JHT JP",
        "last_paid_period": "2026-10",
        "jht_balance": "12345678",
        "jht_as_of": "2026-11-01",
        "updated_at": "2026-11-20T08:00:00+07:00",
        "deleted": "false",
    }
    row.update(changes)
    return row


def parse(**changes: object) -> Member:
    return parse_member_row(valid_row(**changes), digest, TODAY)


def refusal(**changes: object) -> InvalidRowError:
    with pytest.raises(InvalidRowError) as caught:
        parse(**changes)
    return caught.value


def test_the_columns_are_the_published_ones_in_order() -> None:
    assert tuple(valid_row()) == COLUMNS
    assert len(COLUMNS) == 16


def test_a_valid_row_becomes_the_member() -> None:
    member = parse()
    assert member == Member(
        nik=NIK,
        kpj="12345678901",
        name="Siti Ṣāliḥah",
        birth_date=date(1990, 1, 5),
        mother_hash=digest(MOTHER),
        segment=Segment.PU,
        status=MembershipStatus.AKTIF,
        status_reason="",
        employer_name="PT Sinar Abadi Tekstil",
        npp="87654321",
        programs=frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP}),
        last_paid_period=Period(2026, 10),
        jht_balance=12_345_678,
        jht_as_of=date(2026, 11, 1),
        updated_at=datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=7))),
        deleted=False,
    )


def test_the_mother_s_name_is_kept_only_as_its_digest() -> None:
    member = parse()
    assert member.mother_hash == digest(MOTHER)
    for field in fields(member):
        value = getattr(member, field.name)
        assert MOTHER not in str(value)
        assert "Fāṭimah" not in str(value)


def test_names_keep_their_letters_and_apostrophes_and_lose_outer_spaces() -> None:
    member = parse(name="  Nur'aini Déwi Ma'ruf ", status_reason=" Peserta aktif ")
    assert member.name == "Nur'aini Déwi Ma'ruf"
    assert member.status_reason == "Peserta aktif"


def test_a_json_lines_row_takes_lists_numbers_booleans_and_null() -> None:
    member = parse(
        programs=["JKK", "JKM", "JHT", "JP", "JKP"],
        jht_balance=0,
        deleted=False,
        last_paid_period=None,
        jht_as_of=None,
        status_reason=None,
    )
    assert member.programs == frozenset(Program)
    assert member.jht_balance == 0
    assert member.last_paid_period is None
    assert member.jht_as_of is None
    assert member.status_reason == ""


def test_programmes_may_be_empty_in_either_form() -> None:
    assert parse(programs="").programs == frozenset()
    assert parse(programs=[]).programs == frozenset()


def test_self_paying_members_need_no_employer() -> None:
    for segment in ("BPU", "PMI"):
        member = parse(segment=segment, employer_name="", npp="", programs="JKK JKM")
        assert (member.employer_name, member.npp) == ("", "")
    assert parse(segment="BPU", employer_name="Koperasi Nelayan Maju", npp="11223344").npp


def test_an_offset_in_z_form_is_utc() -> None:
    assert parse(updated_at="2026-11-20T01:00:00Z").updated_at == datetime(
        2026, 11, 20, 1, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "flag"), [("true", True), ("1", True), ("0", False), (True, True), (False, False)]
)
def test_deleted_takes_words_digits_and_booleans(text: object, flag: bool) -> None:
    assert parse(deleted=text).deleted is flag


def test_a_deleted_row_may_leave_out_who_the_member_was() -> None:
    member = parse(deleted="true", kpj="", name="", mother_name="")
    assert member.deleted
    assert member.nik == NIK
    assert (member.kpj, member.name, member.mother_hash) == ("", "", b"")


def test_a_deleted_row_still_needs_a_valid_nik_and_the_other_columns() -> None:
    assert refusal(deleted="1", nik="3171014501900000", name="").column == "nik"
    assert refusal(deleted="1", segment="", name="").column == "segment"


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
        ("birth_date", "1990-01-06", "row.birth_date_mismatch"),
        ("birth_date", "05/01/1990", "row.date"),
        ("birth_date", "19900105", "row.date"),
        ("birth_date", "1990-02-30", "row.date"),
        ("mother_name", "", "row.required"),
        ("segment", "pu", "row.choice"),
        ("segment", "", "row.choice"),
        ("status", "ACTIVE", "row.choice"),
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
        ("last_paid_period", "2026-13", "row.period"),
        ("last_paid_period", "2026-1", "row.period"),
        ("last_paid_period", "202610", "row.period"),
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
        ("birth_date", "1990-01-06"),
        ("mother_name", "Sumiati Nur'aini\x00"),
        ("status", "AKTIF-SEMENTARA"),
        ("status_reason", "Berhenti bekerja\x1b"),
        ("employer_name", "PT Rahasia Jaya\x1b"),
        ("mother_name", "Siti\u200bRahasia"),
        ("npp", "1234567"),
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


def test_missing_columns_are_named() -> None:
    row = valid_row()
    del row["npp"], row["deleted"]
    with pytest.raises(InvalidRowError) as caught:
        parse_member_row(row, digest, TODAY)
    assert caught.value.column == "npp, deleted"
    assert caught.value.message.key == "row.columns_missing"
    assert "npp, deleted" in str(caught.value)


def test_extra_columns_are_named() -> None:
    with pytest.raises(InvalidRowError) as caught:
        parse_member_row(valid_row(email="", phone=""), digest, TODAY)
    assert caught.value.column == "email, phone"
    assert caught.value.message.key == "row.columns_extra"


def test_a_renamed_column_is_named_both_ways() -> None:
    row = valid_row(nama="Budi")
    del row["name"]
    with pytest.raises(InvalidRowError) as caught:
        parse_member_row(row, digest, TODAY)
    assert caught.value.message.key == "row.columns_mismatch"
    assert caught.value.message.params == {"missing": "name", "extra": "nama"}


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
FREE_TEXT = ("name", "mother_name", "employer_name", "status_reason")


@pytest.mark.parametrize("column", FREE_TEXT)
@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_refused_in_every_free_text_column(column: str, char: str) -> None:
    error = refusal(**{column: f"Siti{char}Rahayu"})
    assert (error.column, error.message.key) == (column, "row.unsafe_text")
    assert char not in str(error.message.params)


def test_visible_letters_marks_and_spaces_stay() -> None:
    """Combining accents, a no-break space and non-Latin letters are text, not tricks."""
    name = "Nur\u0301aini\u00a0Ḥusain 王 Ñ"
    assert parse(name=name).name == name


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
    assert parse(name=f"  {'A' * TEXT_LIMITS['name']}  ").name == "A" * TEXT_LIMITS["name"]


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
