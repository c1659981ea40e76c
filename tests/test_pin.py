"""``kiosk staff-pin set`` as an operator runs it: from a provisioning script and on a terminal.

The PIN goes through real scrypt, at the product's cost, into a real state file;
the typed-twice path runs the real command on a pseudo-terminal, as ``getpass``
needs one.
"""

import io
import json
import os
import pty
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.audit import Event
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.maintenance import LoggedIn, Maintenance, WrongPin
from kiosk.pin import PIN_COST, PIN_SETTING, ScryptCost, hash_pin, pin_matches
from kiosk.serving import KioskService
from tests.kiosk_ui import Clock
from tests.test_run import installed_kiosk, read_until

ROOT = Path(__file__).resolve().parent.parent
PIN = "246813"
PRODUCT_PREFIX = f"scrypt${PIN_COST.n}${PIN_COST.r}${PIN_COST.p}$"


@pytest.fixture(autouse=True)
def pin_cost() -> ScryptCost:
    """Here, unlike everywhere else in the suite (``tests/kiosk_ui.py``), PINs are hashed at
    the product's cost: these are the tests of that hash."""
    return PIN_COST


def test_the_product_cost_is_scrypt_n_2_15_r_8_p_1() -> None:
    """About 0.1 s and 32 MiB per guess: lowering it is a decision, not an accident."""
    assert ScryptCost(n=2**15, r=8, p=1) == PIN_COST
    assert hash_pin(PIN).startswith(PRODUCT_PREFIX)


def test_a_hash_names_its_cost_and_is_checked_at_it() -> None:
    cheap = hash_pin(PIN, ScryptCost(n=2**4, r=8, p=1))
    assert cheap.startswith("scrypt$16$8$1$")
    assert pin_matches(PIN, cheap)
    assert not pin_matches("975310", cheap)
    assert pin_matches(PIN, hash_pin(PIN))


def staff_of(config: Path) -> Maintenance:
    """Staff's side of the kiosk the configuration describes, as the app builds it."""
    loaded = load_config(config)
    return Maintenance.from_config(loaded, {}, KioskService.from_config(loaded, {}, Clock()))


def set_pin(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    config: Path,
    typed: str,
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    code = main(["staff-pin", "set", "--stdin", "--config", str(config)], environ={})
    out, err = capsys.readouterr()
    return code, out, err


def state_files(config: Path) -> bytes:
    state = load_config(config).state_file
    names = (state, state.with_name(state.name + "-wal"))
    return b"".join(path.read_bytes() for path in names if path.exists())


def test_a_pin_from_standard_input_is_kept_only_as_a_slow_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = installed_kiosk(tmp_path)
    code, out, err = set_pin(capsys, monkeypatch, config, PIN + "\n")
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert "PIN staf disimpan" in out
    assert "The staff PIN is set" in out
    staff = staff_of(config)
    stored = staff.service.state.setting(PIN_SETTING)
    assert stored is not None
    assert stored.startswith(PRODUCT_PREFIX)
    assert staff.login(PIN) == LoggedIn()
    event = staff.service.audit.latest(Event.STAFF_PIN)
    assert event is not None
    assert (event.outcome, event.member) == ("set", None)
    assert PIN.encode() not in state_files(config)
    staff.service.close()
    assert PIN.encode() not in state_files(config)

    code, _, _ = set_pin(capsys, monkeypatch, config, "975310")
    assert code == 0
    staff = staff_of(config)
    assert isinstance(staff.login(PIN), WrongPin), "the new PIN replaced the old one"
    assert staff.login("975310") == LoggedIn()
    staff.service.close()


def test_setting_the_pin_needs_no_master_key_nor_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Provisioning comes before the first sync, and the key may be a systemd credential."""
    config = tmp_path / "kiosk.toml"
    config.write_text('[cache]\npath = "cache.db"\n[keys]\nmaster_key_file = "absent.key"\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO(PIN))
    code = main(["staff-pin", "set", "--stdin", "--json", "--config", str(config)], environ={})
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == {"pin": "set", "state_file": str(tmp_path / "state.db")}
    assert not (tmp_path / "cache.db").exists()
    assert staff_of(config).login(PIN) == LoggedIn()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("12345", "6 to 12 digits"),
        ("1234567890123", "6 to 12 digits"),
        ("24a813", "6 to 12 digits"),
        ("２４６８１３", "6 to 12 digits"),  # full-width digits
        ("", "6 to 12 digits"),
        ("123456", "too easy"),
        ("98765432", "too easy"),
        ("000000", "too easy"),
    ],
)
def test_a_pin_that_breaks_the_rules_is_refused_and_nothing_is_stored(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    typed: str,
    reason: str,
) -> None:
    config = installed_kiosk(tmp_path)
    code, out, err = set_pin(capsys, monkeypatch, config, typed + "\n")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert reason in err
    assert not load_config(config).state_file.exists()


def test_without_a_terminal_the_pin_must_come_with_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = installed_kiosk(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n" + PIN + "\n"))
    code = main(["staff-pin", "set", "--config", str(config)], environ={})
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "--stdin" in err
    assert "no terminal" in err
    assert not load_config(config).state_file.exists()


def typed_on_a_terminal(config: Path, first: str, second: str) -> tuple[int, bytes]:
    """Run the command with a pseudo-terminal as its controlling terminal; type at its prompts."""
    argv = [sys.executable, "-m", "kiosk", "staff-pin", "set", "--config", str(config)]
    pid, terminal = pty.fork()
    if pid == 0:  # The child: become the command, or vanish.
        try:
            os.chdir(ROOT)
            os.execv(sys.executable, argv)  # noqa: S606
        finally:
            os._exit(127)
    try:
        seen = read_until(terminal, b"New staff PIN: ", 20)
        os.write(terminal, first.encode() + b"\n")
        seen += read_until(terminal, b"Type the PIN again: ", 10)
        os.write(terminal, second.encode() + b"\n")
        seen += read_until(terminal, b"never printed: read to the end", 20)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen


def test_a_pin_typed_twice_on_a_terminal(tmp_path: Path) -> None:
    config = installed_kiosk(tmp_path)
    code, seen = typed_on_a_terminal(config, PIN, "246831")
    assert code == 2, seen
    assert b"The two PINs differ" in seen
    assert b"246831" not in seen, "typing is not echoed"
    assert not load_config(config).state_file.exists()

    started = datetime.now(UTC)
    code, seen = typed_on_a_terminal(config, PIN, PIN)
    assert code == 0, seen
    assert b"The staff PIN is set" in seen
    assert PIN.encode() not in seen
    staff = staff_of(config)
    assert staff.login(PIN) == LoggedIn()
    event = staff.service.audit.latest(Event.STAFF_PIN)
    assert event is not None
    assert event.at >= started
    staff.service.close()
