"""``kiosk nik`` as staff run it: through the real entry point, not the parser alone."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.i18n import msg

# 320101 Cibinong, Kabupaten Bogor, Jawa Barat; a woman born 17 Aug 1990.
VALID = "3201015708900002"
# 910101 Merauke, issued under Papua before Papua Selatan was made.
HISTORICAL = "9101011512850003"
TOO_SHORT = "320101570890002"
# Nobody's config: the command must not need one.
ENVIRON = {"KIOSK_CONFIG": "/nonexistent/kiosk.toml"}


def test_valid_nik_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "3201 0157 0890 0002"], ENVIRON) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["NIK", VALID]
    assert lines[1].endswith("32 Jawa Barat")
    assert lines[2].endswith("3201 Kabupaten Bogor")
    assert lines[3].endswith("320101 Cibinong")
    assert lines[4].endswith("1990-08-17")
    assert lines[5].endswith("P (perempuan / female)")
    assert lines[6].endswith("0002")
    assert len(lines) == 7


def test_warnings_do_not_change_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", HISTORICAL], ENVIRON) == 0
    out = capsys.readouterr().out
    assert "9101 KAB. MERAUKE" in out
    assert msg("nik.warning.historical_regency").bilingual() in out
    assert msg("nik.warning.historical_district").bilingual() in out


def test_unknown_places_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "3269995708900002"], ENVIRON) == 0
    out = capsys.readouterr().out
    assert "3269 tidak dikenal / unknown" in out
    assert "326999 tidak dikenal / unknown" in out


def test_valid_nik_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "--json", HISTORICAL], ENVIRON) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "valid": True,
        "nik": HISTORICAL,
        "province": {"code": "91", "name": "Papua"},
        "regency": {"code": "9101", "name": "KAB. MERAUKE"},
        "district": {"code": "910101", "name": "Merauke"},
        "birth_date": "1985-12-15",
        "sex": "L",
        "serial": "0003",
        "warnings": [
            msg("nik.warning.historical_regency").as_dict(),
            msg("nik.warning.historical_district").as_dict(),
        ],
    }


def test_unknown_places_are_null_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "3269995708900002", "--json"], ENVIRON) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["regency"] is None
    assert shown["district"] is None
    assert [warning["code"] for warning in shown["warnings"]] == [
        "nik.warning.unknown_regency",
        "nik.warning.unknown_district",
    ]


def test_invalid_nik_one_bilingual_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", TOO_SHORT], ENVIRON) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "kiosk: NIK harus 16 angka; Anda baru mengetik 15. / "
        "A NIK has 16 digits; you have typed only 15.\n"
    )


def test_invalid_nik_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "--json", "3201013102900002"], ENVIRON) == 2
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "valid": False,
        "problem": msg("nik.problem.impossible_date").as_dict(),
    }


def test_birth_dates_are_judged_against_today(capsys: pytest.CaptureFixture[str]) -> None:
    born_today = f"320101{date.today():%d%m%y}0001"
    assert main(["nik", "--json", born_today], ENVIRON) == 0
    assert json.loads(capsys.readouterr().out)["birth_date"] == date.today().isoformat()


def test_installed_console_script() -> None:
    script = Path(sys.executable).with_name("kiosk")
    valid = subprocess.run(
        [script, "nik", "--json", VALID], capture_output=True, text=True, check=False
    )
    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout)["district"] == {"code": "320101", "name": "Cibinong"}
    invalid = subprocess.run(
        [script, "nik", TOO_SHORT], capture_output=True, text=True, check=False
    )
    assert invalid.returncode == 2
    assert invalid.stdout == ""
    assert invalid.stderr.startswith("kiosk: NIK harus 16 angka")
    assert TOO_SHORT not in invalid.stderr
