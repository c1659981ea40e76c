"""What staff may do at the kiosk, each action audited: the maintenance screen's core.

Staff prove themselves with the PIN (:mod:`kiosk.pin`); wrong PINs lock the
prompt (:mod:`kiosk.guard`). A sync or an integrity check opens a connection of
its own, so members' lookups are never queued behind one.
"""

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.audit import AuditEvent, Event, details
from kiosk.cache import Cache, FeedCursor, IntegrityReport
from kiosk.config import Config
from kiosk.errors import CacheMissingError, KioskError
from kiosk.i18n import Lang, Message
from kiosk.pin import PIN_SETTING, check_new_pin, hash_pin, pin_matches
from kiosk.serving import (
    CONTRAST_SETTING,
    LANG_SETTING,
    SERVING_SETTING,
    KioskService,
    Locked,
    Readiness,
)
from kiosk.sizes import sqlite_size

if TYPE_CHECKING:
    # The feed client (TUF, HTTP) loads when staff or the timer first sync, not at start:
    # it would add a tenth of a second to the wait for the welcome screen.
    from kiosk.feed.client import FeedClient, Progress, SyncResult

RECENT_EVENTS = 12


@dataclass(frozen=True)
class LoggedIn:
    pass


@dataclass(frozen=True)
class WrongPin:
    attempts_left: int


@dataclass(frozen=True)
class NoPin:
    """No PIN was ever set: ``kiosk staff-pin set`` must be run first."""


Login = LoggedIn | WrongPin | Locked | NoPin


@dataclass(frozen=True)
class DiskUse:
    cache: int
    state: int
    free: int


@dataclass(frozen=True)
class KioskState:
    """What the maintenance screen shows; every part may be unknown on a broken kiosk."""

    readiness: Readiness
    records: int | None
    cursor: FeedCursor | None
    key_id: str | None
    metadata_expires: datetime | None
    last_sync: AuditEvent | None
    disk: DiskUse
    recent: list[AuditEvent]
    problem: Message | None
    """Why the cache could not be read, when it could not."""
    printer: Message
    """The slip printer's state as it answered just now, and where it is."""


class Maintenance:
    def __init__(
        self,
        service: KioskService,
        sync_cache: Callable[[], Cache],
        feed_client: "Callable[[], FeedClient]",
        cache_path: Path,
        work_dir: Path,
    ) -> None:
        self.service = service
        self._sync_cache = sync_cache
        self._feed_client = feed_client
        self._cache_path = cache_path
        self._work_dir = work_dir

    @classmethod
    def from_config(
        cls, config: Config, environ: Mapping[str, str], service: KioskService
    ) -> "Maintenance":
        # kiosk.sync imports the feed client: on the first sync, not at start (see above).
        def open_sync_cache() -> Cache:
            from kiosk.sync import sync_cache

            return sync_cache(config, environ)

        def open_feed_client() -> "FeedClient":
            from kiosk.sync import feed_client

            return feed_client(config, environ, service.clock)

        return cls(
            service,
            open_sync_cache,
            open_feed_client,
            config.cache_path,
            config.feed.work_dir,
        )

    def login(self, pin: str) -> Login:
        service = self.service
        guard, audit, now = service.guard, service.audit, service.clock()
        if (until := guard.locked_until(guard.pin_lock, None, now)) is not None:
            audit.record(Event.STAFF_LOGIN, "locked")
            return Locked(until)
        stored = service.state.setting(PIN_SETTING)
        if stored is None:
            audit.record(Event.STAFF_LOGIN, "no_pin")
            return NoPin()
        if pin_matches(pin, stored):
            audit.record(Event.STAFF_LOGIN, "success")
            return LoggedIn()
        if (until := guard.fail(guard.pin_lock, None, now)) is not None:
            return Locked(until)
        return WrongPin(guard.attempts_left(guard.pin_lock, None, now))

    def logout(self, reason: str) -> None:
        """``reason``: ``staff`` (the button) or ``idle``."""
        self.service.audit.record(Event.STAFF_LOGOUT, reason)

    def set_pin(self, pin: str) -> None:
        self.service.state.set_setting(PIN_SETTING, hash_pin(check_new_pin(pin)))
        self.service.audit.record(Event.STAFF_PIN, "set")

    def state(self) -> KioskState:
        from kiosk.feed.client import trusted_expiry

        service = self.service
        readiness = service.readiness()
        records = cursor = key_id = None
        problem: Message | None = None
        try:
            with service.open_cache() as cache:
                records, cursor, key_id = cache.count(), cache.cursor(), cache.key_id
        except CacheMissingError:
            pass  # The readiness says so.
        except KioskError as error:
            problem = error.message
        cache_path = self._cache_path
        cache_bytes = sqlite_size(cache_path)
        try:
            free = shutil.disk_usage(cache_path.parent).free
        except OSError:
            free = 0
        audit = service.audit
        return KioskState(
            readiness=readiness,
            records=records,
            cursor=cursor,
            key_id=key_id,
            metadata_expires=trusted_expiry(self._work_dir),
            last_sync=audit.latest(Event.SYNC),
            disk=DiskUse(cache_bytes, service.state.size(), free),
            recent=audit.recent(RECENT_EVENTS),
            problem=problem,
            printer=service.printer.describe(),
        )

    def sync(self, progress: "Progress | None", trigger: str = "staff") -> "SyncResult":
        """Raises the feed's or the cache's :class:`KioskError`, already audited.

        ``trigger``: ``staff`` (sync now), ``timer`` (the background sync) or ``signal``
        (the operator's ``SYNC_NOW_COMMAND``).
        """
        from kiosk.sync import audited_sync, record_failure

        audit = self.service.audit
        try:
            client = self._feed_client()
            cache = self._sync_cache()
        except KioskError as error:
            record_failure(audit, error, trigger=trigger)
            raise
        with cache:
            return audited_sync(client, cache, audit, progress, trigger=trigger)

    def check_integrity(self, progress: Callable[[int, int], None]) -> IntegrityReport:
        audit = self.service.audit
        try:
            with self.service.open_cache() as cache:
                report = cache.check_records(progress)
        except KioskError as error:
            audit.record(Event.STAFF_INTEGRITY, "failed", detail=details(error=error.message.key))
            raise
        outcome = "bad" if report.bad else "ok"
        detail = details(checked=report.checked, bad=len(report.bad))
        audit.record(Event.STAFF_INTEGRITY, outcome, detail=detail)
        return report

    def set_serving(self, serving: bool) -> None:
        self.service.state.set_setting(SERVING_SETTING, "yes" if serving else "no")
        self.service.audit.record(Event.STAFF_SERVICE, "on" if serving else "off")

    def set_default_lang(self, lang: Lang) -> None:
        self.service.state.set_setting(LANG_SETTING, lang)
        self.service.audit.record(Event.STAFF_LANGUAGE, lang)

    def set_default_contrast(self, high: bool) -> None:
        """The look every session starts in, and returns to when it is wiped."""
        self.service.state.set_setting(CONTRAST_SETTING, "yes" if high else "no")
        self.service.audit.record(Event.STAFF_CONTRAST, "on" if high else "off")

    def note_exit(self) -> None:
        self.service.audit.record(Event.STAFF_EXIT, "requested")
