"""The operator commands, run as an operator would: keygen, status, lookup, rekey."""

import argparse
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.cache import Cache, FeedCursor
from kiosk.cli import COMMANDS, build_parser, main
from kiosk.keys import read_key_file
from tests.conftest import CURSOR_TIME, members_for


@dataclass
class Deployment:
    root: Path
    config: Path
    key: Path
    cache: Path

    def point_at_key(self, key: Path) -> None:
        self.config.write_text(
            f'kiosk_id = "test-01"\n[cache]\npath = "cache.db"\n[keys]\nmaster_key_file = "{key}"\n'
        )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), environ={})
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def deployment(
    tmp_path: Path, rows: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> Deployment:
    key = tmp_path / "master.key"
    code, out, _ = run(capsys, "keygen", "--out", str(key))
    assert code == 0
    assert "key id" in out
    deployment = Deployment(tmp_path, tmp_path / "kiosk.toml", key, tmp_path / "cache.db")
    deployment.point_at_key(key)
    with Cache.create(deployment.cache, read_key_file(key)) as cache:
        persons = members_for(cache, rows)[:200]
        cache.apply(persons, FeedCursor(3, "snapshot-3", CURSOR_TIME))
    return deployment


def test_keygen_refuses_to_overwrite(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    before = deployment.key.read_bytes()
    code, out, err = run(capsys, "keygen", "--out", str(deployment.key))
    assert code == 1
    assert out == ""
    assert "already exists" in one_line(err)
    assert deployment.key.read_bytes() == before


def test_status(deployment: Deployment, capsys: pytest.CaptureFixture[str]) -> None:
    key_id = read_key_file(deployment.key).subkeys().key_id
    code, out, _ = run(capsys, "status", "--config", str(deployment.config))
    assert code == 0
    assert "Records:      200" in out
    assert key_id in out
    assert "sequence 3, state snapshot-3" in out
    code, out, _ = run(capsys, "status", "--json", "--config", str(deployment.config))
    info = json.loads(out)
    assert info["records"] == 200
    assert info["key_id"] == key_id
    assert info["cursor"] == {"sequence": 3, "state": "snapshot-3"}
    assert info["last_sync"] == CURSOR_TIME.isoformat()
    assert info["file_sizes"]["cache.db"] > 0


def test_lookup(
    deployment: Deployment, rows: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    row = rows[17]
    typed = f"{row['nik'][:4]} {row['nik'][4:10]}-{row['nik'][10:]}"
    code, out, _ = run(capsys, "lookup", typed, "--config", str(deployment.config))
    assert code == 0
    assert row["name"] in out
    assert row["mother_name"] not in out
    code, out, _ = run(capsys, "lookup", row["nik"], "--json", "--config", str(deployment.config))
    record = json.loads(out)
    assert record["nik"] == row["nik"]
    assert record["name"] == row["name"]
    (membership,) = [m for m in record["memberships"] if m["kpj"] == row["kpj"]]
    assert membership["programs"] == [
        p for p in ("JKK", "JKM", "JHT", "JP", "JKP") if p in row["programs"].split()
    ]
    assert membership["status_code"] == (row["status_code"] or None)
    kpjs = {r["kpj"] for r in rows if r["nik"] == row["nik"] and r["deleted"] != "true"}
    assert {m["kpj"] for m in record["memberships"]} == kpjs
    assert [w["kpj"] for w in record["jht"]] == [
        m["kpj"] for m in record["memberships"] if "JHT" in m["programs"]
    ]
    assert "mother_name" not in record
    assert "mother_hash" not in record


def test_lookup_of_an_absent_or_invalid_nik(
    deployment: Deployment, rows: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    absent = rows[500]["nik"]
    code, out, err = run(capsys, "lookup", absent, "--config", str(deployment.config))
    assert (code, out) == (3, "")
    assert "not in this kiosk's cache" in one_line(err)
    assert absent not in err
    code, out, err = run(capsys, "lookup", "32010112", "--config", str(deployment.config))
    assert (code, out) == (2, "")
    one_line(err)


def test_wrong_key_is_one_line_exit_1_and_writes_nothing(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    other = deployment.root / "other.key"
    assert run(capsys, "keygen", "--out", str(other))[0] == 0
    deployment.point_at_key(other)
    before = hashlib.sha256(deployment.cache.read_bytes()).hexdigest()
    for command in (["status"], ["lookup", "3201014101900001"]):
        code, out, err = run(capsys, *command, "--config", str(deployment.config))
        assert (code, out) == (1, "")
        assert "Wrong master key" in one_line(err)
    assert hashlib.sha256(deployment.cache.read_bytes()).hexdigest() == before


def test_corrupt_cache_is_one_line_exit_1(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment.cache.write_bytes(b"SQLite format 3\x00" + b"\x00\xff" * 3000)
    code, out, err = run(capsys, "status", "--config", str(deployment.config))
    assert (code, out) == (1, "")
    assert "damaged" in one_line(err)


def test_missing_config_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--config", str(tmp_path / "absent.toml"))
    assert code == 1
    assert "No configuration file" in one_line(err)
    (tmp_path / "kiosk.toml").write_text("[cache]\npath = 'cache.db'\n")
    code, _, err = run(capsys, "status", "--config", str(tmp_path / "kiosk.toml"))
    assert code == 1
    assert "No master key found" in one_line(err)


def test_world_readable_key_is_refused(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment.key.chmod(0o644)
    code, _, err = run(capsys, "status", "--config", str(deployment.config))
    assert code == 1
    assert "chmod 600" in one_line(err)


def test_a_key_file_that_is_a_symlink_is_refused_by_status_and_doctor(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    real = deployment.root / "real.key"
    deployment.key.rename(real)
    deployment.key.symlink_to(real)
    code, out, err = run(capsys, "status", "--config", str(deployment.config))
    assert (code, out) == (1, "")
    assert "is a symbolic link" in one_line(err)
    code, out, _ = run(capsys, "doctor", "--offline", "--json", "--config", str(deployment.config))
    assert code == 1
    (key,) = [check for check in json.loads(out)["checks"] if check["name"] == "key"]
    assert (key["status"], key["what"]["code"]) == ("problem", "key.symlink")


def test_rekey(
    deployment: Deployment, rows: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    new_key = deployment.root / "new.key"
    assert run(capsys, "keygen", "--out", str(new_key))[0] == 0
    code, out, _ = run(
        capsys, "rekey", "--new-key", str(new_key), "--json", "--config", str(deployment.config)
    )
    assert code == 0
    result = json.loads(out)
    assert result["records"] == 200
    assert result["new_key_id"] == read_key_file(new_key).subkeys().key_id
    code, _, err = run(capsys, "status", "--config", str(deployment.config))
    assert code == 1
    assert "Wrong master key" in one_line(err)
    deployment.point_at_key(new_key)
    code, out, _ = run(
        capsys, "lookup", rows[3]["nik"], "--json", "--config", str(deployment.config)
    )
    assert code == 0
    assert json.loads(out)["name"] == rows[3]["name"]


def test_rekey_to_the_same_key_is_refused(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "rekey", "--new-key", str(deployment.key), "--config", str(deployment.config)
    )
    assert code == 1
    assert "key in use now" in one_line(err)


def test_console_script_reads_the_config_from_the_environment(deployment: Deployment) -> None:
    script = Path(sys.executable).with_name("kiosk")
    environ = {**os.environ, "KIOSK_CONFIG": str(deployment.config)}
    result = subprocess.run(
        [str(script), "status", "--json"], capture_output=True, text=True, env=environ, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"] == 200


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(subparsers.choices)


def test_each_command_comes_from_the_module_its_table_names() -> None:
    """A command's start imports only its own module: the table must not drift from what the
    modules register, or a command would be missing, or loaded by the wrong module."""
    assert _commands(build_parser()) == list(COMMANDS)
    for command, module in COMMANDS.items():
        alone = _commands(build_parser(command))
        assert command in alone
        assert alone == [name for name, owner in COMMANDS.items() if owner == module]


def test_help_without_a_command_lists_them_all(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"], environ={})
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert all(command in shown for command in COMMANDS)
