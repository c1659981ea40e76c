"""A sync as every caller runs it (the CLI, staff, the background timer): audited, win or lose."""

import logging
from collections.abc import Mapping

from kiosk.audit import Audit, Event, details
from kiosk.cache import Cache
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.errors import CacheMissingError, KioskError
from kiosk.feed.client import FeedClient, Progress, SyncResult
from kiosk.feed.trust import load_trust
from kiosk.keys import load_master_key

log = logging.getLogger(__name__)


def sync_cache(config: Config, environ: Mapping[str, str]) -> Cache:
    """The configured cache, opened with the configured key; a first sync creates it."""
    master = load_master_key(config, environ)
    try:
        return Cache.open(config.cache_path, master)
    except CacheMissingError:
        return Cache.create(config.cache_path, master)


def feed_client(
    config: Config, environ: Mapping[str, str], clock: Clock, source: str | None = None
) -> FeedClient:
    """The configured feed, or ``source`` (a URL or directory) instead of ``feed.source``."""
    return FeedClient(
        source or config.feed.source,
        load_trust(config, environ),
        config.feed.work_dir,
        clock,
        timeout=config.feed.timeout.total_seconds(),
    )


def audited_sync(
    client: FeedClient,
    cache: Cache,
    audit: Audit,
    progress: Progress | None,
    *,
    trigger: str,
    snapshot: bool = False,
) -> SyncResult:
    """``trigger`` says who asked (cli, staff, timer, signal); a failure is recorded, then
    raised."""
    try:
        result = client.sync(cache, progress, snapshot=snapshot)
    except KioskError as error:
        record_failure(audit, error, trigger=trigger)
        raise
    after = result.after.sequence if result.after else 0
    if result.applied:
        stored = sum(done.upserted for done in result.applied)
        removed = sum(done.deleted for done in result.applied)
        detail = details(trigger=trigger, sequence=after, stored=stored, removed=removed)
        audit.record(Event.SYNC, "applied", detail=detail)
    else:
        audit.record(Event.SYNC, "current", detail=details(trigger=trigger, sequence=after))
    return result


def record_failure(audit: Audit, error: KioskError, *, trigger: str) -> None:
    """Audit a failed sync without hiding why it failed.

    The audit log may fail too (the same full disk, say): then the sync's own
    error is still the one to tell, and the lost event is only logged, below
    the CLI's warnings, so that a failure stays one sentence on its stderr.
    """
    try:
        audit.record(Event.SYNC, "failed", detail=details(trigger=trigger, error=error.message.key))
    except KioskError as unrecorded:
        log.info("sync failure %s not audited: %s", error.message.key, unrecorded.message.key)
