"""The kiosk's settings: one typed object read from one TOML file.

Relative paths in the file are taken relative to the file itself, so a
configuration and its cache can travel together (the demo relies on it).
"""

import errno
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal, NamedTuple, NoReturn, get_args

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
MAX_FILE_BYTES = 1 << 20
"""A configuration is a few dozen lines; more is the wrong file (or ``/dev/zero``)."""


class Range(NamedTuple):
    """The whole numbers a setting accepts, both ends included."""

    minimum: int
    maximum: int


_WEEK_MINUTES = 7 * 24 * 60
_HOUR_SECONDS = 60 * 60
RANGES: Mapping[str, Range] = {
    "feed.sync_interval_minutes": Range(1, _WEEK_MINUTES),
    "feed.timeout_seconds": Range(1, 300),
    "screen.idle_timeout_seconds": Range(MIN_IDLE_SECONDS, _HOUR_SECONDS),
    "screen.warn_staleness_hours": Range(1, 30 * 24),
    "screen.max_staleness_days": Range(1, 365),
    "limits.failed_verifications": Range(1, 100),
    "limits.nik_lockout_minutes": Range(1, _WEEK_MINUTES),
    "limits.lookups_per_minute": Range(1, 1000),
    "limits.free_invalid_niks": Range(1, 100),
    "limits.max_invalid_wait_seconds": Range(2, _HOUR_SECONDS),
    "limits.pin_attempts": Range(1, 100),
    "limits.pin_lockout_minutes": Range(1, _WEEK_MINUTES),
    "limits.staff_idle_seconds": Range(MIN_IDLE_SECONDS, _HOUR_SECONDS),
    "audit.retention_days": Range(1, 3650),
    "accessibility.words_per_minute": Range(80, 300),
    "printer.vendor_id": Range(1, 0xFFFF),
    "printer.product_id": Range(1, 0xFFFF),
    "printer.port": Range(1, 0xFFFF),
    "printer.timeout_seconds": Range(1, 60),
}
"""Every whole-number setting by its dotted name. The maxima are far beyond what an operator
means and far below what date arithmetic survives: a mistyped lockout of a billion minutes
is refused here rather than crashing the member screen when it is added to the clock."""


class Paper(NamedTuple):
    """A roll's printable width as ESC/POS printers of that width have it, at 203 dpi."""

    columns: int
    """Characters a line in font A (12 x 24 dots)."""
    dots: int
    """Dots a raster line: ``columns`` x 12."""


PAPERS: Mapping[int, Paper] = {58: Paper(32, 384), 80: Paper(48, 576)}
"""Each roll width in millimetres a kiosk printer may take."""
PrinterKind = Literal["usb", "network", "file"]
_PRINTER_KINDS: dict[str, PrinterKind] = {name: name for name in get_args(PrinterKind)}


@dataclass(frozen=True)
class UsbTarget:
    vendor_id: int
    product_id: int


@dataclass(frozen=True)
class NetworkTarget:
    host: str
    port: int = 9100
    """The raw ESC/POS port ("JetDirect") most network receipt printers listen on."""
    timeout: timedelta = timedelta(seconds=3)
    """A printer silent this long is offline: the member is not kept waiting longer."""


@dataclass(frozen=True)
class FileTarget:
    path: Path
    """A device node such as ``/dev/usb/lp0``; a regular file only for tests, since a slip
    holds the member's name."""


PrinterTarget = UsbTarget | NetworkTarget | FileTarget
_TARGET_KEYS: Mapping[PrinterKind, tuple[str, ...]] = {
    "usb": ("vendor_id", "product_id"),
    "network": ("host", "port", "timeout_seconds"),
    "file": ("path",),
}
"""The settings each kind of target takes; the others are refused with it."""


@dataclass(frozen=True)
class PrinterSettings:
    """The slip printer: ``None`` in :class:`Config` when there is none (no print button)."""

    target: PrinterTarget
    paper_mm: int = 58
    """A key of :data:`PAPERS`."""

    @property
    def paper(self) -> Paper:
        return PAPERS[self.paper_mm]


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
    accessibility: "AccessibilitySettings" = field(default_factory=lambda: AccessibilitySettings())
    printer: PrinterSettings | None = None

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

    def too_old(self, age: timedelta) -> bool:
        """Data this old is not served: the service and ``kiosk doctor`` both ask here."""
        return age > self.max_staleness

    def stale(self, age: timedelta) -> bool:
        """Data this old is served with its date shown prominently."""
        return age > self.warn_staleness


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
class AccessibilitySettings:
    """Spoken guidance (:mod:`kiosk.speech`), off unless staff turn it on."""

    speech: bool = False
    """Each screen's instruction is read aloud with espeak-ng."""
    headphones: bool = False
    """Only headphones can hear the kiosk: a member's name, status and balance may be spoken
    too. A branch office is a public room, so without them they never are."""
    words_per_minute: int = 150
    """espeak-ng's own 175 is brisk for the Indonesian voice and for older members."""


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
    timeout: timedelta = timedelta(seconds=10)
    """How long a feed server may take to accept a connection, then to send each next piece
    of an answer: a server that accepts and never answers costs a sync this long, not
    minutes, so the running kiosk's background sync never stalls."""


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """The flag wins over ``$KIOSK_CONFIG``, which wins over the default."""
    return Path(explicit or environ.get(ENV_VAR) or DEFAULT_PATH)


def load_config(path: Path) -> Config:
    """The settings in ``path``; whatever the file holds, the only error is a ConfigError."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(msg("config.missing", path=path, env=ENV_VAR)) from None
    except OSError as exc:
        raise ConfigError(msg("config.unreadable", path=path, reason=exc.strerror)) from None
    except ValueError as exc:  # a NUL in the path, or a character the locale cannot encode
        raise ConfigError(msg("config.unreadable", path=path, reason=str(exc))) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(msg("config.too_large", path=path, kib=MAX_FILE_BYTES >> 10))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(msg("config.not_utf8", path=path, offset=exc.start)) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(msg("config.syntax", path=path, reason=str(exc))) from None
    except ValueError:  # tomllib's only other one: int() refuses more than 4300 digits
        raise ConfigError(msg("config.long_number", path=path)) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError(msg("config.too_deep", path=path)) from None
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
    retention = audit.integer("retention_days", Config.audit_retention.days)
    audit.done()
    state = top.table("state")
    state_path = state.optional_path("path")
    state.done()
    accessibility = _accessibility(top.table("accessibility"))
    printer = _printer_settings(top.table("printer"), "printer" in raw)
    top.done()
    cache_path = cache.path("path", "/var/lib/kiosk/cache.db")
    if not cache_path.name:  # "/": no file could be the cache, nor have a state file beside it
        reason = os.strerror(errno.EISDIR)
        raise ConfigError(msg("config.path_unusable", path=path, key="cache.path", reason=reason))
    key_file = keys.optional_path("master_key_file")
    source = feed.string("source", "").strip()
    if source and "://" not in source:
        source = str(feed.resolve("source", source))
    settings = FeedSettings(
        source=source,
        trust_dir=feed.path("trust_dir", "/etc/kiosk/trust"),
        work_dir=feed.path("work_dir", "/var/lib/kiosk/feed"),
        sync_interval=timedelta(
            minutes=feed.integer(
                "sync_interval_minutes", FeedSettings.sync_interval // timedelta(minutes=1)
            )
        ),
        timeout=feed.integer("timeout_seconds", FeedSettings.timeout // _SECOND) * _SECOND,
    )
    for table in (cache, keys, feed):
        table.done()
    return Config(
        path=path,
        kiosk_id=kiosk_id,
        cache_path=cache_path,
        master_key_file=key_file,
        feed=settings,
        screen=screen,
        limits=limits,
        audit_retention=timedelta(days=retention),
        state_path=state_path,
        accessibility=accessibility,
        printer=printer,
    )


def _printer_settings(table: "_Reader", present: bool) -> PrinterSettings | None:
    """Only the settings of the chosen kind of target; one that another kind takes is refused."""
    if not present:
        return None
    kind = _PRINTER_KINDS[table.choice("kind", "", tuple(_PRINTER_KINDS))]
    for keys in _TARGET_KEYS.values():
        for key in keys:
            if table.has(key) and key not in _TARGET_KEYS[kind]:
                table.refuse_for(key, kind)
    paper = table.integer_choice("paper_mm", PrinterSettings.paper_mm, tuple(PAPERS))
    target: PrinterTarget
    if kind == "usb":
        target = UsbTarget(
            table.required_integer("vendor_id", kind), table.required_integer("product_id", kind)
        )
    elif kind == "network":
        host = table.string("host", "").strip()
        if not host:
            table.refuse_missing("host", kind)
        target = NetworkTarget(
            host=host,
            port=table.integer("port", NetworkTarget.port),
            timeout=table.integer("timeout_seconds", NetworkTarget.timeout // _SECOND) * _SECOND,
        )
    else:
        path = table.optional_path("path")
        if path is None:
            table.refuse_missing("path", kind)
        target = FileTarget(path)
    table.done()
    return PrinterSettings(target, paper)


def _screen_settings(table: "_Reader") -> ScreenSettings:
    default = ScreenSettings()
    idle = table.integer("idle_timeout_seconds", default.idle_timeout // _SECOND)
    warn = table.integer("warn_staleness_hours", default.warn_staleness // _HOUR)
    most = table.integer("max_staleness_days", default.max_staleness.days)
    qr_mode = _QR_SETTINGS[table.choice("qr_mode", default.qr_mode, tuple(_QR_SETTINGS))]
    table.done()
    return ScreenSettings(
        idle_timeout=idle * _SECOND,
        warn_staleness=warn * _HOUR,
        max_staleness=timedelta(days=most),
        qr_mode=qr_mode,
    )


def _accessibility(table: "_Reader") -> AccessibilitySettings:
    default = AccessibilitySettings()
    settings = AccessibilitySettings(
        speech=table.boolean("speech", default.speech),
        headphones=table.boolean("headphones", default.headphones),
        words_per_minute=table.integer("words_per_minute", default.words_per_minute),
    )
    table.done()
    return settings


def _limits(table: "_Reader") -> Limits:
    default = Limits()
    minute = timedelta(minutes=1)
    limits = Limits(
        failed_verifications=table.integer("failed_verifications", default.failed_verifications),
        nik_lockout=table.integer("nik_lockout_minutes", default.nik_lockout // minute) * minute,
        lookups_per_minute=table.integer("lookups_per_minute", default.lookups_per_minute),
        free_invalid_niks=table.integer("free_invalid_niks", default.free_invalid_niks),
        max_invalid_wait=table.integer(
            "max_invalid_wait_seconds", default.max_invalid_wait // _SECOND
        )
        * _SECOND,
        pin_attempts=table.integer("pin_attempts", default.pin_attempts),
        pin_lockout=table.integer("pin_lockout_minutes", default.pin_lockout // minute) * minute,
        staff_idle=table.integer("staff_idle_seconds", default.staff_idle // _SECOND) * _SECOND,
    )
    table.done()
    return limits


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

    def boolean(self, key: str, default: bool) -> bool:
        value = self._table.pop(key, default)
        if not isinstance(value, bool):
            raise ConfigError(msg("config.not_bool", path=self._path, key=self._name(key)))
        return value

    def integer(self, key: str, default: int) -> int:
        """A whole number within the setting's :data:`RANGES` entry."""
        name = self._name(key)
        minimum, maximum = RANGES[name]
        value = self._table.pop(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise ConfigError(
                msg("config.not_count", path=self._path, key=name, minimum=minimum, maximum=maximum)
            )
        return value

    def has(self, key: str) -> bool:
        return key in self._table

    def required_integer(self, key: str, kind: str) -> int:
        """A whole number a ``kind`` of thing cannot do without."""
        if not self.has(key):
            self.refuse_missing(key, kind)
        return self.integer(key, 0)

    def integer_choice(self, key: str, default: int, choices: tuple[int, ...]) -> int:
        value = self._table.pop(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value not in choices:
            listed = ", ".join(str(choice) for choice in choices)
            raise ConfigError(
                msg("config.not_choice", path=self._path, key=self._name(key), choices=listed)
            )
        return value

    def refuse_missing(self, key: str, kind: str) -> NoReturn:
        raise ConfigError(
            msg("config.needs_setting", path=self._path, key=self._name(key), kind=kind)
        )

    def refuse_for(self, key: str, kind: str) -> NoReturn:
        raise ConfigError(msg("config.wrong_kind", path=self._path, key=self._name(key), kind=kind))

    def path(self, key: str, default: str) -> Path:
        return self.resolve(key, self.string(key, default))

    def optional_path(self, key: str) -> Path | None:
        """``None`` when the setting is absent or empty."""
        value = self.string(key, "")
        return self.resolve(key, value) if value else None

    def resolve(self, key: str, value: str) -> Path:
        """``value`` as an absolute path, relative ones taken from the file's directory.

        Refused are only paths that no use could open: a NUL, a ``~user`` with no
        home, a name too long, a symbolic link loop. A missing file or a denied
        directory is left to ``kiosk doctor`` and the screens to explain.
        """
        name = self._name(key)
        if "\0" in value:
            raise ConfigError(msg("config.path_nul", path=self._path, key=name))
        expanded = os.path.expanduser(value)
        if expanded.startswith("~"):
            home = expanded.split("/", 1)[0]
            raise ConfigError(msg("config.path_home", path=self._path, key=name, home=home))
        try:
            # The last component stays as written: a key file that is a link must reach the
            # loader as a link, which refuses it.
            joined = self._path.parent / expanded
            resolved = joined.parent.resolve() / joined.name
            _probe(resolved)
        except RuntimeError:  # how Python 3.11 and 3.12 report a symbolic link loop
            reason = os.strerror(errno.ELOOP)
        except OSError as exc:
            reason = exc.strerror or str(exc)
        except ValueError as exc:  # a character the file system's encoding (the locale's) lacks
            reason = str(exc)
        else:
            return resolved
        raise ConfigError(msg("config.path_unusable", path=self._path, key=name, reason=reason))

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


def _probe(path: Path) -> None:
    """Raise what every later use of ``path`` would raise; other errors may pass with time."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            raise
