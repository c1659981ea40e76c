"""The kiosk's settings: one typed object read from one TOML file.

Relative paths in the file are taken relative to the file itself, so a
configuration and its cache can travel together (the demo relies on it).
"""

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.i18n import msg

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")
ENV_VAR = "KIOSK_CONFIG"


@dataclass(frozen=True)
class Config:
    path: Path
    kiosk_id: str
    cache_path: Path
    master_key_file: Path | None
    feed: "FeedSettings"


@dataclass(frozen=True)
class FeedSettings:
    source: str
    """A feed URL (http/https) or a directory holding a copy of the feed's ``repository/``."""
    trust_dir: Path
    """The trust bundle from ``kiosk central init``: root.json, card-public.pem, fleet.key."""
    work_dir: Path
    """TUF's trusted metadata and bundles being downloaded; kiosk-private."""


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """The flag wins over ``$KIOSK_CONFIG``, which wins over the default."""
    return Path(explicit or environ.get(ENV_VAR) or DEFAULT_PATH)


def load_config(path: Path) -> Config:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(msg("config.missing", path=path, env=ENV_VAR)) from None
    except OSError as exc:
        raise ConfigError(msg("config.unreadable", path=path, reason=exc.strerror)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(msg("config.syntax", path=path, reason=str(exc))) from None
    return _parse(raw, path)


def _parse(raw: dict[str, object], path: Path) -> Config:
    top = _Reader(raw, path)
    kiosk_id = top.string("kiosk_id", socket.gethostname()).strip()
    if not kiosk_id:
        raise ConfigError(msg("config.not_text", path=path, key="kiosk_id"))
    cache = top.table("cache")
    keys = top.table("keys")
    feed = top.table("feed")
    top.done()
    cache_path = cache.string("path", "/var/lib/kiosk/cache.db")
    key_file = keys.string("master_key_file", "")
    source = feed.string("source", "").strip()
    if source and "://" not in source:
        source = str(_resolve(path.parent, source))
    settings = FeedSettings(
        source=source,
        trust_dir=_resolve(path.parent, feed.string("trust_dir", "/etc/kiosk/trust")),
        work_dir=_resolve(path.parent, feed.string("work_dir", "/var/lib/kiosk/feed")),
    )
    for table in (cache, keys, feed):
        table.done()
    return Config(
        path=path,
        kiosk_id=kiosk_id,
        cache_path=_resolve(path.parent, cache_path),
        master_key_file=_resolve(path.parent, key_file) if key_file else None,
        feed=settings,
    )


def _resolve(base: Path, value: str) -> Path:
    return (base / os.path.expanduser(value)).resolve()


class _Reader:
    """Takes typed values out of one TOML table and rejects keys nobody read."""

    def __init__(self, table: dict[str, object], path: Path, section: str = "") -> None:
        self._table = dict(table)
        self._path = path
        self._section = section

    def _name(self, key: str) -> str:
        return f"{self._section}.{key}" if self._section else key

    def string(self, key: str, default: str) -> str:
        value = self._table.pop(key, default)
        if not isinstance(value, str):
            raise ConfigError(msg("config.not_text", path=self._path, key=self._name(key)))
        return value

    def table(self, key: str) -> "_Reader":
        value = self._table.pop(key, {})
        if not isinstance(value, dict):
            raise ConfigError(msg("config.not_table", path=self._path, key=self._name(key)))
        return _Reader(value, self._path, self._name(key))

    def done(self) -> None:
        if self._table:
            unknown = ", ".join(self._name(key) for key in sorted(self._table))
            raise ConfigError(msg("config.unknown", path=self._path, keys=unknown))
