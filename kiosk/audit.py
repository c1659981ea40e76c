"""The audit log: who did what at this kiosk, and how it ended, without saying who they are.

A member appears only as a keyed hash of their NIK (HMAC-SHA256 under the
audit subkey of the kiosk's master key): the central office can match one
member's events across a kiosk's log, but nobody without the key can turn a
hash back into a NIK, even by trying every possible NIK. The log is also the
memory of the abuse limits (:mod:`kiosk.guard`), so it survives restarts.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TextIO

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.state import StateStore

MEMBER_TAG_BYTES = 16
PRUNE_EVERY = timedelta(hours=1)


class Event(StrEnum):
    NIK_INVALID = "member.nik_invalid"
    """A NIK that breaks the rules was submitted; the outcome names the rule."""
    LOOKUP = "member.lookup"
    """A NIK was submitted for verification: accepted, locked or kiosk busy."""
    VERIFY = "member.verify"
    LOCKOUT = "member.lockout"
    CARD = "member.card"
    PRINT = "member.print"
    """A slip asked for: ``printed``, or why not (``offline``, ``paper_out``, ...)."""
    STAFF_LOGIN = "staff.login"
    STAFF_LOCKOUT = "staff.lockout"
    STAFF_LOGOUT = "staff.logout"
    STAFF_INTEGRITY = "staff.integrity"
    STAFF_SERVICE = "staff.service"
    """The out-of-service switch: outcome ``off`` (maintenance) or ``on``."""
    STAFF_LANGUAGE = "staff.language"
    STAFF_CONTRAST = "staff.contrast"
    """The default look: outcome ``on`` (high contrast) or ``off``."""
    STAFF_EXIT = "staff.exit"
    STAFF_PIN = "staff.pin"
    """The staff PIN was set or changed (``kiosk staff-pin set``)."""
    SYNC = "sync"


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    kiosk: str
    event: str
    outcome: str
    member: str | None
    """The keyed hash of the member's NIK; never the NIK."""
    detail: str

    def as_json(self) -> str:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def details(**fields: object) -> str:
    """An event's detail as ``key=value`` pairs: the same for every reader in every language
    (the central office's export, the maintenance screen, which words it in staff's)."""
    for value in fields.values():
        if " " in str(value) or "=" in str(value):
            raise ValueError("a detail's value is one word")
    return " ".join(f"{name}={value}" for name, value in fields.items())


def parse_details(detail: str) -> dict[str, str] | None:
    """The fields of :func:`details`; ``None`` for a detail written in another form."""
    fields = dict(pair.partition("=")[::2] for pair in detail.split())
    if not detail or any(not value for value in fields.values()):
        return None
    return fields


UNTIL_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""A moment in a detail: UTC, to the second, one word."""


def stamp_until(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(UNTIL_FORMAT)


def member_tag(audit_key: bytes, nik: str) -> str:
    """The member as the audit log knows them: irreversible without ``audit_key``."""
    digest = hmac.new(audit_key, nik.encode("ascii"), hashlib.sha256).digest()
    return digest[:MEMBER_TAG_BYTES].hex()


def _stamp(moment: datetime) -> str:
    """One fixed-width UTC form, so that text order is time order in SQL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


_ANY = object()
_LATEST = """
    SELECT at, kiosk, event, outcome, member, detail FROM audit
    WHERE event = :event AND (:outcome IS NULL OR outcome = :outcome)
        AND (:any_member OR member IS :member)
    ORDER BY at DESC, id DESC LIMIT 1 OFFSET :skip"""
_COUNT = """
    SELECT count(*) FROM audit
    WHERE event = :event AND (:outcome IS NULL OR outcome = :outcome)
        AND (:any_member OR member IS :member) AND at > :after"""


class Audit:
    def __init__(
        self,
        store: StateStore,
        kiosk_id: str,
        clock: Clock,
        retention: timedelta,
    ) -> None:
        self.store = store
        self.kiosk_id = kiosk_id
        self.clock = clock
        self.retention = retention
        self._pruned_at: datetime | None = None

    @classmethod
    def from_config(cls, config: Config, clock: Clock) -> "Audit":
        return cls(StateStore(config.state_file), config.kiosk_id, clock, config.audit_retention)

    def record(
        self, event: Event, outcome: str, *, member: str | None = None, detail: str = ""
    ) -> AuditEvent:
        """Write one event now; old events are pruned at most once an hour on the way."""
        now = self.clock()
        self.store.write(
            "INSERT INTO audit (at, kiosk, event, outcome, member, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [_stamp(now), self.kiosk_id, event.value, outcome, member, detail],
        )
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self.prune()
        return AuditEvent(now, self.kiosk_id, event.value, outcome, member, detail)

    def prune(self) -> int:
        now = self.clock()
        self._pruned_at = now
        return self.store.write("DELETE FROM audit WHERE at < ?", [_stamp(now - self.retention)])

    def recent(self, limit: int) -> list[AuditEvent]:
        rows = self.store.query(
            "SELECT at, kiosk, event, outcome, member, detail FROM audit "
            "ORDER BY at DESC, id DESC LIMIT ?",
            [limit],
        )
        return [_event(row) for row in rows]

    def since(self, start: datetime | None) -> Iterator[AuditEvent]:
        """Oldest first, for export."""
        rows = self.store.query(
            "SELECT at, kiosk, event, outcome, member, detail FROM audit "
            "WHERE at >= ? ORDER BY at, id",
            [_stamp(start) if start else ""],
        )
        return (_event(row) for row in rows)

    def latest(
        self, event: Event, *, outcome: str | None = None, member: object = _ANY, skip: int = 0
    ) -> AuditEvent | None:
        """The newest matching event, or the one ``skip`` places before it."""
        rows = self.store.query(
            _LATEST,
            {**_match(event, outcome, member), "skip": skip},
        )
        return _event(rows[0]) if rows else None

    def count(
        self,
        event: Event,
        *,
        after: datetime,
        outcome: str | None = None,
        member: object = _ANY,
    ) -> int:
        """Events strictly after ``after``."""
        rows = self.store.query(
            _COUNT,
            {**_match(event, outcome, member), "after": _stamp(after)},
        )
        return int(rows[0][0])

    def export(self, out: TextIO, start: datetime | None) -> int:
        """JSON Lines for the central office; returns the number of events written."""
        written = 0
        for event in self.since(start):
            out.write(event.as_json() + "\n")
            written += 1
        return written


def _match(event: Event, outcome: str | None, member: object) -> dict[str, object]:
    """The queries' parameters: ``outcome`` None matches any outcome, ``member`` _ANY any member."""
    return {
        "event": event.value,
        "outcome": outcome,
        "any_member": member is _ANY,
        "member": None if member is _ANY else member,
    }


def _event(row: tuple[object, ...]) -> AuditEvent:
    at, kiosk, event, outcome, member, detail = row
    return AuditEvent(
        _moment(str(at)),
        str(kiosk),
        str(event),
        str(outcome),
        None if member is None else str(member),
        str(detail),
    )
