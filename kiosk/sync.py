"""A sync as every caller runs it (the CLI, staff, the background timer): audited, win or lose."""

import logging

from kiosk.audit import Audit, Event
from kiosk.cache import Cache
from kiosk.errors import KioskError
from kiosk.feed.client import FeedClient, Progress, SyncResult

log = logging.getLogger(__name__)


def audited_sync(
    client: FeedClient,
    cache: Cache,
    audit: Audit,
    progress: Progress | None,
    *,
    trigger: str,
    snapshot: bool = False,
) -> SyncResult:
    """``trigger`` says who asked (cli, staff, timer); a failure is recorded, then raised."""
    try:
        result = client.sync(cache, progress, snapshot=snapshot)
    except KioskError as error:
        record_failure(audit, error, trigger=trigger)
        raise
    after = result.after.sequence if result.after else 0
    if result.applied:
        stored = sum(done.upserted for done in result.applied)
        removed = sum(done.deleted for done in result.applied)
        detail = f"{trigger}: sequence {after}, {stored} stored, {removed} removed"
        audit.record(Event.SYNC, "applied", detail=detail)
    else:
        audit.record(Event.SYNC, "current", detail=f"{trigger}: sequence {after}")
    return result


def record_failure(audit: Audit, error: KioskError, *, trigger: str) -> None:
    """Audit a failed sync without hiding why it failed.

    The audit log may fail too (the same full disk, say): then the sync's own
    error is still the one to tell, and the lost event is only logged, below
    the CLI's warnings, so that a failure stays one sentence on its stderr.
    """
    try:
        audit.record(Event.SYNC, "failed", detail=f"{trigger}: {error.message.key}")
    except KioskError as unrecorded:
        log.info("sync failure %s not audited: %s", error.message.key, unrecorded.message.key)
