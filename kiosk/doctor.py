"""``kiosk doctor``'s checks: what is wrong with a deployment, in plain words, and the fix.

Each check is a plain function returning a :class:`Finding`. None raises for a
broken deployment: every expected failure (a :class:`KioskError`, an
``OSError``, a damaged SQLite file) is its finding, and a check that needs what
an earlier one could not provide (the cache needs the key) is skipped and says
so. The feed is refreshed into a temporary directory, so the doctor never moves
the kiosk's own trusted metadata on.
"""

import os
import pwd
import re
import secrets
import shutil
import sqlite3
import stat
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root, Timestamp
from tuf.api.serialization import DeserializationError
from tuf.ngclient import Updater, UpdaterConfig

from kiosk.cache import Cache, FeedCursor
from kiosk.cache.sealing import INDEX_BYTES, RecordSealer
from kiosk.card import load_card_public_key
from kiosk.config import Config, FeedSettings, QrMode, ScreenSettings, load_config
from kiosk.errors import (
    CacheCorruptError,
    ConfigError,
    ExpiredError,
    KeyMaterialError,
    KioskError,
    UnavailableError,
)
from kiosk.feed.client import feed_base, trusted_expiry, tuf_failures
from kiosk.feed.lifetimes import DEFAULT_LIFETIMES
from kiosk.feed.names import INDEX_TARGET
from kiosk.feed.trust import CARD_KEY_FILE, FLEET_CREDENTIAL, FLEET_KEY_FILE, ROOT_FILE
from kiosk.i18n import Message, msg
from kiosk.keys import (
    CREDENTIAL_NAME,
    ENV_VAR,
    MasterKey,
    load_master_key,
    read_credential,
    read_key_file,
)
from kiosk.layout import MIN_SCREEN, on_linux_console, qr_mode, screen_for_qr
from kiosk.sizes import format_size, sqlite_size

SAMPLE = 100
"""Records opened from each end of the cache and at random places: a quick check."""
CLOCK_TOLERANCE = timedelta(minutes=5)
"""How far the kiosk's clock may trail the central store's before it is called wrong."""
FEED_WARNING = timedelta(days=1)
"""Metadata expiring sooner than this means the central store's refresh has stopped."""
DISK_RESERVE = 100 * 1024 * 1024
"""Free bytes below which the disk is low whatever the cache's size."""
VIRTUAL_CONSOLE = re.compile(r"/dev/tty[0-9]+")
MONOCHROME_TERMS = frozenset({"vt52", "vt100", "vt102", "vt220", "vt320"})
"""Terminals whose terminfo entries have no colours; Rich draws in colour on them anyway."""
_NEED_CONFIG = (
    "key",
    "trust",
    "card-key",
    "fleet-key",
    "feed",
    "cache",
    "data",
    "integrity",
    "clock",
    "disk",
    "state",
    "glyphs",
    "terminal",
)
"""Every check but the colours', which needs only the terminal."""
_KEY_FIXES = {
    "key.none": "doctor.fix.key_none",
    "key.missing_file": "doctor.fix.key_missing",
    "key.unreadable": "doctor.fix.key_unreadable",
    "key.not_a_file": "doctor.fix.key_not_a_file",
    "key.symlink": "doctor.fix.key_not_a_file",
    "key.too_open": "doctor.fix.key_too_open",
    "key.malformed": "doctor.fix.key_malformed",
}
_FLEET_FIXES = {
    "key.missing_file": "doctor.fix.fleet_missing",
    "key.unreadable": "doctor.fix.key_unreadable",
    "key.symlink": "doctor.fix.key_not_a_file",
    "key.too_open": "doctor.fix.key_too_open",
}
_CACHE_FIXES = {
    "cache.missing": "doctor.fix.cache_missing",
    "cache.wrong_key": "doctor.fix.wrong_key",
    "cache.not_a_cache": "doctor.fix.cache_rebuild",
    "cache.corrupt": "doctor.fix.cache_rebuild",
    "cache.record_corrupt": "doctor.fix.cache_rebuild",
    "cache.too_new": "doctor.fix.update",
    "cache.disk_full": "doctor.fix.disk",
    "cache.busy": "doctor.fix.retry",
}


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    """Works now, but deserves a look: the kiosk still serves."""
    PROBLEM = "problem"
    """The kiosk cannot serve, or cannot do part of its job: ``kiosk doctor`` exits 1."""
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    name: str
    status: Status
    what: Message
    """What the check found, in plain words."""
    fix: Message | None = None
    """How to put it right; ``None`` when there is nothing to do."""


@dataclass(frozen=True)
class Terminal:
    """The screen the kiosk draws on, as its UI would see it (see :func:`measure_terminal`)."""

    where: str
    """The device measured, or where its size came from."""
    size: tuple[int, int] | None
    """Columns and lines; ``None`` when they could not be measured."""
    term: str
    colorterm: str = ""
    no_color: bool = False
    unmeasured: str = ""
    """Why the size is unknown."""
    chosen: bool = False
    """Named with ``--tty``: the kiosk's screen rather than the doctor's own."""


@dataclass(frozen=True)
class CacheFacts:
    records: int
    cursor: FeedCursor | None


def diagnose(
    config_file: Path,
    environ: Mapping[str, str],
    terminal: Terminal,
    *,
    offline: bool,
    now: datetime,
) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    found, config = check_config(config_file)
    if config is None:
        return [
            found,
            *(_skipped(name, "config") for name in _NEED_CONFIG),
            check_colours(terminal),
        ]
    findings = [found]
    found, key = check_key(config, environ)
    found_root, root = check_trust_root(config)
    findings += [found, found_root, check_card_key(config), check_fleet_key(config, environ)]
    feed_expiry = None
    if offline:
        findings.append(Finding("feed", Status.SKIPPED, msg("doctor.skipped.offline")))
    elif root is None:
        findings.append(_skipped("feed", "trust"))
    else:
        found, feed_expiry = check_feed(config, root, now)
        findings.append(found)
    cursor = None
    if key is None:
        findings += [_skipped(name, "key") for name in ("cache", "data", "integrity")]
    else:
        found, facts = check_cache(config, key)
        findings.append(found)
        if facts is None:
            findings += [_skipped(name, "cache") for name in ("data", "integrity")]
        else:
            cursor = facts.cursor
            findings.append(check_data(cursor, config.screen, now))
            findings.append(check_integrity(config.cache_path, key))
    return [
        *findings,
        check_clock(
            now,
            None if cursor is None else cursor.synced_at,
            feed_expiry=feed_expiry,
            trusted_expiry=trusted_expiry(config.feed.work_dir),
        ),
        check_disk(config.cache_path),
        check_state(config.state_file),
        check_glyphs(terminal, config),
        check_terminal(
            terminal, qr_mode(config.screen.qr_mode, on_linux_console(terminal.term)), config.path
        ),
        check_colours(terminal),
    ]


def check_config(path: Path) -> tuple[Finding, Config | None]:
    try:
        config = load_config(path)
    except ConfigError as error:
        missing = error.message.key == "config.missing"
        fix = _fix(error.message, "doctor.fix.config_missing" if missing else "doctor.fix.config")
        return _problem("config", error.message, fix), None
    return _ok("config", msg("doctor.config.ok", path=path, kiosk_id=config.kiosk_id)), config


def check_key(config: Config, environ: Mapping[str, str]) -> tuple[Finding, MasterKey | None]:
    """The master key as ``kiosk run`` loads it: credential, key file, then the environment."""
    try:
        key = load_master_key(config, environ)
    except KeyMaterialError as error:
        fix = _fix(
            error.message,
            _KEY_FIXES.get(error.message.key, "doctor.fix.key_unreadable"),
            config=config.path,
        )
        return _problem("key", error.message, fix), None
    path = _secret_file(environ, CREDENTIAL_NAME, config.master_key_file)
    if path is None:
        what = msg("doctor.key.from_env", env=f"${ENV_VAR}")
        return Finding("key", Status.WARNING, what, msg("doctor.fix.key_env", env=ENV_VAR)), key
    what = msg("doctor.key.ok", source=key.source, key_id=key.subkeys().key_id, **_ownership(path))
    return _ok("key", what), key


def check_trust_root(config: Config) -> tuple[Finding, bytes | None]:
    """The pinned TUF root a kiosk starts trusting from."""
    path = config.feed.trust_dir / ROOT_FILE
    fix = msg("doctor.fix.trust", dir=config.feed.trust_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _problem("trust", msg("doctor.trust.missing", path=path), fix), None
    except OSError as error:
        what = msg("sync.trust_unreadable", path=path, reason=error.strerror)
        return _problem("trust", what, fix), None
    try:
        root = Metadata[Root].from_bytes(data).signed
    except DeserializationError:
        root = None
    if not isinstance(root, Root):
        return _problem("trust", msg("doctor.trust.invalid", path=path), fix), None
    return _ok("trust", msg("doctor.trust.ok", path=path, version=root.version)), data


def check_card_key(config: Config) -> Finding:
    path = config.feed.trust_dir / CARD_KEY_FILE
    try:
        load_card_public_key(path)
    except KeyMaterialError as error:
        return _problem("card-key", error.message, msg("doctor.fix.trust", dir=path.parent))
    return _ok("card-key", msg("doctor.card_key.ok", path=path))


def check_fleet_key(config: Config, environ: Mapping[str, str]) -> Finding:
    """The key that opens the feed's bundles: a systemd credential, else the trust directory's."""
    directory = config.feed.trust_dir
    file = directory / FLEET_KEY_FILE
    try:
        key = read_credential(environ, FLEET_CREDENTIAL) or read_key_file(file)
    except KeyMaterialError as error:
        fix = _fix(
            error.message, _FLEET_FIXES.get(error.message.key, "doctor.fix.trust"), dir=directory
        )
        return _problem("fleet-key", error.message, fix)
    owner = _ownership(_secret_file(environ, FLEET_CREDENTIAL, file) or file)
    return _ok("fleet-key", msg("doctor.fleet_key.ok", source=key.source, **owner))


def check_feed(config: Config, root: bytes, now: datetime) -> tuple[Finding, datetime | None]:
    """Refresh the feed's metadata as a sync would, into a scratch copy of what the kiosk trusts.

    Returns the expiry of the timestamp just read, if any: it dates the feed for the clock check.
    """
    source = config.feed.source
    if not source:
        return _problem(
            "feed", msg("sync.no_source"), msg("doctor.fix.feed_source", config=config.path)
        ), None
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as scratch:
        metadata = Path(scratch) / "metadata"
        try:
            with tuf_failures(Path(scratch)):
                updater = _scratch_updater(source, config.feed, metadata, root)
                updater.refresh()
                index = updater.get_targetinfo(INDEX_TARGET)
                path = str(metadata / f"{Timestamp.type}.json")
                expires = Metadata[Timestamp].from_file(path).signed.expires
        except ExpiredError as error:
            fix = _feed_fix(error, config)
            return _problem("feed", error.message, fix), _expired_expiry(
                source, config.feed, metadata
            )
        except KioskError as error:
            return _problem("feed", error.message, _feed_fix(error, config)), None
    if index is None:
        return _problem(
            "feed", msg("sync.nothing_published"), msg("doctor.fix.feed_publish")
        ), expires
    left = expires - now
    if left < FEED_WARNING:
        what = msg(
            "doctor.feed.expires_soon",
            source=source,
            expires=_when(expires),
            hours=_span(left)["hours"],
        )
        return Finding("feed", Status.WARNING, what, msg("doctor.fix.feed_refresh")), expires
    what = msg(
        "doctor.feed.ok",
        source=source,
        sequence=index.custom.get("latest"),
        expires=_when(expires),
        **_span(left),
    )
    return _ok("feed", what), expires


def check_cache(config: Config, key: MasterKey) -> tuple[Finding, CacheFacts | None]:
    path = config.cache_path
    try:
        with Cache.open(path, key) as cache:
            facts = CacheFacts(cache.count(), cache.cursor())
            key_id = cache.key_id
    except KioskError as error:
        fix = _fix(
            error.message,
            _CACHE_FIXES.get(error.message.key, "doctor.fix.cache_access"),
            path=path,
        )
        return _problem("cache", error.message, fix), None
    what = msg("doctor.cache.ok", path=path, key_id=key_id, records=f"{facts.records:,}")
    return _ok("cache", what), facts


def check_data(cursor: FeedCursor | None, settings: ScreenSettings, now: datetime) -> Finding:
    """The service's own staleness rules: what members would get now."""
    fix = msg("doctor.fix.sync")
    if cursor is None:
        return _problem("data", msg("doctor.data.never_synced"), fix)
    age = now - cursor.synced_at
    params = {"synced": _when(cursor.synced_at), **_span(max(age, timedelta(0)))}
    if settings.too_old(age):
        what = msg("doctor.data.too_old", limit=settings.max_staleness.days, **params)
        return _problem("data", what, fix)
    if settings.stale(age):
        hours = settings.warn_staleness // timedelta(hours=1)
        return Finding("data", Status.WARNING, msg("doctor.data.stale", limit=hours, **params), fix)
    return _ok("data", msg("doctor.data.ok", sequence=cursor.sequence, **params))


def check_integrity(path: Path, key: MasterKey) -> Finding:
    """SQLite's quick_check, then a sample of records opened with the key.

    A sample, not every record: a full pass over a million members takes a
    while, and is the maintenance screen's job.
    """
    fix = msg("doctor.fix.cache_rebuild", path=path)
    sealer = RecordSealer(key.subkeys())
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            verdict = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
            if verdict != ["ok"]:
                what = msg("doctor.integrity.damaged_file", path=path, detail=verdict[0])
                return _problem("integrity", what, fix)
            rows = _sample(db)
    except sqlite3.DatabaseError as error:
        return _problem(
            "integrity", msg("doctor.integrity.unreadable", path=path, reason=error), fix
        )
    bad = 0
    for index, sealed in rows.items():
        try:
            sealer.open_plain(index, sealed)
        except CacheCorruptError:
            bad += 1
    if bad:
        what = msg("doctor.integrity.bad_records", path=path, bad=bad, sampled=len(rows))
        return _problem("integrity", what, fix)
    return _ok("integrity", msg("doctor.integrity.ok", sampled=len(rows)))


def check_clock(
    now: datetime,
    synced: datetime | None,
    *,
    feed_expiry: datetime | None,
    trusted_expiry: datetime | None,
) -> Finding:
    """The clock must not be before what the central store signed or the kiosk last synced.

    The central store signs each timestamp for ``DEFAULT_LIFETIMES.timestamp``,
    so an expiry dates its signature: ``feed_expiry`` of the one just read from
    the feed, ``trusted_expiry`` of the one the kiosk trusted at its last sync.
    A clock behind makes an expired feed look valid and old data look fresh. A
    clock past the feed's expiry is ahead or looking at a frozen feed: only a
    person can tell which, so that is a warning (the feed check has the problem).
    """
    lifetime = DEFAULT_LIFETIMES.timestamp
    expiries = [moment for moment in (feed_expiry, trusted_expiry) if moment is not None]
    signed = max(expiries) - lifetime if expiries else None
    fix = msg("doctor.fix.clock")
    if signed is not None and now < signed - CLOCK_TOLERANCE:
        what = msg(
            "doctor.clock.behind_feed", now=_when(now), signed=_when(signed), **_span(signed - now)
        )
        return _problem("clock", what, fix)
    if synced is not None and now < synced - CLOCK_TOLERANCE:
        what = msg(
            "doctor.clock.behind_sync", now=_when(now), synced=_when(synced), **_span(synced - now)
        )
        return _problem("clock", what, fix)
    if feed_expiry is not None and now > feed_expiry:
        newest = feed_expiry - lifetime
        what = msg(
            "doctor.clock.past_feed",
            now=_when(now),
            signed=_when(newest),
            expired=_when(feed_expiry),
            **_span(now - newest),
        )
        return Finding("clock", Status.WARNING, what, msg("doctor.fix.clock_or_feed"))
    known = [moment for moment in (signed, synced) if moment is not None]
    if not known:
        return Finding("clock", Status.SKIPPED, msg("doctor.skipped.clock"))
    return _ok("clock", msg("doctor.clock.ok", now=_when(now), latest=_when(max(known))))


def _free_space(directory: Path) -> int:
    return shutil.disk_usage(directory).free


def check_disk(cache_path: Path, free_space: Callable[[Path], int] = _free_space) -> Finding:
    """A snapshot sync builds a second members table beside the first: room for a copy is needed."""
    directory = next(parent for parent in cache_path.parents if parent.exists())
    fix = msg("doctor.fix.disk")
    try:
        size = sqlite_size(cache_path)
        free = free_space(directory)
    except OSError as error:
        what = msg("doctor.disk.unknown", directory=directory, reason=error.strerror)
        return Finding("disk", Status.WARNING, what, fix)
    params = {"directory": directory, "free": format_size(free), "size": format_size(size)}
    if free < size:
        return _problem("disk", msg("doctor.disk.full", **params), fix)
    if free < max(2 * size, DISK_RESERVE):
        return Finding("disk", Status.WARNING, msg("doctor.disk.low", **params), fix)
    return _ok("disk", msg("doctor.disk.ok", **params))


def check_state(path: Path) -> Finding:
    """The audit log and staff settings: read only, so a missing file is not created here."""
    if not path.exists():
        return _ok("state", msg("doctor.state.absent", path=path))
    fix = msg("doctor.fix.state", path=path)
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            verdict = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as error:
        return _problem("state", msg("state.unavailable", path=path, reason=error), fix)
    if verdict != ["ok"]:
        return _problem("state", msg("state.corrupt", path=path), fix)
    return _ok("state", msg("doctor.state.ok", path=path))


def check_colours(terminal: Terminal) -> Finding:
    """Colours as Textual finds them: NO_COLOR, then Rich's reading of COLORTERM and TERM."""
    term = terminal.term
    if terminal.no_color:
        return _problem("colours", msg("doctor.colours.no_color"), msg("doctor.fix.no_color"))
    if term.lower() in ("dumb", "unknown"):
        return _problem("colours", msg("doctor.colours.none", term=term), msg("doctor.fix.term"))
    if term.lower() in MONOCHROME_TERMS:
        what = msg("doctor.colours.monochrome", term=term)
        return Finding("colours", Status.WARNING, what, msg("doctor.fix.term"))
    if terminal.colorterm.strip().lower() in ("truecolor", "24bit"):
        depth = "24-bit"
    elif term.lower().rpartition("-")[2] in ("256color", "kitty"):
        depth = "256"
    else:
        depth = "16"
    return _ok("colours", msg("doctor.colours.ok", term=term or '""', depth=depth))


def check_glyphs(terminal: Terminal, config: Config) -> Finding:
    setting = config.screen.qr_mode
    if qr_mode(setting, on_linux_console(terminal.term)) == "whole":
        return _ok("glyphs", msg("doctor.glyphs.whole", setting=setting))
    if on_linux_console(terminal.term):
        # The console font cannot be seen from here: the operator must look.
        fix = msg("doctor.fix.console_half", config=config.path)
        return Finding("glyphs", Status.WARNING, msg("doctor.glyphs.console_half"), fix)
    return _ok("glyphs", msg("doctor.glyphs.half", setting=setting))


def check_terminal(terminal: Terminal, mode: QrMode, config_file: Path) -> Finding:
    if terminal.size is None:
        what = msg("doctor.terminal.unmeasured", where=terminal.where, reason=terminal.unmeasured)
        return Finding("terminal", Status.WARNING, what, msg("doctor.fix.terminal_unmeasured"))
    columns, lines = terminal.size
    seen: dict[str, object] = {"columns": columns, "lines": lines, "where": terminal.where}
    if columns < MIN_SCREEN[0] or lines < MIN_SCREEN[1]:
        what = msg(
            "doctor.terminal.small", need_columns=MIN_SCREEN[0], need_lines=MIN_SCREEN[1], **seen
        )
        return _problem("terminal", what, msg("doctor.fix.terminal_small"))
    need_columns, need_lines = screen_for_qr(mode)
    need: dict[str, object] = {"mode": mode, "need_columns": need_columns, "need_lines": need_lines}
    if columns < need_columns or lines < need_lines:
        half_columns, half_lines = screen_for_qr("half")
        fix = (
            msg("doctor.fix.qr_half", **need)
            if mode == "half"
            else msg(
                "doctor.fix.qr_whole",
                config=config_file,
                half_columns=half_columns,
                half_lines=half_lines,
                **need,
            )
        )
        return _problem("terminal", msg("doctor.terminal.qr", **seen, **need), fix)
    key = "doctor.terminal.ok" if terminal.chosen else "doctor.terminal.ok_own"
    return _ok("terminal", msg(key, **seen, **need))


def measure_terminal(
    environ: Mapping[str, str], tty: Path | None = None, term: str | None = None
) -> Terminal:
    """The kiosk's screen: ``tty`` if named, else the doctor's own terminal.

    The UI takes its size as ``shutil.get_terminal_size`` does, ``$COLUMNS`` and
    ``$LINES`` first; a named device is measured, its TERM taken as systemd sets
    it (``linux`` on a virtual console) unless ``term`` says otherwise, and the
    doctor's own COLORTERM and NO_COLOR say nothing about it.
    """
    if tty is not None:
        console = VIRTUAL_CONSOLE.fullmatch(str(tty)) is not None
        name = term if term is not None else "linux" if console else environ.get("TERM", "")
        size, reason = _device_size(tty)
        return Terminal(str(tty), size, name, unmeasured=reason, chosen=True)
    where, size, reason = _own_size(environ)
    return Terminal(
        where,
        size,
        term if term is not None else environ.get("TERM", ""),
        colorterm=environ.get("COLORTERM", ""),
        no_color="NO_COLOR" in environ,
        unmeasured=reason,
    )


def _own_size(environ: Mapping[str, str]) -> tuple[str, tuple[int, int] | None, str]:
    """Where the size came from, the size, and why it is unknown if it is."""
    columns, lines = environ.get("COLUMNS", ""), environ.get("LINES", "")
    if columns.isdigit() and lines.isdigit() and int(columns) and int(lines):
        return "$COLUMNS/$LINES", (int(columns), int(lines)), ""
    for fd in (1, 2, 0):
        try:
            size, where = os.get_terminal_size(fd), os.ttyname(fd)
        except OSError:
            continue
        return where, (size.columns, size.lines), ""
    return "-", None, "not run on a terminal"


def _device_size(tty: Path) -> tuple[tuple[int, int] | None, str]:
    try:
        fd = os.open(tty, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as error:
        return None, error.strerror or str(error)
    try:
        size = os.get_terminal_size(fd)
    except OSError as error:
        return None, error.strerror or str(error)
    finally:
        os.close(fd)
    return (size.columns, size.lines), ""


def _scratch_updater(source: str, feed: FeedSettings, metadata: Path, trust_root: bytes) -> Updater:
    """An Updater on a copy of what the kiosk trusts now: the newest root it holds, and its
    last timestamp, snapshot and targets, against which a rolled-back feed is caught."""
    metadata.mkdir()
    bootstrap = trust_root
    for name in ("root.json", "timestamp.json", "snapshot.json", "targets.json"):
        try:
            data = (feed.work_dir / "metadata" / name).read_bytes()
        except OSError:
            continue
        if name == "root.json":
            bootstrap = data
        else:
            (metadata / name).write_bytes(data)
    base, fetcher = feed_base(source, feed.timeout.total_seconds())
    return Updater(str(metadata), base + "metadata/", fetcher=fetcher, bootstrap=bootstrap)


def _expired_expiry(source: str, feed: FeedSettings, metadata: Path) -> datetime | None:
    """The expiry of the feed's timestamp, checked against the keys the kiosk trusts but not
    against the clock, which found it expired: how far clock and feed disagree."""
    try:
        base, fetcher = feed_base(source, feed.timeout.total_seconds())
        data = fetcher.download_bytes(
            base + f"metadata/{Timestamp.type}.json", UpdaterConfig().timestamp_max_length
        )
        timestamp = Metadata[Timestamp].from_bytes(data)
        root = Metadata[Root].from_bytes((metadata / f"{Root.type}.json").read_bytes()).signed
        root.verify_delegate(Timestamp.type, timestamp.signed_bytes, timestamp.signatures)
    except (KioskError, OSError, tuf_errors.RepositoryError, tuf_errors.DownloadError):
        return None
    return timestamp.signed.expires


def _feed_fix(error: KioskError, config: Config) -> Message:
    if isinstance(error, UnavailableError):
        return msg("doctor.fix.feed_unreachable", source=config.feed.source, config=config.path)
    if isinstance(error, ExpiredError):
        return msg("doctor.fix.feed_expired")
    return msg("doctor.fix.feed_rejected", dir=config.feed.trust_dir)


def _sample(db: sqlite3.Connection) -> dict[bytes, bytes]:
    """The first and last records by row key, and some at random row keys."""
    query = "SELECT bidx, record FROM members {} LIMIT ?"
    rows = dict(db.execute(query.format("ORDER BY bidx"), [SAMPLE]))
    rows.update(db.execute(query.format("ORDER BY bidx DESC"), [SAMPLE]))
    for _ in range(SAMPLE):
        place = secrets.token_bytes(INDEX_BYTES)
        rows.update(db.execute(query.format("WHERE bidx >= ? ORDER BY bidx"), [place, 1]))
    return rows


def _secret_file(environ: Mapping[str, str], credential: str, file: Path | None) -> Path | None:
    """The file a secret was read from, by the rule of :func:`kiosk.keys.read_credential`."""
    credentials = environ.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / credential).exists():
        return Path(credentials) / credential
    return file


def _ownership(path: Path) -> dict[str, str]:
    """Mode and owner, for the operator to judge: the doctor cannot know the kiosk's user."""
    info = path.stat()
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return {"mode": f"{stat.S_IMODE(info.st_mode):04o}", "owner": owner}


def _fix(message: Message, key: str, **extra: object) -> Message:
    """The fix for a core error, told with the error's own parameters (its path, say)."""
    return msg(key, **{**extra, **message.params})


def _ok(name: str, what: Message) -> Finding:
    return Finding(name, Status.OK, what)


def _problem(name: str, what: Message, fix: Message) -> Finding:
    return Finding(name, Status.PROBLEM, what, fix)


def _skipped(name: str, needs: str) -> Finding:
    return Finding(name, Status.SKIPPED, msg("doctor.skipped.needs", needs=needs))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(delta: timedelta) -> dict[str, int]:
    minutes = int(delta // timedelta(minutes=1))
    return {"days": minutes // 1440, "hours": minutes // 60 % 24, "minutes": minutes % 60}
