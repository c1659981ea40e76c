"""A sync as every caller runs it (the CLI, staff, the background timer): audited, win or lose."""

from kiosk.audit import Audit, Event
from kiosk.cache import Cache
from kiosk.errors import KioskError
from kiosk.feed.client import FeedClient, Progress, SyncResult


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
        audit.record(Event.SYNC, "failed", detail=f"{trigger}: {error.message.key}")
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
