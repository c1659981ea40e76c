"""What the member screens ask of the core: is the kiosk fit to serve, and who is this member.

The UI receives one :class:`KioskService` through its constructor and calls it
from thread workers; the service serialises access to its cache, so a worker
may run on any thread. Every failure the screens must survive comes back as a
value (a :class:`Readiness` with a staff-facing reason), never as an exception
that would need a traceback to explain.
"""

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.cache import Cache
from kiosk.card import CardCheck, CardVerdict, load_card_public_key, verify_card
from kiosk.config import Config, ScreenSettings
from kiosk.errors import KioskError
from kiosk.feed.trust import CARD_KEY_FILE
from kiosk.i18n import Message, msg
from kiosk.keys import load_master_key
from kiosk.member import Member
from kiosk.status import MemberStatus, evaluate

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Readiness:
    """Whether members may be served now, and how fresh the data they would see is."""

    problem: Message | None
    """For staff: why the kiosk is out of service; ``None`` when it may serve."""
    data_time: datetime | None
    """When a sync last brought or confirmed the cache's data."""
    stale: bool = False
    """Older than the warning age but still allowed: the screens show its date prominently."""

    @property
    def serving(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class MemberView:
    """Everything a verified member may see; never the NIK in full or the mother's name."""

    status: MemberStatus = field(repr=False)
    name: str = field(repr=False)
    """As published: untrusted text, escaped by the screens."""
    kpj: str = field(repr=False)
    card: str = field(repr=False)
    """The signed card text, shown as a QR code; empty when there is none to show."""
    card_check: CardCheck | None = field(repr=False)
    """``None`` when the kiosk holds no card key to check it with."""

    @property
    def card_ok(self) -> bool:
        """A card to draw as a QR: present, signed by the central store, not expired."""
        check = self.card_check
        return bool(self.card) and check is not None and check.verdict is CardVerdict.VALID


class KioskService:
    """The member-facing core: opens the cache lazily so a broken deployment is a screen."""

    def __init__(
        self,
        open_cache: Callable[[], Cache],
        card_key: Callable[[], Ed25519PublicKey],
        settings: ScreenSettings,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._open_cache = open_cache
        self._load_card_key = card_key
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: Cache | None = None
        self._card_key: Ed25519PublicKey | None = None

    @classmethod
    def from_config(
        cls, config: Config, environ: Mapping[str, str], clock: Clock
    ) -> "KioskService":
        def open_cache() -> Cache:
            return Cache.open(config.cache_path, load_master_key(config, environ))

        def card_key() -> Ed25519PublicKey:
            return load_card_public_key(config.feed.trust_dir / CARD_KEY_FILE)

        return cls(open_cache, card_key, config.screen, clock)

    def readiness(self) -> Readiness:
        """Checked before each session: a sync may have repaired or aged the cache meanwhile."""
        with self._lock:
            try:
                cache = self._cache_locked()
                cursor = cache.cursor()
            except KioskError as error:
                self._drop_cache_locked()
                return Readiness(problem=error.message, data_time=None)
        if cursor is None:
            return Readiness(problem=msg("service.no_data"), data_time=None)
        age = self.clock() - cursor.synced_at
        if age > self.settings.max_staleness:
            days = self.settings.max_staleness.days
            problem = msg("service.too_old", synced=_when(cursor.synced_at), days=days)
            return Readiness(problem=problem, data_time=cursor.synced_at)
        return Readiness(
            problem=None, data_time=cursor.synced_at, stale=age > self.settings.warn_staleness
        )

    def verify(self, nik: str, mother_name: str, mask: str = "•") -> MemberView | None:
        """The member behind ``nik`` if ``mother_name`` matches; ``None`` tells nothing more.

        An unknown NIK and a wrong answer look the same to whoever is typing,
        so the kiosk cannot be used to learn who is a member.
        """
        with self._lock:
            cache = self._cache_locked()
            member = cache.get(nik)
            expected = member.mother_hash if member is not None else bytes(32)
            if not cache.verifier.matches(mother_name, expected) or member is None:
                return None
            card_key = self._card_key_locked()
        now = self.clock()
        return MemberView(
            status=evaluate(member, now.date(), mask),
            name=member.name,
            kpj=member.kpj,
            card=member.card,
            card_check=_check_card(member, card_key, now),
        )

    def close(self) -> None:
        with self._lock:
            self._drop_cache_locked()

    def _cache_locked(self) -> Cache:
        if self._cache is None:
            self._cache = self._open_cache()
        return self._cache

    def _drop_cache_locked(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def _card_key_locked(self) -> Ed25519PublicKey | None:
        if self._card_key is None:
            try:
                self._card_key = self._load_card_key()
            except KioskError as error:
                log.error("cards cannot be checked: %s", error.message.text("en"))
                return None
        return self._card_key


def _check_card(member: Member, key: Ed25519PublicKey | None, now: datetime) -> CardCheck | None:
    if key is None or not member.card:
        return None
    return verify_card(member.card, key, now)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
