"""The configuration file: one typed object, relative paths, clear errors."""

from pathlib import Path

import pytest

from kiosk.config import DEFAULT_PATH, ENV_VAR, config_path, load_config
from kiosk.errors import ConfigError


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
