"""The feed: reachable, verifying against what the kiosk trusts, and not about to expire.

Its metadata is refreshed into a temporary directory, so the doctor never moves
the kiosk's own trusted metadata on.
"""

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root, Timestamp
from tuf.ngclient import Updater, UpdaterConfig

from kiosk.clock import format_utc
from kiosk.config import Config, FeedSettings
from kiosk.doctor.findings import Finding, ok, problem, span, warning
from kiosk.doctor.fixes import feed_fix
from kiosk.errors import ExpiredError, KioskError
from kiosk.feed.client import feed_base, tuf_failures
from kiosk.feed.names import INDEX_TARGET
from kiosk.i18n import msg

FEED_WARNING = timedelta(days=1)
"""Metadata expiring sooner than this means the central store's refresh has stopped."""


def check_feed(config: Config, root: bytes, now: datetime) -> tuple[Finding, datetime | None]:
    """Refresh the feed's metadata as a sync would, into a scratch copy of what the kiosk trusts.

    Returns the expiry of the timestamp just read, if any: it dates the feed for the clock check.
    """
    source = config.feed.source
    if not source:
        return problem(
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
            return problem("feed", error.message, feed_fix(error, config)), _expired_expiry(
                source, config.feed, metadata
            )
        except KioskError as error:
            return problem("feed", error.message, feed_fix(error, config)), None
    if index is None:
        return problem(
            "feed", msg("sync.nothing_published"), msg("doctor.fix.feed_publish")
        ), expires
    left = expires - now
    if left < FEED_WARNING:
        what = msg(
            "doctor.feed.expires_soon",
            source=source,
            expires=format_utc(expires),
            hours=span(left)["hours"],
        )
        return warning("feed", what, msg("doctor.fix.feed_refresh")), expires
    what = msg(
        "doctor.feed.ok",
        source=source,
        sequence=index.custom.get("latest"),
        expires=format_utc(expires),
        **span(left),
    )
    return ok("feed", what), expires


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
