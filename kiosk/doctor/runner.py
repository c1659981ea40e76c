"""Every check in the order an operator would fix things, each told what earlier ones found.

A check that needs what an earlier one could not provide (the cache needs the
key) is skipped and says so.
"""

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from kiosk.cache import FeedCursor
from kiosk.config import Config, load_config
from kiosk.doctor.feed import check_feed
from kiosk.doctor.findings import Finding, needs_first, ok, problem, skipped
from kiosk.doctor.fixes import CONFIG
from kiosk.doctor.freshness import check_clock, check_data
from kiosk.doctor.keys import check_fleet_key, check_key
from kiosk.doctor.printer import check_printer
from kiosk.doctor.screen import check_colours, check_glyphs, check_terminal
from kiosk.doctor.speech import check_speech
from kiosk.doctor.storage import check_cache, check_disk, check_integrity, check_state
from kiosk.doctor.terminal import Terminal
from kiosk.doctor.trust import check_card_key, check_trust_root
from kiosk.errors import ConfigError
from kiosk.feed.client import trusted_expiry
from kiosk.i18n import msg
from kiosk.keys import MasterKey
from kiosk.layout import on_linux_console, qr_mode

CHECKS = (
    "config",
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
    "speech",
    "printer",
    "glyphs",
    "terminal",
    "colours",
)
"""Every check's name, in the order :func:`diagnose` reports them."""
_NEED_CONFIG = tuple(name for name in CHECKS if name not in ("config", "colours"))
"""Every check but the colours', which needs only the terminal."""


def diagnose(
    config_file: Path,
    environ: Mapping[str, str],
    terminal: Terminal,
    *,
    offline: bool,
    now: datetime,
) -> list[Finding]:
    """Every check, in the order an operator would fix things: that of :data:`CHECKS`."""
    found, config = check_config(config_file)
    if config is None:
        skip = [needs_first(name, "config") for name in _NEED_CONFIG]
        return [found, *skip, check_colours(terminal)]
    key_found, key = check_key(config, environ)
    root_found, root = check_trust_root(config)
    keys_and_trust = [
        key_found,
        root_found,
        check_card_key(config),
        check_fleet_key(config, environ),
    ]
    feed_found, feed_expiry = _feed(config, root, offline=offline, now=now)
    cache_found, cursor = _cache(config, key, now)
    mode = qr_mode(config.screen.qr_mode, on_linux_console(terminal.term))
    return [
        found,
        *keys_and_trust,
        feed_found,
        *cache_found,
        check_clock(
            now,
            None if cursor is None else cursor.synced_at,
            feed_expiry=feed_expiry,
            trusted_expiry=trusted_expiry(config.feed.work_dir),
        ),
        check_disk(config.cache_path),
        check_state(config.state_file),
        check_speech(config, environ),
        check_printer(config),
        check_glyphs(terminal, mode, config),
        check_terminal(terminal, mode, config.path),
        check_colours(terminal),
    ]


def check_config(path: Path) -> tuple[Finding, Config | None]:
    """The configuration as ``kiosk run`` loads it: every check but the colours' needs it."""
    try:
        config = load_config(path)
    except ConfigError as error:
        return problem("config", error.message, CONFIG.of(error.message)), None
    return ok("config", msg("doctor.config.ok", path=path, kiosk_id=config.kiosk_id)), config


def _feed(
    config: Config, root: bytes | None, *, offline: bool, now: datetime
) -> tuple[Finding, datetime | None]:
    """The feed check, and the expiry of the timestamp it read for the clock check."""
    if offline:
        return skipped("feed", msg("doctor.skipped.offline")), None
    if root is None:
        return needs_first("feed", "trust"), None
    return check_feed(config, root, now)


def _cache(
    config: Config, key: MasterKey | None, now: datetime
) -> tuple[list[Finding], FeedCursor | None]:
    """The cache, data and integrity checks, and the cursor the clock check dates a sync by."""
    if key is None:
        return [needs_first(name, "key") for name in ("cache", "data", "integrity")], None
    found, facts = check_cache(config, key)
    if facts is None:
        return [found, *(needs_first(name, "cache") for name in ("data", "integrity"))], None
    data = check_data(facts.cursor, config.screen, now)
    return [found, data, check_integrity(config.cache_path, key)], facts.cursor
