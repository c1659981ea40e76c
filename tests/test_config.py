"""The configuration file: one typed object, relative paths, clear errors.

Whatever the file holds, loading it gives a Config whose every value the kiosk
can compute with, or one ConfigError sentence: a property test throws broken
files at it to hold it to that.
"""

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.audit import Audit, Event
from kiosk.cache import Cache, FeedCursor
from kiosk.config import (
    DEFAULT_PATH,
    ENV_VAR,
    PAPERS,
    RANGES,
    Config,
    FileTarget,
    NetworkTarget,
    PrinterSettings,
    Range,
    UsbTarget,
    config_path,
    load_config,
)
from kiosk.doctor.findings import Status
from kiosk.doctor.freshness import check_data
from kiosk.errors import ConfigError
from kiosk.guard import Guard
from kiosk.i18n import Message
from kiosk.schedule import SyncSchedule
from kiosk.serving import KioskService, Locked, Refused
from kiosk.state import StateStore
from tests.conftest import new_key
from tests.kiosk_ui import CARD_KEY, Kiosk, build_kiosk


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'kiosk_id = "JKT-01"\n[cache]\npath = "state/cache.db"\n[keys]\nmaster_key_file = "k"\n',
    )
    config = load_config(path)
    assert config.kiosk_id == "JKT-01"
    assert config.cache_path == tmp_path / "state" / "cache.db"
    assert config.master_key_file == tmp_path / "k"


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.cache_path == Path("/var/lib/kiosk/cache.db")
    assert config.master_key_file is None
    assert config.kiosk_id


def test_flag_then_environment_then_default() -> None:
    assert config_path("a.toml", {ENV_VAR: "b.toml"}) == Path("a.toml")
    assert config_path(None, {ENV_VAR: "b.toml"}) == Path("b.toml")
    assert config_path(None, {}) == DEFAULT_PATH


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("kiosk_id = 5\n", "kiosk_id must be"),
        ('kiosk_id = " "\n', "kiosk_id must be"),
        ("cache = 1\n", "cache must be"),
        ("[cache]\npath = 1\n", "cache.path must be"),
        ("[cache]\nsize = 1\n", "unknown settings: cache.size"),
        ("colour = 'red'\n", "unknown settings: colour"),
        ("kiosk_id = \n", "not valid TOML"),
    ],
)
def test_invalid_files_are_explained(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No configuration file"):
        load_config(tmp_path / "absent.toml")


def test_screen_settings_and_their_limits(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.screen.idle_timeout.total_seconds() == 60
    assert config.screen.max_staleness.days == 7
    assert config.screen.qr_mode == "auto"
    text = '[screen]\nidle_timeout_seconds = 90\nmax_staleness_days = 3\nqr_mode = "whole"\n'
    custom = load_config(write(tmp_path, text)).screen
    assert (custom.idle_timeout.total_seconds(), custom.max_staleness.days) == (90, 3)
    assert custom.qr_mode == "whole"
    for bad, key in (
        ("idle_timeout_seconds = 5", "screen.idle_timeout_seconds"),
        ("idle_timeout_seconds = true", "screen.idle_timeout_seconds"),
        ('max_staleness_days = "7"', "screen.max_staleness_days"),
        ('qr_mode = "sixel"', "screen.qr_mode"),
    ):
        with pytest.raises(ConfigError) as raised:
            load_config(write(tmp_path, f"[screen]\n{bad}\n"))
        assert key in raised.value.message.text("en")


def test_accessibility_is_off_and_private_unless_staff_say_otherwise(tmp_path: Path) -> None:
    default = load_config(write(tmp_path, "")).accessibility
    assert (default.speech, default.headphones, default.words_per_minute) == (False, False, 150)
    text = "[accessibility]\nspeech = true\nheadphones = true\nwords_per_minute = 120\n"
    custom = load_config(write(tmp_path, text)).accessibility
    assert (custom.speech, custom.headphones, custom.words_per_minute) == (True, True, 120)
    for bad, key in (
        ('speech = "true"', "accessibility.speech"),
        ("headphones = 1", "accessibility.headphones"),
        ("words_per_minute = 40", "accessibility.words_per_minute"),
        ("words_per_minute = true", "accessibility.words_per_minute"),
    ):
        message = config_error(write(tmp_path, f"[accessibility]\n{bad}\n"))
        assert key in message.text("en")
        assert key in message.text("id")
    switch = config_error(write(tmp_path, '[accessibility]\nspeech = "yes"\n'))
    assert switch.key == "config.not_bool"
    assert switch.text("en").endswith(
        "accessibility.speech must be true or false (without quotes)."
    )
    unknown = config_error(write(tmp_path, "[accessibility]\nvolume = 3\n"))
    assert "unknown settings: accessibility.volume" in unknown.text("en")


# Every input is either a Config the kiosk can live with or a ConfigError.

FAR = datetime(9000, 1, 1, tzinfo=UTC)
"""A clock far in the future: the accepted maxima must still leave room to add and subtract."""
T = TypeVar("T")
README = Path(__file__).resolve().parent.parent / "README.md"


def config_error(path: Path) -> Message:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value.message


def with_values(values: Mapping[str, int]) -> str:
    """A file setting each dotted name in ``values``, one table per section."""
    sections: dict[str, list[str]] = {}
    for name, value in values.items():
        section, key = name.split(".")
        lines = sections.setdefault(section, [])
        if section == "printer":  # A printer's settings belong to a kind of printer.
            kind = PRINTER_KINDS.get(key, "network")
            needs = {"usb": ["vendor_id = 1", "product_id = 1"], "network": ['host = "h"']}
            others = [line for line in needs[kind] if not line.startswith(key)]
            lines += [f'kind = "{kind}"\n', *(f"{line}\n" for line in others)]
        lines.append(f"{key} = {value}\n")
    return "".join(f"[{section}]\n{''.join(lines)}" for section, lines in sections.items())


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("screen.max_staleness_days", 10**18, "from 1 to 365"),
        ("feed.sync_interval_minutes", 2**62, "from 1 to 10080"),
        ("screen.idle_timeout_seconds", 10**15, "from 15 to 3600"),
        ("screen.warn_staleness_hours", 10**12, "from 1 to 720"),
        ("audit.retention_days", 10**9, "from 1 to 3650"),
        ("limits.nik_lockout_minutes", 10**12, "from 1 to 10080"),
        ("limits.pin_lockout_minutes", 2**63 - 1, "from 1 to 10080"),
        ("limits.lookups_per_minute", 2**64, "from 1 to 1000"),
        ("limits.staff_idle_seconds", 10**6, "from 15 to 3600"),
    ],
)
def test_huge_numbers_are_refused_with_the_allowed_range(
    tmp_path: Path, name: str, value: int, allowed: str
) -> None:
    """They once overflowed timedelta here, or were accepted and overflowed the clock later."""
    message = config_error(write(tmp_path, with_values({name: value})))
    assert message.key == "config.not_count"
    assert f"{name} must be a whole number {allowed}." in message.text("en")
    assert allowed.replace("from", "dari").replace("to", "sampai") in message.text("id")


@pytest.mark.parametrize("name", sorted(RANGES))
def test_each_range_includes_both_ends_and_nothing_beyond(tmp_path: Path, name: str) -> None:
    minimum, maximum = RANGES[name]
    for accepted in (minimum, maximum):
        load_config(write(tmp_path, with_values({name: accepted})))
    for refused in (minimum - 1, maximum + 1):
        message = config_error(write(tmp_path, with_values({name: refused})))
        assert f"{name} must be a whole number from {minimum} to {maximum}" in message.text("en")


def readme_ranges() -> dict[str, tuple[int, Range]]:
    """The README's example configuration: each whole-number setting's default and range."""
    text = README.read_text(encoding="utf-8")
    block = text.split("### Configuration", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    found: dict[str, tuple[int, Range]] = {}
    section = ""
    for line in block.splitlines():
        if table := re.match(r"\[(\w+)\]", line):
            section = table[1]
        elif setting := re.match(r"(\w+) = (\d+) +#.*?\b(\d+) to (\d+)\b", line):
            key, default, low, high = setting.groups()
            found[f"{section}.{key}"] = (int(default), Range(int(low), int(high)))
    return found


def test_the_readme_states_each_numbers_default_and_range(tmp_path: Path) -> None:
    readme = readme_ranges()
    assert {name: bounds for name, (_, bounds) in readme.items()} == RANGES
    # The README shows every kind of printer's settings in one table, as no file may hold them;
    # and a [printer] table at all means a printer.
    defaults = {
        name: default for name, (default, _) in readme.items() if not name.startswith("printer.")
    }
    assert load_config(write(tmp_path, with_values(defaults))) == load_config(write(tmp_path, ""))


def test_the_largest_values_accepted_keep_the_kiosk_arithmetic_in_range(tmp_path: Path) -> None:
    """Lockouts, waits, staleness, pruning and the sync schedule at each maximum, in year 9000."""
    maxima = {
        name: bounds.maximum for name, bounds in RANGES.items() if not name.startswith("printer.")
    }
    config = load_config(write(tmp_path, with_values(maxima)))
    screen, limits = config.screen, config.limits
    kiosk = build_kiosk(tmp_path, new_key(), synced=FAR - screen.max_staleness)
    clock = kiosk.clock
    clock.now = FAR - config.audit_retention - timedelta(seconds=1)
    audit = Audit(StateStore(tmp_path / "state.db"), "K", clock, config.audit_retention)
    audit.record(Event.SYNC, "old")
    clock.now = FAR
    assert audit.prune() == 1
    guard = Guard(audit, limits)
    service = KioskService(
        lambda: Cache.open(kiosk.path, kiosk.key), CARD_KEY.public_key, screen, guard
    )
    readiness = service.readiness()
    assert (readiness.serving, readiness.stale) == (True, True)
    assert check_data(kiosk_cursor(kiosk), screen, FAR).status is Status.WARNING
    person = kiosk.people["active"]
    for _ in range(limits.failed_verifications - 1):
        assert isinstance(service.verify(person.nik, "not the mother"), Refused)
    assert service.verify(person.nik, "not the mother") == Locked(FAR + limits.nik_lockout)
    assert service.admit(person.nik) == Locked(FAR + limits.nik_lockout)
    for _ in range(limits.pin_attempts - 1):
        assert guard.fail(guard.pin_lock, None, FAR) is None
    assert guard.fail(guard.pin_lock, None, FAR) == FAR + limits.pin_lockout
    assert guard.locked_until(guard.pin_lock, None, FAR) == FAR + limits.pin_lockout
    for _ in range(limits.free_invalid_niks + 12):  # 2 s doubled 11 times passes an hour
        audit.record(Event.NIK_INVALID, "length")
    assert guard.invalid_wait(FAR) == FAR + limits.max_invalid_wait
    assert guard.busy_until(FAR) is None
    schedule = SyncSchedule(config.feed.sync_interval)
    interval = config.feed.sync_interval.total_seconds()
    assert schedule.first() <= 60 * 1.2
    assert max(schedule.after(False) for _ in range(40)) <= interval * 1.2
    assert interval * 0.8 <= schedule.after(True) <= interval * 1.2
    service.close()


def kiosk_cursor(kiosk: Kiosk) -> FeedCursor | None:
    with Cache.open(kiosk.path, kiosk.key) as cache:
        return cache.cursor()


@pytest.mark.parametrize(
    "data",
    [
        b'kiosk_id = "\xff"\n',
        'kiosk_id = "Jakarta Selatan"\n'.encode("utf-16"),
        'kiosk_id = "Bekasi-Utara-é"\n'.encode("latin-1"),
    ],
    ids=["0xff", "UTF-16", "Latin-1"],
)
def test_a_file_that_is_not_utf8_text_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(data)
    message = config_error(path)
    assert message.key == "config.not_utf8"
    assert "is not UTF-8 text" in message.text("en")


PATH_SETTINGS = [
    ("cache", "path"),
    ("keys", "master_key_file"),
    ("feed", "source"),
    ("feed", "trust_dir"),
    ("feed", "work_dir"),
    ("state", "path"),
]


@pytest.mark.parametrize(("section", "key"), PATH_SETTINGS)
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("cache\\u0000.db", "contains a NUL character"),
        ("~no-such-kiosk-user/cache.db", "starts with ~no-such-kiosk-user, but there is no"),
        ("x" * 300, "cannot be used as a file path: File name too long"),
        ("d/" * 3000, "cannot be used as a file path: File name too long"),
        ("loop/cache.db", "cannot be used as a file path: Too many levels of symbolic links"),
    ],
    ids=["NUL", "unknown user", "long name", "long path", "link loop"],
)
def test_a_path_no_use_could_open_is_refused_naming_it(
    tmp_path: Path, section: str, key: str, value: str, problem: str
) -> None:
    (tmp_path / "loop").symlink_to("loop")
    message = config_error(write(tmp_path, f'[{section}]\n{key} = "{value}"\n'))
    assert f"{section}.{key} {problem}" in message.text("en")


def test_a_path_to_nothing_yet_is_fine(tmp_path: Path) -> None:
    """Only what no use could open is refused: the cache's directory may come later."""
    config = load_config(write(tmp_path, '[cache]\npath = "later/cache.db"\n'))
    assert config.cache_path == tmp_path / "later" / "cache.db"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "config.too_deep"),
        (b"x = " + b"{a = " * 50_000 + b"1" + b"}" * 50_000 + b"\n", "config.too_deep"),
        (b"[screen]\nidle_timeout_seconds = " + b"9" * 5000 + b"\n", "config.long_number"),
        (b"# padding\n" * 110_000, "config.too_large"),
    ],
    ids=["nested arrays", "nested tables", "5000 digits", "over 1 MiB"],
)
def test_what_tomllib_cannot_read_besides_syntax(tmp_path: Path, data: bytes, key: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(data)
    assert config_error(path).key == key


def test_a_config_path_with_a_nul_is_unreadable() -> None:
    assert config_error(Path("kiosk\0.toml")).key == "config.unreadable"


# The property: whatever the bytes, a Config or a ConfigError.

SETTINGS: dict[str, tuple[str, ...]] = {
    "cache": ("path",),
    "keys": ("master_key_file",),
    "feed": ("source", "trust_dir", "work_dir", "sync_interval_minutes"),
    "screen": ("idle_timeout_seconds", "warn_staleness_hours", "max_staleness_days", "qr_mode"),
    "limits": tuple(name.split(".")[1] for name in RANGES if name.startswith("limits.")),
    "audit": ("retention_days",),
    "state": ("path",),
    "accessibility": ("speech", "headphones", "words_per_minute"),
    "printer": (
        "kind",
        "paper_mm",
        *(name.split(".")[1] for name in RANGES if name.startswith("printer.")),
        "host",
        "path",
    ),
}
SWITCHES = frozenset({"accessibility.speech", "accessibility.headphones"})
PRINTER_KINDS = {"vendor_id": "usb", "product_id": "usb", "port": "network"}
"""The kind of printer each whole-number setting belongs to; the rest are a network's."""
FINE_PATHS = [
    "",
    "cache.db",
    "state/cache.db",
    "/var/lib/kiosk/cache.db",
    "~/kiosk",
    ".",
    "/",
    "séance/データ",
    "http://feed.example/",
]
ODD_PATHS = [
    " ",
    "~",
    "~no-such-kiosk-user/x",
    "a\0b",
    "x" * 300,
    "d/" * 3000,
    "../" * 40,
    "loop",
    "loop/x",
    "new\nline",
]
EDGE_INTEGERS = [0, -1, 1, 2, 14, 15, 60, 365, 2**31, 2**62, 2**63 - 1, -(2**63), 2**64, 10**30]


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return '"' + "".join(map(escape, text)) + '"'


def escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04x}"
    return char


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else f"{value:+}"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(document: Mapping[str, object]) -> str:
    """Plain values first, then each table under its header, as a person writes the file."""
    lines = [
        f"{toml_string(key)} = {toml_value(value)}"
        for key, value in document.items()
        if not isinstance(value, dict)
    ]
    for name, table in document.items():
        if isinstance(table, dict):
            lines.append(f"[{toml_string(name)}]")
            lines += [f"{toml_string(key)} = {toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


ANY_VALUE = st.recursive(
    st.one_of(
        st.booleans(),
        st.sampled_from(EDGE_INTEGERS),
        st.integers(),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(FINE_PATHS + ODD_PATHS),
        st.datetimes(),
        st.dates(),
        st.times(),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
"""Every TOML type, arrays and inline tables among them."""


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """Each strategy as often as its weight says; ``one_of`` takes them evenly."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda chosen: chosen)


def likely_value(name: str) -> st.SearchStrategy[object]:
    """The setting's own type, mostly within its limits."""
    if name in RANGES:
        low, high = RANGES[name]
        edges = st.sampled_from([low - 1, high + 1, *EDGE_INTEGERS])
        return weighted((3, st.integers(low, high)), (1, edges))
    if name == "screen.qr_mode":
        return st.sampled_from(["auto", "half", "whole", "sixel"])
    if name in SWITCHES:
        return weighted((3, st.booleans()), (1, st.sampled_from(["true", 1, 0, "yes"])))
    if name == "printer.kind":
        return st.sampled_from(["usb", "network", "file", "cups"])
    if name == "printer.paper_mm":
        return st.sampled_from([58, 80, 57, "80"])
    if name == "printer.host":
        return st.sampled_from(["10.0.0.5", "printer.local", "", " "])
    odd = st.sampled_from(ODD_PATHS) | st.text(max_size=12)
    return weighted((3, st.sampled_from(FINE_PATHS)), (1, odd))


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A file as an operator might write it, then perhaps one thing in it broken."""
    top: dict[str, object] = {}
    if draw(st.booleans()):
        top["kiosk_id"] = draw(st.text(max_size=12))
    tables: dict[str, dict[str, object]] = {}
    for section, keys in SETTINGS.items():
        if draw(st.booleans()):
            optional = {key: likely_value(f"{section}.{key}") for key in keys}
            tables[section] = draw(st.fixed_dictionaries({}, optional=optional))
    broken = draw(st.sampled_from(["nothing", "nothing", "value", "table", "unknown key"]))
    if broken == "table":
        top[draw(st.sampled_from(list(SETTINGS)))] = draw(ANY_VALUE)
    elif broken != "nothing":
        section = draw(st.sampled_from(["", *SETTINGS]))
        target = tables.setdefault(section, {}) if section else top
        known = SETTINGS[section] if section else ("kiosk_id",)
        key = draw(st.sampled_from(known) if broken == "value" else st.text(max_size=6))
        target[key] = draw(ANY_VALUE)
    return toml_document({**tables, **top})


DOCUMENTS = documents()
ENCODINGS = ["utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1252", "shift_jis"]


def splice(text: str, at: int, junk: bytes) -> bytes:
    data = text.encode()
    at %= len(data) + 1
    return data[:at] + junk + data[at:]


FILES = weighted(
    (3, DOCUMENTS.map(str.encode)),
    (
        1,
        st.builds(
            lambda text, encoding: text.encode(encoding, errors="replace"),
            DOCUMENTS,
            st.sampled_from(ENCODINGS),
        ),
    ),
    (1, st.builds(splice, DOCUMENTS, st.integers(min_value=0), st.binary(min_size=1, max_size=6))),
    (1, st.binary(max_size=200)),
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "loop").symlink_to("loop")
    return directory


def loaded(path: Path) -> Config | Message:
    """The settings, or the sentence of the ConfigError; any other exception escapes."""
    try:
        return load_config(path)
    except ConfigError as error:
        return error.message


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(data=FILES)
def test_any_file_is_a_config_or_a_config_error(fuzz_dir: Path, data: bytes) -> None:
    path = fuzz_dir / "kiosk.toml"
    path.write_bytes(data)
    config = loaded(path)
    if isinstance(config, Message):
        assert config.key.startswith("config.")
        assert config.bilingual(), "renders: its parameters fit both sentences"
        return
    spans = [
        config.screen.idle_timeout,
        config.screen.warn_staleness,
        config.screen.max_staleness,
        config.limits.nik_lockout,
        config.limits.max_invalid_wait,
        config.limits.pin_lockout,
        config.limits.staff_idle,
        config.audit_retention,
        config.feed.sync_interval,
    ]
    assert all(timedelta(0) < span <= timedelta(days=3650) for span in spans), spans
    counts = [config.limits.failed_verifications, config.limits.lookups_per_minute]
    counts += [config.limits.free_invalid_niks, config.limits.pin_attempts]
    assert all(1 <= count <= 1000 for count in counts), counts
    for path_setting in (config.cache_path, config.feed.trust_dir, config.state_file):
        assert path_setting.is_absolute()


def test_without_a_printer_table_there_is_no_printer(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).printer is None


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'kind = "usb"\nvendor_id = 0x0416\nproduct_id = 0x5011',
            PrinterSettings(UsbTarget(0x0416, 0x5011)),
        ),
        (
            'kind = "network"\nhost = " 10.0.0.5 "\npaper_mm = 80',
            PrinterSettings(NetworkTarget("10.0.0.5"), 80),
        ),
        (
            'kind = "network"\nhost = "p"\nport = 9101\ntimeout_seconds = 7',
            PrinterSettings(NetworkTarget("p", 9101, timedelta(seconds=7))),
        ),
        ('kind = "file"\npath = "lp0"', "lp0"),
    ],
)
def test_each_kind_of_printer_takes_its_own_settings(
    tmp_path: Path, table: str, expected: PrinterSettings | str
) -> None:
    printer = load_config(write(tmp_path, f"[printer]\n{table}\n")).printer
    if isinstance(expected, str):  # a path, taken from the file's directory like the others
        expected = PrinterSettings(FileTarget(tmp_path / expected))
    assert printer == expected
    assert printer.paper == PAPERS[printer.paper_mm]


PAPER_CHOICES = "printer.paper_mm must be one of: 58, 80."


@pytest.mark.parametrize(
    ("table", "sentence"),
    [
        ("", "printer.kind must be one of: usb, network, file."),
        ('kind = "cups"', "printer.kind must be one of: usb, network, file."),
        ('kind = "usb"\nvendor_id = 1', "a usb printer needs printer.product_id."),
        ('kind = "network"', "a network printer needs printer.host."),
        ('kind = "network"\nhost = " "', "a network printer needs printer.host."),
        ('kind = "file"\npath = ""', "a file printer needs printer.path."),
        (
            'kind = "usb"\nvendor_id = 1\nproduct_id = 1\nhost = "p"',
            "printer.host is not a setting of a usb printer: remove it, or change printer.kind.",
        ),
        (
            'kind = "file"\npath = "lp0"\nport = 9100',
            "printer.port is not a setting of a file printer: remove it, or change printer.kind.",
        ),
        ('kind = "file"\npath = "lp0"\npaper_mm = 57', "printer.paper_mm must be one of: 58, 80."),
        (
            'kind = "file"\npath = "lp0"\npaper_mm = "80"',
            "printer.paper_mm must be one of: 58, 80.",
        ),
        (
            'kind = "file"\npath = "lp0"\npaper_mm = true',
            "printer.paper_mm must be one of: 58, 80.",
        ),
        ('kind = "file"\npath = "lp0"\ncolour = 1', "unknown settings: printer.colour."),
    ],
)
def test_a_wrong_printer_setting_is_one_sentence(tmp_path: Path, table: str, sentence: str) -> None:
    message = config_error(write(tmp_path, f"[printer]\n{table}\n"))
    assert message.text("en").endswith(sentence)
    assert message.text("id")
