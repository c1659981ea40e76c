"""Dates and months as a member reads them, in their language: on screen and on paper."""

from datetime import date, datetime

from kiosk.i18n import Lang
from kiosk.member import Period

MONTHS: dict[Lang, tuple[str, ...]] = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def month(period: Period, lang: Lang) -> str:
    return f"{MONTHS[lang][period.month - 1]} {period.year}"


def day(moment: date, lang: Lang) -> str:
    return f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"


def short_month(period: Period, lang: Lang) -> str:
    """Three letters, as on a calendar: Jan, Agu, Okt; the same length in both languages."""
    return MONTHS[lang][period.month - 1][:3]


TIME_SEPARATOR: dict[Lang, str] = {"id": ".", "en": ":"}
"""Between hours and minutes: 10.05 as Indonesian writes it (PUEBI), 10:05 in English."""


def clock_time(moment: datetime, lang: Lang) -> str:
    """The kiosk's local time of day, for waits shorter than a day: 10.05, 10:05."""
    local = moment.astimezone()
    return f"{local:%H}{TIME_SEPARATOR[lang]}{local:%M}"


def short_day_and_time(moment: datetime, lang: Lang) -> str:
    """Where a line has little room (the top bar, staff's lists): 24-11-2026 10.05 / 10:05."""
    return f"{moment.astimezone():%d-%m-%Y} {clock_time(moment, lang)}"


def day_and_time(moment: datetime, lang: Lang) -> str:
    """The kiosk's local date and time: 2 Desember 2026 10.05, 2 December 2026 10:05."""
    local = moment.astimezone()
    return f"{day(local.date(), lang)} {local:%H}{TIME_SEPARATOR[lang]}{local:%M}"
