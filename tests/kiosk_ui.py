"""A kiosk to drive in UI tests: a real cache of a few members, real cards, a fixed clock.

Everything here is real (SQLite, AES-GCM, Ed25519, the Textual App); only time
is pinned: the wall clock to :data:`NOW` and the idle clock to a counter the
test moves, so screens and snapshots come out the same on every run.
"""

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.pilot import Pilot

from central.rows import parse_member_row
from devtools.synthetic import synthetic_rows
from kiosk.audit import Audit
from kiosk.cache import Cache, FeedCursor
from kiosk.card import ISSUER, CardClaims, CardSigner
from kiosk.config import Limits, ScreenSettings
from kiosk.errors import UnavailableError
from kiosk.feed.client import FeedClient
from kiosk.guard import Guard
from kiosk.i18n import msg
from kiosk.keys import MasterKey
from kiosk.layout import qr_mode
from kiosk.maintenance import Maintenance
from kiosk.member import Member, MembershipStatus, Period, Program, Segment
from kiosk.notify import Notifier
from kiosk.schedule import SyncSchedule
from kiosk.serving import KioskService
from kiosk.state import StateStore
from screens.app import KioskApp

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SYNCED = NOW - timedelta(hours=2)
CARD_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MARKUP_NAME = "[bold red]X[/]"
KIOSK_ID = "kiosk-test-01"


@dataclass(frozen=True)
class Person:
    """A member as a test sees them: what they type, and who they are."""

    member: Member
    mother: str

    @property
    def nik(self) -> str:
        return self.member.nik


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


def _card(member: Member, expires: datetime) -> str:
    claims = CardClaims(
        issuer=ISSUER,
        issued_at=NOW - timedelta(days=10),
        expires_at=expires,
        kpj=member.kpj,
        name=member.name,
        status=member.status,
        programs=member.programs,
    )
    return CardSigner(CARD_KEY).sign(claims)


def _people(cache: Cache) -> dict[str, Person]:
    """One member for each case the screens must get right, built on valid synthetic rows."""
    rows = list(synthetic_rows(40, seed=424242, today=NOW.date()))
    bases = [parse_member_row(row, cache.verifier.digest, NOW.date()) for row in rows]
    bases = [m for m in bases if not m.deleted]
    cases = {
        "active": {
            "name": "Budi Santoso",
            "mother": "Siti Aminah",
            "segment": Segment.PU,
            "status": MembershipStatus.AKTIF,
            "status_reason": "",
            "employer_name": "PT Sinar Jaya Abadi",
            "programs": frozenset({Program.JKK, Program.JKM, Program.JHT, Program.JP}),
            "last_paid_period": Period(2026, 10),
            "jht_balance": 12_345_678,
        },
        "arrears": {
            "name": "Dewi Lestari",
            "mother": "Ratna Sari",
            "segment": Segment.PU,
            "status": MembershipStatus.AKTIF,
            "status_reason": "",
            "employer_name": "CV Maju Bersama",
            "programs": frozenset({Program.JKK, Program.JKM, Program.JHT}),
            "last_paid_period": Period(2026, 6),
            "jht_balance": 4_500_000,
        },
        "inactive": {
            "name": "Made Wirawan",
            "mother": "Ni Ketut Sari",
            "segment": Segment.BPU,
            "status": MembershipStatus.NONAKTIF,
            "status_reason": "Iuran tidak dibayar lebih dari 3 bulan",
            "employer_name": "",
            "programs": frozenset({Program.JKK, Program.JKM}),
            "last_paid_period": Period(2026, 2),
            "jht_balance": 0,
        },
        "markup": {
            "name": MARKUP_NAME,
            "mother": "Sri Wahyuni",
            "segment": Segment.PU,
            "status": MembershipStatus.AKTIF,
            "status_reason": "[blink]ok[/blink]",
            "employer_name": "[link=http://x.example]PT Evil[/link]",
            "programs": frozenset({Program.JKK, Program.JKM, Program.JHT}),
            "last_paid_period": Period(2026, 10),
            "jht_balance": 1_000,
        },
    }
    people: dict[str, Person] = {}
    for base, (case, fields) in zip(bases, cases.items(), strict=False):
        mother = str(fields.pop("mother"))
        member = dataclasses.replace(
            base,
            mother_hash=cache.verifier.digest(mother),
            jht_as_of=NOW.date() - timedelta(days=24),
            updated_at=NOW - timedelta(days=3),
            **fields,  # type: ignore[arg-type]
        )
        member = dataclasses.replace(member, card=_card(member, NOW + timedelta(days=80)))
        people[case] = Person(member, mother)
    return people


@dataclass
class Kiosk:
    """A kiosk's cache on disk and the members in it."""

    path: Path
    key: MasterKey
    people: dict[str, Person]

    clock: "Clock" = dataclasses.field(default_factory=lambda: Clock())

    @property
    def state_path(self) -> Path:
        return self.path.with_name("state.db")

    def service(
        self, settings: ScreenSettings | None = None, limits: Limits | None = None
    ) -> KioskService:
        audit = Audit(StateStore(self.state_path), KIOSK_ID, self.clock, timedelta(days=90))
        return KioskService(
            open_cache=lambda: Cache.open(self.path, self.key),
            card_key=CARD_KEY.public_key,
            settings=settings or ScreenSettings(),
            guard=Guard(audit, limits or Limits()),
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
    ) -> KioskApp:
        service = self.service(settings, limits)
        return KioskApp(
            service,
            self.maintenance(service),
            console=console,
            qr_mode=qr_mode("auto", console),
            ticks=ticks or Ticks(),
            notifier=notifier,
            schedule=schedule,
        )


def build_kiosk(directory: Path, key: MasterKey, synced: datetime = SYNCED) -> Kiosk:
    path = directory / "cache.db"
    with Cache.create(path, key) as cache:
        people = _people(cache)
        cache.apply((p.member for p in people.values()), FeedCursor(1, "state-1", synced))
    return Kiosk(path, key, people)


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    """Type as on a physical keyboard."""
    await pilot.press(*("space" if c == " " else c for c in text))


async def reach_status(pilot: Pilot[Any], person: Person, lang_key: str = "enter") -> None:
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
