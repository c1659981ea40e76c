"""``kiosk doctor`` on real deployments: a healthy kiosk, then one broken in each way.

Each kiosk is a demo tree (a real signed feed, a real key, a real synced cache)
copied to a temporary directory and broken there; the feed is read as a
directory or served over HTTP on 127.0.0.1. Only the terminal is described
through the environment, as the UI itself reads it.
"""

import contextlib
import fcntl
import io
import json
import os
import pty
import shutil
import sqlite3
import struct
import subprocess
import termios
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devtools.demo import build_demo
from kiosk.cache import Cache
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.doctor.findings import Status
from kiosk.doctor.runner import CHECKS as REPORTED
from kiosk.doctor.screen import check_glyphs
from kiosk.doctor.storage import DISK_RESERVE, check_disk
from kiosk.doctor.terminal import Terminal
from kiosk.i18n import LANGS, Lang
from kiosk.keys import read_key_file, write_new_key
from kiosk.layout import HALF_BLOCKS, largest_qr, screen_for_qr
from kiosk.qr import MAX_SCREEN_VERSION, symbol_size
from tests.languages import foreign
from tests.sites import Site, serving

MEMBERS = 150
"""Few enough that the integrity check's sample is every record."""
TERMINAL = {"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
CHECKS = list(REPORTED)
"""Every check, in the report's order: a list, as the names read from the output are."""


@dataclass(frozen=True)
class Report:
    code: int
    out: str
    err: str

    def line(self, name: str) -> str:
        (found,) = [line for line in self.out.splitlines() if line.split()[1:2] == [name]]
        return found

    def status(self, name: str) -> str:
        return self.line(name).split()[0]

    def assert_problem(self, name: str, *words: str) -> None:
        """Exit 1, the check's line says MASALAH / PROBLEM, what is wrong and how to fix it."""
        assert self.code == 1, self.out
        line = self.line(name)
        assert line.startswith("MASALAH"), line
        assert " — Perbaiki: " in line
        assert " / PROBLEM: " in line
        assert " — Fix: " in line
        for word in words:
            assert word in line, line
        assert "Traceback" not in self.err


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Published and synced once; tests break copies."""
    root = tmp_path_factory.mktemp("doctor") / "template"
    build_demo(root, MEMBERS, datetime.now(UTC))
    return Site(root)


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Site:
    return template.copy_to(tmp_path / "site")


def doctor(site: Site, *options: str, **environ: str) -> Report:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["doctor", "--config", str(site.config), *options], {**TERMINAL, **environ})
    return Report(code, out.getvalue(), err.getvalue())


def set_source(site: Site, source: str) -> None:
    text = site.config.read_text()
    site.config.write_text(text.replace('source = "../feed/repository"', f'source = "{source}"'))


def files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def changed(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "jht_balance": str(int(row["jht_balance"]) + 1)} for row in rows]


@contextlib.contextmanager
def stopped_server(site: Site) -> Iterator[str]:
    with serving(site.feed) as server:
        url = server.url
    yield url


def test_a_healthy_kiosk_with_its_feed_over_http_passes_and_its_work_dir_is_untouched(
    site: Site,
) -> None:
    work_dir = site.kiosk / "feed-work"
    before = files(work_dir)
    with serving(site.feed) as server:
        set_source(site, server.url)
        report = doctor(site)
    assert report.code == 0, report.out
    assert [line.split()[1] for line in report.out.splitlines()[:-1]] == CHECKS
    assert all(line.startswith("OK ") for line in report.out.splitlines()[:-1]), report.out
    assert f"The feed {server.url} is reachable and verifies: sequence 1" in report.line("feed")
    assert report.out.splitlines()[-1] == "Semua pemeriksaan lulus. / Every check passed."
    assert files(work_dir) == before


def test_a_healthy_kiosk_with_a_directory_source_passes_in_json(site: Site) -> None:
    report = doctor(site, "--json")
    assert report.code == 0
    result = json.loads(report.out)
    assert result["ok"] is True
    assert [check["name"] for check in result["checks"]] == CHECKS
    assert {check["status"] for check in result["checks"]} == {"ok"}
    (feed,) = [check for check in result["checks"] if check["name"] == "feed"]
    assert feed["what"]["code"] == "doctor.feed.ok"
    assert feed["fix"] is None


def test_offline_leaves_the_feed_alone(site: Site) -> None:
    with stopped_server(site) as url:
        set_source(site, url)
        report = doctor(site, "--offline")
    assert report.code == 0, report.out
    assert report.status("feed") == "DILEWATI"
    assert "--offline" in report.line("feed")
    assert report.status("clock") == "OK", "the timestamp the kiosk trusts still dates the feed"


def test_a_missing_key_is_named_and_what_needs_it_is_skipped(site: Site) -> None:
    (site.kiosk / "master.key").unlink()
    report = doctor(site)
    report.assert_problem("key", "The key file", "does not exist", "kiosk keygen")
    for name in ("cache", "data", "integrity"):
        assert report.status(name) == "DILEWATI"
        assert "The 'key' check above must pass first." in report.line(name)


def test_no_key_at_all_points_to_the_credential_the_service_gets(site: Site) -> None:
    site.config.write_text(site.config.read_text().replace('master_key_file = "master.key"', ""))
    report = doctor(site)
    report.assert_problem("key", "No master key found", "kiosk-admin doctor")


def test_a_key_others_can_read_is_named_with_its_mode(site: Site) -> None:
    (site.kiosk / "master.key").chmod(0o640)
    doctor(site).assert_problem("key", "open to others (mode 0640)", "chown USER")


def test_a_key_from_the_credential_directory_is_used_first(site: Site, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (site.kiosk / "master.key").rename(credentials / "master-key")
    report = doctor(site, CREDENTIALS_DIRECTORY=str(credentials))
    assert report.code == 0, report.out
    assert "Master key from credential master-key" in report.line("key")
    assert "mode 0600" in report.line("key")


def test_a_key_that_did_not_write_the_cache_is_named(site: Site) -> None:
    (site.kiosk / "master.key").unlink()
    write_new_key(site.kiosk / "master.key")
    report = doctor(site)
    report.assert_problem("cache", "Wrong master key", "load the key this cache was written with")
    assert report.status("key") == "OK"
    assert report.status("data") == "DILEWATI"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[cache\n", "is not valid TOML"),
        ("colour = 1\n", "unknown settings: colour"),
        ('[screen]\nmax_staleness_days = "a week"\n', "screen.max_staleness_days must be"),
    ],
    ids=["syntax", "unknown-key", "wrong-type"],
)
def test_an_invalid_config_is_named_and_the_rest_skipped(site: Site, text: str, words: str) -> None:
    site.config.write_text(text + site.config.read_text())
    report = doctor(site)
    report.assert_problem("config", words, f"edit {site.config}")
    statuses = {name: report.status(name) for name in CHECKS}
    assert statuses.pop("config") == "MASALAH"
    assert statuses.pop("colours") == "OK", "the terminal's colours need no configuration"
    assert set(statuses.values()) == {"DILEWATI"}


def test_missing_trust_files_are_each_named(site: Site) -> None:
    shutil.rmtree(site.kiosk / "trust")
    report = doctor(site)
    trust = site.kiosk / "trust"
    report.assert_problem("trust", f"{trust / 'root.json'} does not exist", "kiosk central init")
    report.assert_problem("card-key", "card-public.pem does not exist")
    report.assert_problem(
        "fleet-key", f"{trust / 'fleet.key'} does not exist", "kiosk-admin doctor"
    )
    assert report.status("feed") == "DILEWATI"


def test_an_unreachable_feed_is_named(site: Site) -> None:
    with stopped_server(site) as url:
        set_source(site, url)
        report = doctor(site)
    report.assert_problem("feed", "cannot be reached", f"feed.source ({url})")


def test_a_feed_whose_metadata_expired_is_named_and_dated_against_the_clock(site: Site) -> None:
    """A frozen feed and a clock far ahead look the same: the clock check says by how much."""
    site.publish(changed(site.rows()), now=datetime.now(UTC) - timedelta(days=10))
    report = doctor(site)
    report.assert_problem("feed", "has expired", "kiosk central refresh")
    assert report.status("clock") == "PERINGATAN"
    clock = report.line("clock")
    assert "is 10 d 0 h 0 min after the feed's newest signature" in clock
    assert "or this clock is that far ahead" in clock


def test_a_feed_expiring_within_a_day_is_a_warning(site: Site) -> None:
    site.publish(changed(site.rows()), now=datetime.now(UTC) - timedelta(hours=30))
    report = doctor(site)
    assert report.code == 0, report.out
    assert report.status("feed") == "PERINGATAN"
    assert "in less than a day (17 h)" in report.line("feed")
    assert "kiosk central refresh" in report.line("feed")


def test_a_feed_rolled_back_behind_what_the_kiosk_trusts_is_named(
    site: Site, tmp_path: Path
) -> None:
    """The doctor starts from the kiosk's own trusted metadata, as the next sync would."""
    old = tmp_path / "old-metadata"
    shutil.copytree(site.feed.metadata, old)
    site.publish(changed(site.rows()))
    assert site.sync()[0] == 0
    shutil.rmtree(site.feed.metadata)
    shutil.copytree(old, site.feed.metadata)
    doctor(site).assert_problem("feed", "older metadata than this kiosk already trusts")


def test_a_clock_behind_the_feeds_signature_is_named_with_how_far(site: Site) -> None:
    site.publish(changed(site.rows()), now=datetime.now(UTC) + timedelta(days=10))
    report = doctor(site)
    report.assert_problem("clock", "9 d 23 h", "the clock is behind", "timedatectl set-ntp true")
    assert report.status("feed") == "OK"


def test_a_clock_behind_the_last_sync_is_named(site: Site) -> None:
    with site.open_cache() as cache:
        cache.confirm_current(datetime.now(UTC) + timedelta(hours=3))
    doctor(site).assert_problem("clock", "before the last sync", "the clock went back")


def test_a_missing_cache_is_named(site: Site) -> None:
    site.cache_path.unlink()
    report = doctor(site)
    report.assert_problem("cache", "There is no cache at", "run kiosk sync")
    assert report.status("integrity") == "DILEWATI"


def test_a_cache_never_synced_is_named(site: Site) -> None:
    site.cache_path.unlink()
    Cache.create(site.cache_path, read_key_file(site.kiosk / "master.key")).close()
    doctor(site).assert_problem("data", "has never been synced", "run kiosk sync")


def test_data_too_old_to_serve_is_named(site: Site) -> None:
    with site.open_cache() as cache:
        cache.confirm_current(datetime.now(UTC) - timedelta(days=8))
    doctor(site).assert_problem("data", "(8 d 0 h ago), more than 7 days ago", "does not serve")


def test_data_old_enough_to_show_its_date_is_a_warning(site: Site) -> None:
    with site.open_cache() as cache:
        cache.confirm_current(datetime.now(UTC) - timedelta(days=2))
    report = doctor(site)
    assert report.code == 0
    assert report.status("data") == "PERINGATAN"
    assert "still served" in report.line("data")
    assert report.out.splitlines()[-1].endswith("No problems; 1 warning to look at.")


def test_a_damaged_record_in_the_cache_is_caught(site: Site) -> None:
    with contextlib.closing(sqlite3.connect(site.cache_path)) as db, db:
        (count,) = db.execute("SELECT count(*) FROM members").fetchone()
        index, sealed = db.execute(
            "SELECT bidx, record FROM members ORDER BY bidx LIMIT 1 OFFSET ?", [count // 2]
        ).fetchone()
        damaged = bytearray(sealed)
        damaged[-1] ^= 0x01
        db.execute("UPDATE members SET record = ? WHERE bidx = ?", [bytes(damaged), index])
    report = doctor(site)
    report.assert_problem("integrity", f"1 of {count} sample records", "rebuild it from the feed")
    assert report.status("cache") == "OK"


def test_a_damaged_state_file_is_named(site: Site) -> None:
    (site.kiosk / "state.db").write_bytes(b"not a database, " * 256)
    doctor(site).assert_problem("state", "state.db cannot be used", "move it aside")


@pytest.mark.parametrize(
    ("columns", "lines", "words"),
    [
        ("79", "30", "is too small: the kiosk needs at least 80×24"),
        ("100", "23", "is too small: the kiosk needs at least 80×24"),
        ("86", "30", "too small for the card's QR code: half mode needs 87×30"),
        ("100", "29", "too small for the card's QR code: half mode needs 87×30"),
    ],
)
def test_a_screen_too_small_is_named(site: Site, columns: str, lines: str, words: str) -> None:
    doctor(site, COLUMNS=columns, LINES=lines).assert_problem("terminal", words)


def test_the_linux_console_needs_room_for_a_qr_of_whole_cells(site: Site) -> None:
    report = doctor(site, TERM="linux")
    report.assert_problem("terminal", "whole mode needs 144×58", 'qr_mode = "half"')
    assert report.status("glyphs") == "OK"
    assert report.status("colours") == "OK"
    assert report.status("terminal") == "MASALAH"
    assert doctor(site, TERM="linux", COLUMNS="160", LINES="64").code == 0


@pytest.mark.parametrize(
    ("environ", "words"),
    [({"TERM": "dumb"}, "TERM=dumb: a terminal without colours"), ({"NO_COLOR": "1"}, "NO_COLOR")],
    ids=["dumb", "no-color"],
)
def test_too_few_colours_are_named(site: Site, environ: dict[str, str], words: str) -> None:
    doctor(site, **environ).assert_problem("colours", words)


def test_half_blocks_on_the_linux_console_are_a_warning_the_operator_must_check(
    site: Site,
) -> None:
    """The console font cannot be seen: only the operator can confirm it has ▀."""
    site.config.write_text(site.config.read_text() + '\n[screen]\nqr_mode = "half"\n')
    report = doctor(site, TERM="linux")
    assert report.code == 0, report.out
    assert report.status("glyphs") == "PERINGATAN"
    assert "cannot see the font" in report.line("glyphs")
    assert "showconsolefont" in report.line("glyphs")
    assert report.status("terminal") == "OK"


@pytest.mark.parametrize(
    ("font", "status", "words"),
    [
        (
            frozenset("ABC ▄█"),
            Status.PROBLEM,
            "font of /dev/tty1 lacks the half blocks ▀:",
        ),
        (frozenset("ABC " + HALF_BLOCKS), Status.OK, "font of /dev/tty1 has the half blocks ▀ ▄"),
        (None, Status.WARNING, "the doctor cannot see the font loaded"),
    ],
    ids=["lacks", "has", "unread"],
)
def test_half_blocks_on_a_console_whose_font_was_read_are_checked_against_it(
    tmp_path: Path, font: frozenset[str] | None, status: Status, words: str
) -> None:
    """What ``--tty /dev/tty1`` reads with GIO_UNIMAP (the system test reads a real console)."""
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text('[screen]\nqr_mode = "half"\n')
    console = Terminal("/dev/tty1", (128, 48), "linux", chosen=True, font=font)
    found = check_glyphs(console, "half", load_config(config_file))
    assert found.status is status
    assert words in found.what.text("en")
    if status is Status.PROBLEM:
        assert found.fix is not None
        assert "console-font.conf" in found.fix.text("en")


def test_a_named_tty_is_measured_and_the_environment_ignored(site: Site) -> None:
    controller, terminal = pty.openpty()
    try:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 150, 0, 0))
        device = os.ttyname(terminal)
        report = doctor(site, "--tty", device, COLUMNS="20", LINES="10", COLORTERM="truecolor")
    finally:
        os.close(terminal)
        os.close(controller)
    assert report.code == 0, report.out
    assert f"The screen 150×60 ({device}) fits" in report.line("terminal")
    assert "TERM=xterm-256color: 256 colours" in report.line("colours")


def test_a_named_device_that_cannot_be_measured_is_a_warning(site: Site, tmp_path: Path) -> None:
    device = tmp_path / "not-a-terminal"
    device.touch()
    report = doctor(site, "--tty", str(device), "--term", "linux")
    assert report.code == 0, report.out
    assert report.status("terminal") == "PERINGATAN"
    assert f"The size of the screen {device} cannot be measured" in report.line("terminal")
    assert "TERM=linux: 16 colours" in report.line("colours")
    assert report.status("glyphs") == "OK"


def test_the_disk_is_low_under_twice_the_cache_or_a_reserve(tmp_path: Path) -> None:
    cache = tmp_path / "cache.db"
    cache.write_bytes(bytes(300 * 1024))
    assert check_disk(cache, lambda _: 200 * 1024).status is Status.PROBLEM
    assert check_disk(cache, lambda _: DISK_RESERVE - 1).status is Status.WARNING
    assert check_disk(cache, lambda _: DISK_RESERVE).status is Status.OK
    assert check_disk(tmp_path / "not" / "yet" / "cache.db", lambda _: DISK_RESERVE).status is (
        Status.OK
    )


def test_the_doctor_sizes_the_qr_the_widget_draws() -> None:
    """kiosk.layout is what the card screen and the doctor both ask; the widget must agree."""
    from screens.widgets.qr import QrCode

    largest = "A" * 221
    assert symbol_size(largest) == 17 + 4 * MAX_SCREEN_VERSION
    for mode in ("half", "whole"):
        assert largest_qr(mode) == QrCode.cells(largest, mode)
    assert (screen_for_qr("half"), screen_for_qr("whole")) == ((87, 30), (144, 58))


def with_speech(site: Site, headphones: bool = False) -> None:
    switch = "true" if headphones else "false"
    text = f"\n[accessibility]\nspeech = true\nheadphones = {switch}\n"
    site.config.write_text(site.config.read_text() + text)


def test_speech_off_is_said_and_asks_nothing_of_espeak_ng(site: Site, tmp_path: Path) -> None:
    report = doctor(site, PATH=str(tmp_path))
    assert report.code == 0, report.out
    assert report.status("speech") == "OK"
    assert "Spoken guidance is off" in report.line("speech")


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None and not os.environ.get("CI"),
    reason="espeak-ng is not installed (apt-get install espeak-ng); CI installs it",
)
def test_speech_on_needs_espeak_ng_and_a_voice_for_each_language(
    site: Site, tmp_path: Path
) -> None:
    with_speech(site)
    report = doctor(site)
    assert report.code == 0, report.out
    assert "with the voices id, en-gb" in report.line("speech")
    assert "are not spoken (headphones = false)" in report.line("speech")
    doctor(site, PATH=str(tmp_path)).assert_problem("speech", "espeak-ng is not installed")
    # A copy of espeak-ng's data without its Indonesian (Austronesian, "poz") languages.
    program = shutil.which("espeak-ng")
    assert program is not None
    listed = subprocess.run([program, "--version"], capture_output=True, check=True)
    installed = Path(listed.stdout.decode().split("Data at: ")[1].strip())
    data = tmp_path / "data" / "espeak-ng-data"
    (data / "lang").mkdir(parents=True)
    for entry in installed.iterdir():
        if entry.name != "lang":
            (data / entry.name).symlink_to(entry)
    for family in (installed / "lang").iterdir():
        if family.name != "poz":
            (data / "lang" / family.name).symlink_to(family)
    mute = doctor(site, ESPEAK_DATA_PATH=str(data.parent))
    mute.assert_problem("speech", "cannot speak with the voice id:", "apt-get install espeak-ng")
    assert "en-gb" not in mute.line("speech").split(" — Fix: ")[0].split("PROBLEM: ")[1]
    site.config.write_text(
        site.config.read_text().replace("headphones = false", "headphones = true")
    )
    assert "are spoken because headphones = true" in doctor(site).line("speech")


@pytest.mark.parametrize("lang", LANGS)
def test_asked_for_one_language_the_doctor_speaks_only_it(site: Site, lang: Lang) -> None:
    """A sound kiosk and one with problems (no key, so most checks are skipped with a reason)."""
    sound = doctor(site, "--offline", "--lang", lang)
    assert sound.code == 0, sound.out
    (site.kiosk / "master.key").unlink()
    broken = doctor(site, "--offline", "--lang", lang)
    assert broken.code == 1, broken.out
    for report in (sound, broken):
        assert " / " not in report.out, "one language, not two"
        assert [line.split()[1] for line in report.out.splitlines()[:-1]] == CHECKS
        # Each line but the summary names its check (config, colours, ...): a name, no word.
        *lines, summary = report.out.splitlines()
        said = [summary, *(" ".join(line.split(maxsplit=2)[::2]) for line in lines)]
        assert foreign("\n".join(said), lang) == set(), report.out
