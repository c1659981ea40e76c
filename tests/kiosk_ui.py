"""A kiosk to drive in UI tests: a real cache of a few members, real cards, a fixed clock.

Everything here is real (SQLite, AES-GCM, Ed25519, the Textual App); only time
is pinned: the wall clock to :data:`NOW` and the idle clock to a counter the
test moves, so screens and snapshots come out the same on every run.

The members are built as :class:`kiosk.member.Person` records, as a sync stores
them, one for each case the screens must get right: a job changer with three
KPJs, each status code, a data-quality flag, each answer to "can I withdraw my
JHT?", and feed text that looks like markup.
"""

import asyncio
import dataclasses
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.pilot import Pilot

from kiosk.audit import Audit
from kiosk.cache import Cache, FeedCursor
from kiosk.cache.sealing import MotherVerifier
from kiosk.card import ISSUER, CardClaims, CardSigner
from kiosk.config import Limits, PrinterSettings, ScreenSettings
from kiosk.errors import UnavailableError
from kiosk.feed.client import FeedClient
from kiosk.guard import Guard
from kiosk.i18n import msg
from kiosk.keys import MasterKey
from kiosk.layout import qr_mode
from kiosk.maintenance import Maintenance
from kiosk.member import (
    DataFlag,
    Membership,
    MembershipStatus,
    Period,
    Person,
    Program,
    Segment,
    StatusCode,
    current_first,
)
from kiosk.notify import Notifier
from kiosk.printer import Printer
from kiosk.schedule import SyncSchedule
from kiosk.serving import KioskService
from kiosk.speech import Speaker
from kiosk.state import StateStore
from screens.app import KioskApp

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SYNCED = NOW - timedelta(hours=2)
CARD_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MARKUP_NAME = "[bold red]X[/]"
MARKUP_EMPLOYER = "[link=http://x.example]PT Evil[/link]"
MARKUP_OTHER_EMPLOYER = "[blink]ok[/blink]"
KIOSK_ID = "kiosk-test-01"
JHT_AS_OF = date(2026, 10, 31)
PUBLISHED = Period.of(NOW.date())
"""The month the feed was published: paid months reach back twelve months before it."""
PAID_UP = Period(2026, 10)
"""The newest month due on :data:`NOW` (the 24th): paid up to it is up to date."""

ALL_PROGRAMS = frozenset(Program)
WAGE_EARNER = frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP})

REASON_CASES: dict[StatusCode, str] = {
    StatusCode.TUNGGAKAN: "inactive",
    StatusCode.BERHENTI_BEKERJA: "job_changer",
    StatusCode.PHK: "dismissed",
    StatusCode.KONTRAK_SELESAI: "job_changer",
    StatusCode.USIA_PENSIUN: "retired",
    StatusCode.MENINGGAL: "deceased",
    StatusCode.DATA_TIDAK_SESUAI: "data",
    StatusCode.DIGABUNG: "merged",
    StatusCode.LAINNYA: "other",
}
"""The member whose record carries each status code."""


@dataclass(frozen=True)
class Visitor:
    """A member at the kiosk as a test sees them: what they type, and their record."""

    member: Person
    mother: str

    @property
    def nik(self) -> str:
        return self.member.nik

    @property
    def kpjs(self) -> tuple[str, ...]:
        """Current first, as every screen lists them."""
        return tuple(m.kpj for m in self.member.memberships)


class Clock:
    """The wall clock: :data:`NOW` until a test moves it (lockouts expire, data ages)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Ticks:
    """The idle clock: moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def local_time_is_wib() -> Iterator[None]:
    """Dates on screen are local time: pin it to WIB (UTC+7) without needing tzdata."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "WIB-7"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _card(name: str, membership: Membership, expires: datetime) -> str:
    claims = CardClaims(
        issuer=ISSUER,
        issued_at=NOW - timedelta(days=10),
        expires_at=expires,
        kpj=membership.kpj,
        name=name,
        status=membership.status,
        programs=membership.programs,
    )
    return CardSigner(CARD_KEY).sign(claims)


def nik_of(birth: date, serial: int, *, female: bool = False) -> str:
    """A NIK issued in Cibinong (Kabupaten Bogor) for someone born on ``birth``."""
    day = birth.day + (40 if female else 0)
    return f"320101{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def months(first: Period, last: Period, *, skip: Iterable[Period] = ()) -> frozenset[Period]:
    """The months from ``first`` to ``last`` the feed can carry (the year before publication)."""
    oldest, left_out = PUBLISHED.shifted(-12), set(skip)
    count = last.index - first.index + 1
    shown = (first.shifted(n) for n in range(count))
    return frozenset(p for p in shown if p >= oldest and p not in left_out)


def job(
    kpj: str,
    employer: str,
    start: date,
    *,
    code: StatusCode | None = None,
    end: date | None = None,
    last_paid: Period | None = PAID_UP,
    unpaid: Iterable[Period] = (),
    jht: int = 0,
    programs: frozenset[Program] = WAGE_EARNER,
    segment: Segment = Segment.PU,
) -> Membership:
    """A membership paid every month from its start to ``last_paid`` but the ``unpaid`` ones."""
    paid = frozenset() if last_paid is None else months(Period.of(start), last_paid, skip=unpaid)
    return Membership(
        kpj=kpj,
        segment=segment,
        employer_name=employer,
        npp="" if segment is Segment.BPU else f"NN{kpj[-6:]}",
        status=MembershipStatus.AKTIF if code is None else MembershipStatus.NONAKTIF,
        status_code=code,
        programs=programs,
        membership_start=start,
        membership_end=end,
        last_paid_period=last_paid,
        paid_periods=paid,
        jht_balance=jht,
        jht_as_of=JHT_AS_OF if Program.JHT in programs else None,
    )


def _cases() -> dict[str, tuple[str, str, date, int, bool, tuple[Membership, ...]]]:
    """Per case: name, mother, birth date, NIK serial, female, memberships."""
    return {
        "active": (
            "Budi Santoso",
            "Siti Aminah",
            date(1991, 5, 14),
            746,
            False,
            # Ten years of membership on 1 March 2029: a part of the JHT from then.
            (job("37717748114", "PT Sinar Jaya Abadi", date(2019, 3, 1), jht=12_345_678),),
        ),
        "arrears": (
            "Dewi Lestari",
            "Ratna Sari",
            date(1988, 2, 9),
            1207,
            True,
            # February 2026 and July to October missing; members since 2014: a part now.
            (
                job(
                    "14052233019",
                    "CV Maju Bersama",
                    date(2014, 5, 1),
                    last_paid=Period(2026, 6),
                    unpaid=[Period(2026, 2)],
                    jht=4_500_000,
                    programs=frozenset({Program.JKK, Program.JKM, Program.JHT}),
                ),
            ),
        ),
        "inactive": (
            "Made Wirawan",
            "Ni Ketut Sari",
            date(1979, 8, 17),
            3310,
            False,
            (
                job(
                    "21010455678",
                    "",
                    date(2021, 1, 1),
                    code=StatusCode.TUNGGAKAN,
                    last_paid=Period(2026, 2),
                    programs=frozenset({Program.JKK, Program.JKM}),
                    segment=Segment.BPU,
                ),
            ),
        ),
        "markup": (
            MARKUP_NAME,
            "Sri Wahyuni",
            date(1993, 1, 22),
            88,
            True,
            (
                job("30303030303", MARKUP_EMPLOYER, date(2023, 4, 3), jht=1_000),
                job(
                    "30303030304",
                    MARKUP_OTHER_EMPLOYER,
                    date(2020, 2, 3),
                    code=StatusCode.BERHENTI_BEKERJA,
                    end=date(2023, 3, 31),
                    last_paid=Period(2023, 3),
                    jht=2_000,
                ),
            ),
        ),
        "job_changer": (
            "Rina Kurniawati",
            "Endang Susilowati",
            date(1992, 7, 3),
            415,
            True,
            (
                job(
                    "24090211223",
                    "PT Nusantara Logistik",
                    date(2024, 9, 2),
                    jht=6_200_000,
                    programs=ALL_PROGRAMS,
                ),
                job(
                    "19020133445",
                    "PT Sumber Makmur Sentosa",
                    date(2019, 2, 1),
                    code=StatusCode.BERHENTI_BEKERJA,
                    end=date(2024, 8, 15),
                    last_paid=Period(2024, 8),
                    jht=18_750_000,
                ),
                job(
                    "16010455667",
                    "CV Karya Mandiri",
                    date(2016, 1, 4),
                    code=StatusCode.KONTRAK_SELESAI,
                    end=date(2018, 12, 31),
                    last_paid=Period(2018, 12),
                    jht=3_100_000,
                ),
            ),
        ),
        "dismissed": (
            "Agus Setiawan",
            "Sumarni",
            date(1983, 11, 30),
            2090,
            False,
            # Dismissed on 5 November 2026: the whole balance from 5 December.
            (
                job(
                    "15060177889",
                    "PT Tekstil Jaya",
                    date(2015, 6, 1),
                    code=StatusCode.PHK,
                    end=date(2026, 11, 5),
                    jht=52_000_000,
                    programs=ALL_PROGRAMS,
                ),
            ),
        ),
        "retired": (
            "Slamet Riyadi",
            "Wagiyem",
            date(1970, 3, 12),
            1501,
            False,
            (
                job(
                    "95040100112",
                    "PT Perkebunan Nusantara",
                    date(1995, 4, 1),
                    code=StatusCode.USIA_PENSIUN,
                    end=date(2026, 3, 31),
                    last_paid=Period(2026, 3),
                    jht=85_000_000,
                ),
            ),
        ),
        "deceased": (
            "Hendra Gunawan",
            "Tan Mei Ling",
            date(1975, 9, 8),
            642,
            False,
            (
                job(
                    "08070133221",
                    "PT Karya Bangun",
                    date(2008, 7, 1),
                    code=StatusCode.MENINGGAL,
                    end=date(2026, 9, 20),
                    last_paid=Period(2026, 9),
                    jht=30_000_000,
                ),
            ),
        ),
        "data": (
            "Yuliana Pertiwi",
            "Kartini",
            date(1995, 12, 21),
            977,
            True,
            (
                job(
                    "20010677001",
                    "PT Cahaya Retail",
                    date(2020, 1, 6),
                    code=StatusCode.DATA_TIDAK_SESUAI,
                    last_paid=Period(2026, 8),
                    jht=7_800_000,
                ),
            ),
        ),
        "merged": (
            "Fitri Handayani",
            "Aisyah",
            date(1990, 10, 2),
            3021,
            True,
            (
                job("22030188776", "PT Global Niaga", date(2022, 3, 1), jht=9_000_000),
                job(
                    "12050166554",
                    "PT Lama Jaya",
                    date(2012, 5, 1),
                    code=StatusCode.DIGABUNG,
                    end=date(2021, 12, 31),
                    last_paid=Period(2021, 12),
                ),
            ),
        ),
        "other": (
            "Bambang Hartono",
            "Suwarti",
            date(1980, 4, 25),
            118,
            False,
            (
                job(
                    "17030199887",
                    "PT Sejahtera Abadi",
                    date(2017, 3, 1),
                    code=StatusCode.LAINNYA,
                    last_paid=Period(2026, 5),
                    jht=1_500_000,
                ),
            ),
        ),
    }


DATA_FLAGGED_BIRTH = date(1995, 12, 12)
"""The data-quality member's birth date on record: the NIK says the 21st."""


def _people(verifier: MotherVerifier) -> dict[str, Visitor]:
    people: dict[str, Visitor] = {}
    for case, (name, mother, birth, serial, female, memberships) in _cases().items():
        flagged = case == "data"
        carded = tuple(
            dataclasses.replace(m, card=_card(name, m, NOW + timedelta(days=80)))
            for m in memberships
        )
        person = Person(
            nik=nik_of(birth, serial, female=female),
            name=name,
            birth_date=DATA_FLAGGED_BIRTH if flagged else birth,
            mother_hash=verifier.digest(mother),
            memberships=current_first(carded),
            updated_at=NOW - timedelta(days=3),
            flags=frozenset({DataFlag.BIRTH_DATE_MISMATCH}) if flagged else frozenset(),
        )
        people[case] = Visitor(person, mother)
    return people


@dataclass
class Kiosk:
    """A kiosk's cache on disk and the members in it."""

    path: Path
    key: MasterKey
    people: dict[str, Visitor]

    clock: "Clock" = dataclasses.field(default_factory=lambda: Clock())

    @property
    def state_path(self) -> Path:
        return self.path.with_name("state.db")

    def service(
        self,
        settings: ScreenSettings | None = None,
        limits: Limits | None = None,
        printer: PrinterSettings | None = None,
    ) -> KioskService:
        audit = Audit(StateStore(self.state_path), KIOSK_ID, self.clock, timedelta(days=90))
        return KioskService(
            open_cache=lambda: Cache.open(self.path, self.key),
            card_key=CARD_KEY.public_key,
            settings=settings or ScreenSettings(),
            guard=Guard(audit, limits or Limits()),
            printer=Printer(printer, audit),
        )

    def maintenance(self, service: KioskService) -> Maintenance:
        """Staff's side, with no feed to sync from: a sync fails as when the server is down.

        Tests of a sync that works build their App from a demo site's config instead.
        """

        def feed_client() -> FeedClient:
            raise UnavailableError(msg("sync.unreachable"))

        return Maintenance(
            service,
            sync_cache=lambda: Cache.open(self.path, self.key),
            feed_client=feed_client,
            cache_path=self.path,
            work_dir=self.path.parent / "feed-work",
        )

    def app(
        self,
        *,
        console: bool = False,
        settings: ScreenSettings | None = None,
        limits: Limits | None = None,
        ticks: Ticks | None = None,
        notifier: Notifier | None = None,
        schedule: SyncSchedule | None = None,
        speaker: Speaker | None = None,
        printer: PrinterSettings | None = None,
    ) -> KioskApp:
        service = self.service(settings, limits, printer)
        return KioskApp(
            service,
            self.maintenance(service),
            console=console,
            qr_mode=qr_mode("auto", console),
            ticks=ticks or Ticks(),
            notifier=notifier,
            schedule=schedule,
            speaker=speaker,
        )


def build_kiosk(directory: Path, key: MasterKey, synced: datetime = SYNCED) -> Kiosk:
    path = directory / "cache.db"
    with Cache.create(path, key) as cache:
        people = _people(cache.verifier)
        cache.apply((p.member for p in people.values()), FeedCursor(1, "state-1", synced))
    return Kiosk(path, key, people)


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    """Type as on a physical keyboard."""
    await pilot.press(*("space" if c == " " else c for c in text))


async def reach_status(pilot: Pilot[Any], person: Visitor, lang_key: str = "enter") -> None:
    """Welcome -> NIK -> verification -> status, by keyboard."""
    await settle(pilot)
    await pilot.press(lang_key)
    await type_keys(pilot, person.nik)
    await pilot.press("enter")
    await type_keys(pilot, person.mother)
    await pilot.press("enter")
    await settle(pilot)


async def wait_until(pilot: Pilot[Any], done: Callable[[], bool], seconds: float = 20) -> None:
    """Pause until ``done()`` holds, then until workers report back and the screen repaints."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.02)
    assert done()
    await settle(pilot)


async def tick_idle(pilot: Pilot[Any]) -> None:
    """The App's idle tick, run now rather than waited for, then the screen settled.

    The App runs it every 0.25 s; tests move :class:`Ticks` and tick by hand, so
    that no assertion rests on how soon a timer fires on a busy machine.
    """
    app = pilot.app
    assert isinstance(app, KioskApp)
    app.tick_idle()
    await settle(pilot)


async def settle(pilot: Pilot[Any], seconds: float = 20) -> None:
    """Until the App is quiet: its messages handled, its thread workers done and their
    results handled (which may start more), the screen repainted. It waits on the App,
    not on the clock, so it takes as long as that takes on a busy machine and no longer.
    """
    app = pilot.app
    deadline = time.monotonic() + seconds
    while True:
        await pilot.pause()
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            break
        assert time.monotonic() < deadline, f"workers still running: {running}"
        await app.workers.wait_for_complete()
    await pilot.pause()


Scenario = Callable[[KioskApp, Pilot[Any]], Awaitable[None]]
"""What a test does with the running App: keys, clicks, and what it reads back."""


def drive(app: KioskApp, scenario: Scenario, size: tuple[int, int] = (100, 30)) -> None:
    """Run ``scenario`` against ``app`` in a headless terminal of ``size``, from a settled
    first screen."""

    async def inner() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(inner())
