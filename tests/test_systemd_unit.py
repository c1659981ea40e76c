"""kiosk.service: systemd accepts it, rates its sandbox well, and it matches what the app reads."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_PATH, load_config
from kiosk.feed.trust import FLEET_CREDENTIAL
from kiosk.keys import CREDENTIAL_NAME
from kiosk.schedule import SYNC_NOW_COMMAND
from kiosk.unit_failure import CREDENTIALS_FAILED

UNIT = Path(__file__).resolve().parents[1] / "kiosk.service"
FALLBACK = UNIT.with_name("kiosk-out-of-service.service")
"""What systemd starts on tty1 once it has given up on the kiosk (``OnFailure=``)."""
README = UNIT.with_name("README.md")
MAX_EXPOSURE = 1.5
"""The issue's bar for ``systemd-analyze security``: 0 is locked down, 10 is wide open."""


def service_directives(unit: Path = UNIT) -> dict[str, list[str]]:
    """``[Service]`` settings in order; an empty assignment resets a list, as in systemd."""
    directives: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        key, _, value = line.partition("=")
        if section == "[Service]":
            values = directives.setdefault(key.strip(), [])
            if value.strip():
                values.append(value.strip())
            else:
                values.clear()
    return directives


def systemd_analyze() -> str:
    """The tool, or a skip on a developer's machine without systemd; CI installs it, so fails."""
    found = shutil.which("systemd-analyze")
    if found is None:
        reason = "systemd-analyze is missing (Debian: apt-get install systemd)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """``verify`` insists that ExecStart's program exists, and /opt/kiosk is not installed here.

    So copies are verified whose only change is that path, pointed at the same
    program as this checkout installs it; together, as the kiosk's names the other.
    """
    kiosk = Path(sys.executable).with_name("kiosk")
    assert kiosk.is_file(), f"{kiosk} missing: pip install -e . installs it"
    copies = []
    for unit in (UNIT, FALLBACK):
        lines = unit.read_text().splitlines(keepends=True)
        (index,) = [i for i, line in enumerate(lines) if line.startswith("ExecStart=")]
        program = lines[index].removeprefix("ExecStart=").split()[0]
        lines[index] = lines[index].replace(program, str(kiosk), 1)
        copies.append(tmp_path / unit.name)
        copies[-1].write_text("".join(lines))
    result = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", *map(str, copies)],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_the_kiosk_names_its_out_of_service_unit() -> None:
    assert f"OnFailure={FALLBACK.name}" in UNIT.read_text().splitlines()
    assert service_directives(FALLBACK)["ExecStart"][0].split()[1:] == ["out-of-service"]


@pytest.mark.parametrize("unit", [UNIT, FALLBACK], ids=lambda unit: unit.stem)
def test_the_sandbox_rates_at_most_1_5(unit: Path) -> None:
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score is not None, result.stdout
    assert float(score.group(1)) <= MAX_EXPOSURE, result.stdout


def test_the_unit_hands_over_the_credentials_the_app_reads() -> None:
    loaded = service_directives()["LoadCredentialEncrypted"]
    assert {line.split(":", 1)[0] for line in loaded} == {CREDENTIAL_NAME, FLEET_CREDENTIAL}


def test_the_readme_tells_operators_how_to_have_the_kiosk_sync_now() -> None:
    """No ``ExecReload=``: its command would get the unit's console settings and hang up tty1."""
    assert SYNC_NOW_COMMAND in README.read_text()
    assert "ExecReload" not in service_directives()


def test_keys_that_do_not_decrypt_are_not_retried() -> None:
    """Out of service at once: a restart cannot decrypt keys sealed to another computer."""
    status, _ = CREDENTIALS_FAILED
    assert service_directives()["RestartPreventExitStatus"] == [status]


def test_the_state_directory_holds_what_the_default_config_puts_there(tmp_path: Path) -> None:
    directives = service_directives()
    (state,) = directives["StateDirectory"]
    (command,) = directives["ExecStart"]
    assert command.split()[1:] == ["run", "--config", str(DEFAULT_PATH)]
    empty = tmp_path / "kiosk.toml"
    empty.write_text("")
    defaults = load_config(empty)
    assert defaults.cache_path.parent == Path("/var/lib", state)
    assert defaults.feed.work_dir.parent == Path("/var/lib", state)
