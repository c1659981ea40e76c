"""How fresh the kiosk is: the age of its data, and a clock that agrees with the feed's."""

from datetime import datetime, timedelta

from kiosk.cache import FeedCursor
from kiosk.clock import format_utc
from kiosk.config import ScreenSettings
from kiosk.doctor.findings import Finding, ok, problem, skipped, span, warning
from kiosk.feed.lifetimes import DEFAULT_LIFETIMES
from kiosk.i18n import msg

CLOCK_TOLERANCE = timedelta(minutes=5)
"""How far the kiosk's clock may trail the central store's before it is called wrong."""


def check_data(cursor: FeedCursor | None, settings: ScreenSettings, now: datetime) -> Finding:
    """The service's own staleness rules: what members would get now."""
    fix = msg("doctor.fix.sync")
    if cursor is None:
        return problem("data", msg("doctor.data.never_synced"), fix)
    age = now - cursor.synced_at
    params = {"synced": format_utc(cursor.synced_at), **span(max(age, timedelta(0)))}
    if settings.too_old(age):
        what = msg("doctor.data.too_old", limit=settings.max_staleness.days, **params)
        return problem("data", what, fix)
    if settings.stale(age):
        hours = settings.warn_staleness // timedelta(hours=1)
        return warning("data", msg("doctor.data.stale", limit=hours, **params), fix)
    return ok("data", msg("doctor.data.ok", sequence=cursor.sequence, **params))


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
            "doctor.clock.behind_feed",
            now=format_utc(now),
            signed=format_utc(signed),
            **span(signed - now),
        )
        return problem("clock", what, fix)
    if synced is not None and now < synced - CLOCK_TOLERANCE:
        what = msg(
            "doctor.clock.behind_sync",
            now=format_utc(now),
            synced=format_utc(synced),
            **span(synced - now),
        )
        return problem("clock", what, fix)
    if feed_expiry is not None and now > feed_expiry:
        newest = feed_expiry - lifetime
        what = msg(
            "doctor.clock.past_feed",
            now=format_utc(now),
            signed=format_utc(newest),
            expired=format_utc(feed_expiry),
            **span(now - newest),
        )
        return warning("clock", what, msg("doctor.fix.clock_or_feed"))
    known = [moment for moment in (signed, synced) if moment is not None]
    if not known:
        return skipped("clock", msg("doctor.skipped.clock"))
    return ok("clock", msg("doctor.clock.ok", now=format_utc(now), latest=format_utc(max(known))))
