"""The abuse limits, read from the audit log so that a restart forgets none of them.

- Wrong answers for one NIK lock that NIK at this kiosk for a while: nobody can
  guess a member's mother's name by trying.
- A kiosk-wide limit on NIKs accepted per minute stops anyone walking the NIK space.
- Repeated invalid NIKs make the screen wait, doubling each time.
- Wrong staff PINs lock the PIN prompt.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.audit import Audit, Event, details, stamp_until
from kiosk.config import Limits

FIRST_WAIT = timedelta(seconds=2)
INVALID_WINDOW = timedelta(minutes=10)
"""Invalid NIKs older than this no longer slow the screen."""
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Lock:
    """How a lock is kept in the log: the failures that count, the success that clears them."""

    attempt: Event
    lockout: Event
    most: int
    duration: timedelta


class Guard:
    def __init__(self, audit: Audit, limits: Limits) -> None:
        self.audit = audit
        self.limits = limits
        self.nik_lock = Lock(
            Event.VERIFY, Event.LOCKOUT, limits.failed_verifications, limits.nik_lockout
        )
        self.pin_lock = Lock(
            Event.STAFF_LOGIN, Event.STAFF_LOCKOUT, limits.pin_attempts, limits.pin_lockout
        )

    def locked_until(self, lock: Lock, member: str | None, now: datetime) -> datetime | None:
        last = self.audit.latest(lock.lockout, member=member)
        if last is None or last.at + lock.duration <= now:
            return None
        return last.at + lock.duration

    def failures(self, lock: Lock, member: str | None, now: datetime) -> int:
        """Failures since the last success or lockout, within one lockout's length."""
        start = now - lock.duration
        for event, outcome in ((lock.attempt, "success"), (lock.lockout, None)):
            last = self.audit.latest(event, outcome=outcome, member=member)
            if last is not None and last.at > start:
                start = last.at
        return self.audit.count(lock.attempt, outcome="failure", member=member, after=start)

    def fail(self, lock: Lock, member: str | None, now: datetime) -> datetime | None:
        """Record a failure; at the limit also the lockout, and say until when it holds."""
        self.audit.record(lock.attempt, "failure", member=member)
        if self.failures(lock, member, now) < lock.most:
            return None
        until = now + lock.duration
        self.audit.record(
            lock.lockout, "locked", member=member, detail=details(until=stamp_until(until))
        )
        return until

    def attempts_left(self, lock: Lock, member: str | None, now: datetime) -> int:
        return max(lock.most - self.failures(lock, member, now), 0)

    def busy_until(self, now: datetime) -> datetime | None:
        """When the kiosk-wide lookup limit lets the next NIK through, if it is reached now."""
        limit = self.limits.lookups_per_minute
        oldest = self.audit.latest(Event.LOOKUP, outcome="accepted", skip=limit - 1)
        if oldest is None or oldest.at + _MINUTE <= now:
            return None
        return oldest.at + _MINUTE

    def invalid_wait(self, now: datetime) -> datetime | None:
        """Until when the NIK screen must wait after a run of invalid NIKs; ``None``: no wait."""
        start = now - INVALID_WINDOW
        accepted = self.audit.latest(Event.LOOKUP, outcome="accepted")
        if accepted is not None and accepted.at > start:
            start = accepted.at
        invalid = self.audit.count(Event.NIK_INVALID, after=start)
        extra = invalid - self.limits.free_invalid_niks
        last = self.audit.latest(Event.NIK_INVALID)
        if extra <= 0 or last is None:
            return None
        doublings = min(extra - 1, 30)  # 2 s * 2^30 is decades: past any cap, short of overflow
        wait = min(FIRST_WAIT * 2**doublings, self.limits.max_invalid_wait)
        return last.at + wait if last.at + wait > now else None
