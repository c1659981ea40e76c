"""The kiosk's settings: one typed object read from one TOML file.

Relative paths in the file are taken relative to the file itself, so a
configuration and its cache can travel together (the demo relies on it).
"""

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal, get_args

from kiosk.errors import ConfigError
from kiosk.i18n import msg

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")
ENV_VAR = "KIOSK_CONFIG"
QrMode = Literal["half", "whole"]
"""``half``: two modules stacked in a cell with "▀"; ``whole``: two blank cells a module,
for the Linux console, whose fonts lack half blocks."""
QrSetting = Literal["auto", QrMode]
_QR_SETTINGS: dict[str, QrSetting] = {name: name for name in get_args(QrSetting)}
_SECOND = timedelta(seconds=1)
_HOUR = timedelta(hours=1)
MIN_IDLE_SECONDS = 15
"""Below this a member cannot read the status screen before it is wiped."""


@dataclass(frozen=True)
class Config:
    path: Path
    kiosk_id: str
    cache_path: Path
    master_key_file: Path | None
    feed: "FeedSettings"
    screen: "ScreenSettings" = field(default_factory=lambda: ScreenSettings())
    limits: "Limits" = field(default_factory=lambda: Limits())
    audit_retention: timedelta = timedelta(days=90)
    """Audit events older than this are pruned."""
    state_path: Path | None = None
    """The audit log, the abuse counters and the staff settings; ``None``: beside the cache."""

    @property
    def state_file(self) -> Path:
        return self.state_path or self.cache_path.with_name("state.db")


@dataclass(frozen=True)
class ScreenSettings:
    """What the member sees: how long a session may sit idle, how old data may be."""

    idle_timeout: timedelta = timedelta(seconds=60)
    """Idle time after which everything personal is wiped; the last 10 s count down."""
    warn_staleness: timedelta = timedelta(hours=24)
    """Data older than this is still served, with its date shown prominently."""
    max_staleness: timedelta = timedelta(days=7)
    """Data older than this is not served: the kiosk shows its out-of-service screen."""
    qr_mode: QrSetting = "auto"
    """``auto`` draws whole cells on the Linux console (``TERM=linux``), half blocks elsewhere."""


@dataclass(frozen=True)
class Limits:
    """What stops abuse: guessing a member's answer, walking the NIK space, guessing the PIN.

    Every counter lives in the audit log, so a restart forgets none of them.
    """

    failed_verifications: int = 3
    """Wrong answers for one NIK that lock it at this kiosk."""
    nik_lockout: timedelta = timedelta(minutes=15)
    lookups_per_minute: int = 10
    """NIKs accepted per minute, kiosk-wide: a queue of members needs far fewer."""
    free_invalid_niks: int = 3
    """Invalid NIKs in a row before each further one makes the screen wait."""
    max_invalid_wait: timedelta = timedelta(seconds=30)
    """The wait doubles from 2 s with each invalid NIK, up to this."""
    pin_attempts: int = 5
    """Wrong staff PINs that lock the PIN prompt."""
    pin_lockout: timedelta = timedelta(minutes=15)
    staff_idle: timedelta = timedelta(minutes=2)
    """Staff are logged out after this long without a key or a touch."""


@dataclass(frozen=True)
class FeedSettings:
    source: str
    """A feed URL (http/https) or a directory holding a copy of the feed's ``repository/``."""
    trust_dir: Path
    """The trust bundle from ``kiosk central init``: root.json, card-public.pem, fleet.key."""
    work_dir: Path
    """TUF's trusted metadata and bundles being downloaded; kiosk-private."""
    sync_interval: timedelta = timedelta(hours=1)
    """How often the running kiosk syncs in the background; failures retry sooner."""


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
    screen = _screen_settings(top.table("screen"))
    limits = _limits(top.table("limits"))
    audit = top.table("audit")
    retention = audit.integer("retention_days", Config.audit_retention.days, minimum=1)
    audit.done()
    state = top.table("state")
    state_path = state.string("path", "")
    state.done()
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
        sync_interval=timedelta(
            minutes=feed.integer(
                "sync_interval_minutes",
                FeedSettings.sync_interval // timedelta(minutes=1),
                minimum=1,
            )
        ),
    )
    for table in (cache, keys, feed):
        table.done()
    return Config(
        path=path,
        kiosk_id=kiosk_id,
        cache_path=_resolve(path.parent, cache_path),
        master_key_file=_resolve(path.parent, key_file) if key_file else None,
        feed=settings,
        screen=screen,
        limits=limits,
        audit_retention=timedelta(days=retention),
        state_path=_resolve(path.parent, state_path) if state_path else None,
    )


def _screen_settings(table: "_Reader") -> ScreenSettings:
    default = ScreenSettings()
    idle = table.integer(
        "idle_timeout_seconds", default.idle_timeout // _SECOND, minimum=MIN_IDLE_SECONDS
    )
    warn = table.integer("warn_staleness_hours", default.warn_staleness // _HOUR, minimum=1)
    most = table.integer("max_staleness_days", default.max_staleness.days, minimum=1)
    qr_mode = _QR_SETTINGS[table.choice("qr_mode", default.qr_mode, tuple(_QR_SETTINGS))]
    table.done()
    return ScreenSettings(
        idle_timeout=idle * _SECOND,
        warn_staleness=warn * _HOUR,
        max_staleness=timedelta(days=most),
        qr_mode=qr_mode,
    )


def _limits(table: "_Reader") -> Limits:
    default = Limits()
    minute = timedelta(minutes=1)
    limits = Limits(
        failed_verifications=table.integer(
            "failed_verifications", default.failed_verifications, minimum=1
        ),
        nik_lockout=table.integer("nik_lockout_minutes", default.nik_lockout // minute, minimum=1)
        * minute,
        lookups_per_minute=table.integer(
            "lookups_per_minute", default.lookups_per_minute, minimum=1
        ),
        free_invalid_niks=table.integer("free_invalid_niks", default.free_invalid_niks, minimum=1),
        max_invalid_wait=table.integer(
            "max_invalid_wait_seconds", default.max_invalid_wait // _SECOND, minimum=2
        )
        * _SECOND,
        pin_attempts=table.integer("pin_attempts", default.pin_attempts, minimum=1),
        pin_lockout=table.integer("pin_lockout_minutes", default.pin_lockout // minute, minimum=1)
        * minute,
        staff_idle=table.integer(
            "staff_idle_seconds", default.staff_idle // _SECOND, minimum=MIN_IDLE_SECONDS
        )
        * _SECOND,
    )
    table.done()
    return limits


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

    def integer(self, key: str, default: int, *, minimum: int) -> int:
        value = self._table.pop(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(
                msg("config.not_count", path=self._path, key=self._name(key), minimum=minimum)
            )
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(key, default)
        if value not in choices:
            raise ConfigError(
                msg(
                    "config.not_choice",
                    path=self._path,
                    key=self._name(key),
                    choices=", ".join(choices),
                )
            )
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
