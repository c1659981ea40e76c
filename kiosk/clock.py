"""The one source of "now".

Every rule with a date in it (feed expiry, data age, card expiry, lockouts,
audit retention, sync schedules) asks a :data:`Clock` it was handed, so a test
pins time instead of depending on the calendar, and the product reads the
real one in exactly one place.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]
"""Returns an aware UTC datetime."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_date(clock: Clock) -> date:
    """Today in the kiosk's own time zone: a NIK's birth date is a local date."""
    return local_day(clock())


def local_day(moment: datetime) -> date:
    """The kiosk's calendar day at ``moment``: at 00:30 WIB it is already the next UTC day's.

    Birth dates, months paid and waiting periods are all local dates.
    """
    return moment.astimezone().date()


def format_utc(moment: datetime) -> str:
    """A time as operators read it in logs and staff messages, whatever the kiosk's zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
