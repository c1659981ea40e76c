"""What a check returns: a finding in plain words, its status and, for a problem, the fix."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from kiosk.i18n import Message, msg


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


def ok(name: str, what: Message) -> Finding:
    return Finding(name, Status.OK, what)


def warning(name: str, what: Message, fix: Message) -> Finding:
    return Finding(name, Status.WARNING, what, fix)


def problem(name: str, what: Message, fix: Message) -> Finding:
    return Finding(name, Status.PROBLEM, what, fix)


def skipped(name: str, why: Message) -> Finding:
    return Finding(name, Status.SKIPPED, why)


def needs_first(name: str, check: str) -> Finding:
    """Skipped because ``check`` could not provide what this one needs (the cache needs the key)."""
    return skipped(name, msg("doctor.skipped.needs", needs=check))


def span(delta: timedelta) -> dict[str, int]:
    """Days, hours and minutes, the parameters the doctor's sentences tell a duration with."""
    minutes = int(delta // timedelta(minutes=1))
    return {"days": minutes // 1440, "hours": minutes // 60 % 24, "minutes": minutes % 60}
