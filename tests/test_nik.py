"""NIK and KPJ rules, with real region codes from the shipped data."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.errors import InvalidInputError
from kiosk.i18n import LANGS, catalogue
from kiosk.nik import (
    InvalidKpjError,
    InvalidNikError,
    KpjProblem,
    Nik,
    NikProblem,
    Sex,
    mask_nik,
    normalise_nik,
    parse_kpj,
    parse_nik,
)
from kiosk.regions import Level, Region, load_regions
from tests.conftest import TODAY

# 32 Jawa Barat, 3201 Kabupaten Bogor, 320101 Cibinong.
BOGOR_MAN = "3201011708900001"  # 17 Aug 1990, serial 0001
BOGOR_WOMAN = "3201015708900002"  # 17 + 40: 17 Aug 1990, serial 0002
# 910101 Merauke: issued under Papua (91) before Papua Selatan (93) was made.
MERAUKE_OLD = "9101011512850003"


def problem_of(text: str, today: date = TODAY) -> NikProblem:
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(text, today)
    return caught.value.problem


def warning_keys(nik: Nik) -> list[str]:
    return [warning.key for warning in nik.warnings]


def with_date(day: str, month: str, year: str, serial: str = "0001") -> str:
    return f"320101{day}{month}{year}{serial}"


# Valid numbers


def test_man_in_bogor() -> None:
    nik = parse_nik(BOGOR_MAN, TODAY)
    assert nik.number == BOGOR_MAN
    assert nik.province.name == "Jawa Barat"
    assert nik.regency is not None
    assert nik.regency.name == "Kabupaten Bogor"
    assert nik.district is not None
    assert nik.district.name == "Cibinong"
    assert nik.birth_date == date(1990, 8, 17)
    assert nik.sex is Sex.MALE
    assert nik.serial == "0001"
    assert nik.warnings == ()


def test_woman_day_has_40_added() -> None:
    nik = parse_nik(BOGOR_WOMAN, TODAY)
    assert nik.sex is Sex.FEMALE
    assert nik.birth_date == date(1990, 8, 17)
    assert nik.serial == "0002"


@pytest.mark.parametrize(("day", "expected"), [("01", 1), ("31", 31), ("41", 1), ("71", 31)])
def test_day_range_edges(day: str, expected: int) -> None:
    assert parse_nik(with_date(day, "01", "90"), TODAY).birth_date == date(1990, 1, expected)


@pytest.mark.parametrize(
    "typed",
    [
        "3201 0117 0890 0001",
        "3201.0117.0890.0001",
        "3201-0117-0890-0001",
        " 32 01 01\t170890\n0001 ",
        "3201\u20130117\u2014089000\u00a001",  # en dash, em dash, no-break space
    ],
)
def test_spaces_dots_and_dashes_are_ignored(typed: str) -> None:
    assert normalise_nik(typed) == BOGOR_MAN
    assert parse_nik(typed, TODAY).number == BOGOR_MAN


def test_normalise_keeps_everything_else() -> None:
    assert normalise_nik("32 01/0.1,0-1a_") == "3201/01,01a_"


# Century choice and leap days


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ("05", 2005),
        ("26", 2026),  # 1 Jan 2026 has come by TODAY
        ("27", 1927),
        ("30", 1930),
        ("99", 1999),
        ("00", 2000),
    ],
)
def test_most_recent_century_that_has_come(year: str, expected: int) -> None:
    assert parse_nik(with_date("01", "01", year), TODAY).birth_date == date(expected, 1, 1)


def test_later_this_year_is_last_century() -> None:
    assert parse_nik(with_date("25", "11", "26"), TODAY).birth_date == date(1926, 11, 25)
    assert parse_nik(with_date("24", "11", "26"), TODAY).birth_date == date(2026, 11, 24)


def test_born_today_is_valid() -> None:
    assert parse_nik(with_date("64", "11", "26"), TODAY).birth_date == TODAY


def test_29_february_2000() -> None:
    nik = parse_nik(with_date("29", "02", "00"), TODAY)
    assert nik.birth_date == date(2000, 2, 29)
    assert parse_nik(with_date("69", "02", "00"), TODAY).sex is Sex.FEMALE


def test_29_february_falls_back_to_a_leap_year_last_century() -> None:
    # 2028 has not come; 1928 was a leap year.
    assert parse_nik(with_date("29", "02", "28"), TODAY).birth_date == date(1928, 2, 29)


def test_29_february_in_no_leap_year() -> None:
    # 2023 and 1923 were not leap years.
    assert problem_of(with_date("29", "02", "23")) is NikProblem.IMPOSSIBLE_DATE
    # 2030 is future and 1930 no leap year.
    assert problem_of(with_date("29", "02", "30")) is NikProblem.IMPOSSIBLE_DATE


def test_29_february_00_before_2000_existed() -> None:
    # 1900 was no leap year, and 29 Feb 2000 had not come yet: a future date.
    assert problem_of(with_date("29", "02", "00"), date(1999, 6, 1)) is NikProblem.FUTURE_DATE


def test_date_in_the_future_in_both_centuries() -> None:
    assert problem_of(with_date("02", "06", "99"), date(1999, 6, 1)) is NikProblem.FUTURE_DATE
    assert parse_nik(with_date("01", "06", "99"), date(1999, 6, 1)).birth_date == date(1999, 6, 1)


# Rejections, one per problem


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", NikProblem.EMPTY),
        (" .-\t", NikProblem.EMPTY),
        ("3201O11708900001", NikProblem.NOT_DIGITS),  # letter O for zero
        ("320101170890000l", NikProblem.NOT_DIGITS),  # letter l for one
        ("3201/0117/0890/0001", NikProblem.NOT_DIGITS),
        ("３２０１０１１７０８９００００１", NikProblem.NOT_DIGITS),  # full-width digits
        ("320101170890000²", NikProblem.NOT_DIGITS),
        ("3201x", NikProblem.NOT_DIGITS),  # not digits wins over length
        ("320101170890001", NikProblem.TOO_SHORT),
        ("32010117089000011", NikProblem.TOO_LONG),
        ("2001011708900001", NikProblem.UNKNOWN_PROVINCE),
        ("9901011708900001", NikProblem.UNKNOWN_PROVINCE),
        ("0001011708900001", NikProblem.UNKNOWN_PROVINCE),
        (with_date("00", "08", "90"), NikProblem.BAD_DAY),
        (with_date("32", "08", "90"), NikProblem.BAD_DAY),
        (with_date("40", "08", "90"), NikProblem.BAD_DAY),
        (with_date("72", "08", "90"), NikProblem.BAD_DAY),
        (with_date("99", "08", "90"), NikProblem.BAD_DAY),
        (with_date("17", "00", "90"), NikProblem.BAD_MONTH),
        (with_date("17", "13", "90"), NikProblem.BAD_MONTH),
        (with_date("31", "02", "90"), NikProblem.IMPOSSIBLE_DATE),
        (with_date("71", "04", "90"), NikProblem.IMPOSSIBLE_DATE),  # 31 April, a woman
        (with_date("17", "08", "90", "0000"), NikProblem.SERIAL_ZERO),
    ],
)
def test_rejections(typed: str, problem: NikProblem) -> None:
    assert problem_of(typed) is problem


def test_first_problem_in_check_order_wins() -> None:
    # Unknown province, bad day, bad month and serial 0000 all at once.
    assert problem_of("2001019913900000") is NikProblem.UNKNOWN_PROVINCE
    assert problem_of(with_date("99", "13", "90", "0000")) is NikProblem.BAD_DAY
    assert problem_of(with_date("31", "02", "90", "0000")) is NikProblem.IMPOSSIBLE_DATE


def test_length_messages_count_the_digits() -> None:
    with pytest.raises(InvalidNikError) as short:
        parse_nik("3201 0117 0890 001", TODAY)
    assert short.value.message.text("id") == "NIK harus 16 angka; Anda baru mengetik 15."
    assert short.value.message.params == {"count": 15}
    with pytest.raises(InvalidNikError) as long:
        parse_nik("32010117089000011", TODAY)
    assert long.value.message.params == {"count": 17}


def test_invalid_nik_is_invalid_input_with_exit_code_2() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_nik("123", TODAY)
    assert caught.value.exit_code == 2


# Warnings for staff


def test_unknown_regency_is_a_warning() -> None:
    # Jawa Barat has no regency 69.
    nik = parse_nik("3269011708900001", TODAY)
    assert nik.regency is None
    assert nik.district is None
    assert warning_keys(nik) == ["nik.warning.unknown_regency", "nik.warning.unknown_district"]


def test_unknown_district_is_a_warning() -> None:
    # Kabupaten Bogor's districts end at 320140.
    nik = parse_nik("3201991708900001", TODAY)
    assert nik.regency is not None
    assert nik.regency.name == "Kabupaten Bogor"
    assert nik.district is None
    assert warning_keys(nik) == ["nik.warning.unknown_district"]


def test_historical_codes_are_valid_with_a_warning() -> None:
    nik = parse_nik(MERAUKE_OLD, TODAY)
    assert nik.province.name == "Papua"
    assert nik.regency is not None
    assert nik.regency.historical
    assert nik.district is not None
    assert nik.district.name == "Merauke"
    assert nik.district.historical
    assert warning_keys(nik) == [
        "nik.warning.historical_regency",
        "nik.warning.historical_district",
    ]


def test_papua_codes_still_in_use_have_no_warning() -> None:
    # 910301 Sentani: Kabupaten Jayapura stayed in Papua and kept its code.
    nik = parse_nik("9103011708900001", TODAY)
    assert nik.warnings == ()


# Messages and privacy


def test_every_problem_and_warning_has_both_languages() -> None:
    keys = [f"nik.problem.{problem.value}" for problem in NikProblem]
    keys += [f"kpj.problem.{problem.value}" for problem in KpjProblem]
    keys += [
        f"nik.warning.{kind}_{level}"
        for kind in ("unknown", "historical")
        for level in ("regency", "district")
    ]
    for key in keys:
        assert set(catalogue()[key]) == set(LANGS), key
        for lang in LANGS:
            assert catalogue()[key][lang].format(count=15), key


def test_repr_leaves_out_the_number_and_birth_date() -> None:
    shown = repr(parse_nik(BOGOR_WOMAN, TODAY))
    assert BOGOR_WOMAN not in shown
    assert "1990" not in shown
    assert "0002" not in shown
    assert "FEMALE" not in shown
    assert "Cibinong" in shown


@pytest.mark.parametrize(
    "typed",
    [
        "320101170890001",
        "32010117089000011",
        "3201O11708900001",
        "2001011708900001",
        with_date("99", "08", "90"),
        with_date("17", "13", "90"),
        with_date("31", "02", "90"),
        with_date("17", "08", "90", "0000"),
    ],
)
def test_no_exception_carries_the_number(typed: str) -> None:
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(typed, TODAY)
    error = caught.value
    for text in (str(error), repr(error), *map(str, error.args), error.message.bilingual()):
        assert typed not in text
        assert typed[:6] not in text
        assert typed[6:12] not in text
    assert all(isinstance(value, int) for value in error.message.params.values())


# KPJ


@pytest.mark.parametrize(
    "typed", ["12345678901", "123 4567 8901", "12.345.678.901", "1234-5678901"]
)
def test_kpj_is_11_digits(typed: str) -> None:
    assert parse_kpj(typed) == "12345678901"


@pytest.mark.parametrize(
    ("typed", "problem", "count"),
    [
        ("", KpjProblem.EMPTY, None),
        ("  ", KpjProblem.EMPTY, None),
        ("1234567890A", KpjProblem.NOT_DIGITS, None),
        ("12345/678901", KpjProblem.NOT_DIGITS, None),
        ("1234567890", KpjProblem.WRONG_LENGTH, 10),
        ("123456789012", KpjProblem.WRONG_LENGTH, 12),
        (BOGOR_MAN, KpjProblem.WRONG_LENGTH, 16),
    ],
)
def test_kpj_rejections(typed: str, problem: KpjProblem, count: int | None) -> None:
    with pytest.raises(InvalidKpjError) as caught:
        parse_kpj(typed)
    assert caught.value.problem is problem
    assert caught.value.exit_code == 2
    assert caught.value.message.params.get("count") == count
    if typed:
        assert typed not in str(caught.value)


# Masking


def test_mask_nik() -> None:
    assert mask_nik("3201011708900001") == "3201••••••••0001"
    assert mask_nik("3201011708900001", "*") == "3201********0001"


@pytest.mark.parametrize(("number", "mask"), [("3201 0117", "*"), ("3201011708900001", "**")])
def test_mask_nik_refuses_what_it_cannot_mask(number: str, mask: str) -> None:
    with pytest.raises(ValueError, match="mask") as caught:
        mask_nik(number, mask)
    assert number not in str(caught.value)


# Properties over the whole region data

CURRENT_PROVINCES = {region.code for region in load_regions().current(Level.PROVINCE)}
CURRENT_DISTRICTS = load_regions().current(Level.DISTRICT)
EARLIEST_UNAMBIGUOUS = TODAY.replace(year=TODAY.year - 100) + timedelta(days=1)
LEAP_DAYS = [
    date(year, 2, 29)
    for year in range(EARLIEST_UNAMBIGUOUS.year, TODAY.year + 1)
    if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
]
FAST = settings(max_examples=150, deadline=None)

# Within the last 100 years a two-digit year names one date only.
birth_dates = st.one_of(
    st.dates(min_value=EARLIEST_UNAMBIGUOUS, max_value=TODAY),
    st.sampled_from(LEAP_DAYS),
)


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, Region, date, Sex]:
    district = draw(st.sampled_from(CURRENT_DISTRICTS))
    birth = draw(birth_dates)
    sex = draw(st.sampled_from(Sex))
    serial = draw(st.integers(1, 9999))
    day = birth.day + (40 if sex is Sex.FEMALE else 0)
    number = f"{district.code}{day:02d}{birth:%m%y}{serial:04d}"
    return number, district, birth, sex


@FAST
@given(valid_niks())
def test_valid_niks_round_trip(case: tuple[str, Region, date, Sex]) -> None:
    number, district, birth, sex = case
    nik = parse_nik(number, TODAY)
    regions = load_regions()
    assert nik.number == number
    assert nik.sex is sex
    assert nik.birth_date == birth
    assert nik.serial == number[-4:]
    assert nik.province == regions.find(district.code[:2])
    assert nik.regency == regions.find(district.code[:4])
    assert nik.district == district
    assert nik.warnings == ()


@FAST
@given(valid_niks(), st.data())
def test_separators_do_not_matter(case: tuple[str, Region, date, Sex], data: st.DataObject) -> None:
    number = case[0]
    separators = st.text(st.sampled_from(" .-\t"), max_size=2)
    typed = "".join(digit + data.draw(separators) for digit in number)
    assert parse_nik(typed, TODAY).number == number


@FAST
@given(
    valid_niks(),
    st.integers(0, 15),
    # Letters, symbols, digit-like signs (²) and punctuation except dashes (Pd).
    st.characters(
        categories=("L", "No", "Pc", "Ps", "Pe", "Pi", "Pf", "Po", "S"),
        exclude_characters=".\u2212",
    ),
)
def test_a_character_other_than_a_digit(
    case: tuple[str, Region, date, Sex], index: int, char: str
) -> None:
    number = case[0]
    assert problem_of(number[:index] + char + number[index + 1 :]) is NikProblem.NOT_DIGITS


@FAST
@given(valid_niks(), st.integers(0, 15), st.sampled_from("0123456789"))
def test_a_digit_missing_or_extra(
    case: tuple[str, Region, date, Sex], index: int, digit: str
) -> None:
    number = case[0]
    assert problem_of(number[:index] + number[index + 1 :]) is NikProblem.TOO_SHORT
    assert problem_of(number[:index] + digit + number[index:]) is NikProblem.TOO_LONG


@FAST
@given(valid_niks(), st.sampled_from([0, *range(32, 41), *range(72, 100)]))
def test_impossible_day(case: tuple[str, Region, date, Sex], day: int) -> None:
    number = case[0]
    assert problem_of(f"{number[:6]}{day:02d}{number[8:]}") is NikProblem.BAD_DAY


@FAST
@given(valid_niks(), st.sampled_from([0, *range(13, 100)]))
def test_impossible_month(case: tuple[str, Region, date, Sex], month: int) -> None:
    number = case[0]
    assert problem_of(f"{number[:8]}{month:02d}{number[10:]}") is NikProblem.BAD_MONTH


@FAST
@given(valid_niks())
def test_serial_0000(case: tuple[str, Region, date, Sex]) -> None:
    assert problem_of(case[0][:12] + "0000") is NikProblem.SERIAL_ZERO


@FAST
@given(
    valid_niks(),
    st.sampled_from(sorted({f"{code:02d}" for code in range(100)} - CURRENT_PROVINCES)),
)
def test_province_not_in_the_data(case: tuple[str, Region, date, Sex], province: str) -> None:
    assert problem_of(province + case[0][2:]) is NikProblem.UNKNOWN_PROVINCE
