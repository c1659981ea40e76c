"""``kiosk card verify`` as staff run it: through the real entry point, with no kiosk config."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.card import CardSigner
from kiosk.cli import main
from kiosk.errors import ExpiredError, InvalidInputError, RejectedError
from kiosk.i18n import msg
from tests.test_card import make_claims, public_pem, save_qr

# Nobody's config: the command must not need one.
ENVIRON = {"KIOSK_CONFIG": "/nonexistent/kiosk.toml"}
KEY = Ed25519PrivateKey.generate()
NOW = datetime.now(UTC).replace(microsecond=0)
CLAIMS = make_claims(issued_at=NOW - timedelta(days=1), expires_at=NOW + timedelta(days=364))
CARD = CardSigner(KEY).sign(CLAIMS)


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "card.pub.pem"
    path.write_bytes(public_pem(KEY))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["card", "verify", *argv], ENVIRON)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_valid_card_shows_its_claims(key_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, CARD, "--key", key_file)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split("  ")[0] for line in lines[:-1]] == [
        "Penerbit / Issuer",
        "KPJ",
        "Nama / Name",
        "Status",
        "Program / Programmes",
        "Diterbitkan / Issued",
        "Berlaku sampai / Expires",
    ]
    assert lines[0].endswith("  BPJSTK")
    assert lines[1].endswith("  12345678901")
    assert lines[2].endswith("  Ni Luh Ṣāliḥah Nur'aini")
    assert lines[3].endswith("  AKTIF")
    assert lines[4].endswith("  JKK JHT")
    assert lines[5].endswith(f"  {CLAIMS.issued_at.isoformat()}")
    assert lines[6].endswith(f"  {CLAIMS.expires_at.isoformat()}")
    assert lines[-1] == "VALID"


def test_json(key_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, CARD, "--key", key_file, "--json")
    assert code == 0
    assert json.loads(out) == {
        "verdict": "VALID",
        "reason": None,
        "claims": {
            "issuer": "BPJSTK",
            "kpj": "12345678901",
            "name": "Ni Luh Ṣāliḥah Nur'aini",
            "status": "AKTIF",
            "programs": ["JKK", "JHT"],
            "issued_at": CLAIMS.issued_at.isoformat(),
            "expires_at": CLAIMS.expires_at.isoformat(),
        },
    }


def test_an_expired_card(key_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    old = make_claims(issued_at=NOW - timedelta(days=400), expires_at=NOW - timedelta(days=35))
    card = CardSigner(KEY).sign(old)
    code, out, _ = run(capsys, card, "--key", key_file)
    assert code == ExpiredError.exit_code == 5
    expired = msg("card.expired", date=old.expires_at.date().isoformat())
    assert out.splitlines()[-1] == f"EXPIRED: {expired.bilingual()}"
    assert "Nama / Name" in out
    code, out, _ = run(capsys, card, "--key", key_file, "--json")
    result = json.loads(out)
    assert (code, result["verdict"]) == (5, "EXPIRED")
    assert result["reason"] == expired.as_dict()
    assert result["claims"]["kpj"] == "12345678901"


def test_a_card_from_another_key_is_invalid(
    key_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = CardSigner(Ed25519PrivateKey.generate()).sign(CLAIMS)
    code, out, _ = run(capsys, forged, "--key", key_file)
    assert code == RejectedError.exit_code == 4
    assert out == f"INVALID: {msg('card.bad_signature').bilingual()}\n"
    code, out, _ = run(capsys, forged, "--key", key_file, "--json")
    assert code == 4
    assert json.loads(out) == {
        "verdict": "INVALID",
        "reason": msg("card.bad_signature").as_dict(),
        "claims": None,
    }


def test_text_that_is_no_card(key_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "HC1:" + CARD[4:], "--key", key_file)
    assert code == 4
    assert out == f"INVALID: {msg('card.not_a_card', prefix='BK1:').bilingual()}\n"


def test_a_picture_of_the_card(
    key_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = save_qr(CARD, tmp_path / "card.png")
    code, out, _ = run(capsys, "--image", str(picture), "--key", key_file)
    assert code == 0
    assert out.splitlines()[-1] == "VALID"


def test_a_picture_where_the_image_extra_is_not_installed(key_file: str, tmp_path: Path) -> None:
    """A kiosk's own install has no image libraries: one sentence saying how to get them."""
    picture = save_qr(CARD, tmp_path / "card.png")
    without_images = (
        "import sys; sys.modules['PIL'] = sys.modules['zxingcpp'] = None; "
        "from kiosk.cli import main; sys.exit(main())"
    )
    argv = ["card", "verify", "--image", str(picture), "--key", key_file]
    child = subprocess.run(
        [sys.executable, "-c", without_images, *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 1
    assert child.stderr.count("\n") == 1
    assert "bpjstk-kiosk[image]" in child.stderr


def test_a_picture_of_another_qr_code(
    key_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = save_qr("WIFI:S:kantor-cabang;;", tmp_path / "wifi.png")
    code, out, err = run(capsys, "--image", str(picture), "--key", key_file)
    assert (code, out) == (InvalidInputError.exit_code, "")
    assert err == f"kiosk: {msg('card.image.no_card', path=picture, prefix='BK1:').bilingual()}\n"


@pytest.mark.parametrize("extra", [[], [CARD, "--image", "card.png"]])
def test_exactly_one_source(
    extra: list[str], key_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *extra, "--key", key_file)
    assert (code, out) == (2, "")
    assert err == f"kiosk: {msg('card.cli.one_source').bilingual()}\n"


def test_a_missing_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "card.pub.pem"
    code, out, err = run(capsys, CARD, "--key", str(missing))
    assert (code, out) == (1, "")
    assert err == f"kiosk: {msg('card.key.missing', path=missing).bilingual()}\n"
    assert str(missing) in err


def test_card_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["card"], ENVIRON)
    assert exited.value.code == 2
    assert "kiosk card: error" in capsys.readouterr().err
