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
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.audit import Audit, Event, member_tag
from kiosk.cache import Cache
from kiosk.card import CardCheck, CardVerdict, load_card_public_key, verify_card
from kiosk.clock import Clock, format_utc, local_day
from kiosk.config import Config, ScreenSettings
from kiosk.errors import KioskError
from kiosk.feed.trust import CARD_KEY_FILE
from kiosk.guard import Guard
from kiosk.i18n import LANGS, Lang, Message, msg
from kiosk.keys import load_master_key
from kiosk.member import Membership
from kiosk.nik import InvalidNikError, parse_nik
from kiosk.printer import Printer
from kiosk.standing import Standing, evaluate
from kiosk.state import StateStore

log = logging.getLogger(__name__)

SERVING_SETTING = "serving"
LANG_SETTING = "default_lang"
CONTRAST_SETTING = "high_contrast"
"""``"yes"``: the screens start in high contrast; a member may still switch for their session."""


@dataclass(frozen=True)
class Readiness:
    """Whether members may be served now, and how fresh the data they would see is."""

    problem: Message | None
    """For staff: why the kiosk is out of service; ``None`` when it may serve."""
    data_time: datetime | None
    """When a sync last brought or confirmed the cache's data."""
    stale: bool = False
    """Older than the warning age but still allowed: the screens show its date prominently."""
    maintenance: bool = False
    """Staff switched the kiosk out of service: members see "under maintenance"."""
    lang: Lang = "id"
    """The language the kiosk speaks before a member chooses one."""
    high_contrast: bool = False
    """Staff's default look: high contrast until a member chooses otherwise, and after each."""

    @property
    def serving(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class MembershipCard:
    """One membership's signed card, as the central store issued it, and whether it holds."""

    kpj: str = field(repr=False)
    text: str = field(repr=False)
    """The signed card text, shown as a QR code; empty when there is none to show."""
    check: CardCheck | None = field(repr=False)
    """``None`` when there is no card, or the kiosk holds no card key to check it with."""

    @property
    def ok(self) -> bool:
        """A card to draw as a QR: present, signed by the central store, not expired."""
        check = self.check
        return bool(self.text) and check is not None and check.verdict is CardVerdict.VALID


@dataclass(frozen=True)
class MemberView:
    """Everything a verified member may see; never the NIK in full or the mother's name."""

    standing: Standing = field(repr=False)
    name: str = field(repr=False)
    """As published: untrusted text, escaped by the screens."""
    cards: tuple[MembershipCard, ...] = field(repr=False)
    """One per membership, in the order of ``standing.memberships``."""
    tag: str = field(repr=False)
    """The member's keyed NIK hash, as the audit log knows them."""


@dataclass(frozen=True)
class Accepted:
    """The NIK may be verified: the next screen asks for the mother's name."""

    nik: str


@dataclass(frozen=True)
class Invalid:
    problem: Message
    wait_until: datetime | None
    """Set when this was one invalid NIK too many: the screen waits until then."""


@dataclass(frozen=True)
class Wait:
    """Too many invalid NIKs lately: nothing is checked until then."""

    until: datetime


@dataclass(frozen=True)
class Locked:
    """Too many wrong answers for this NIK: it is locked at this kiosk until then."""

    until: datetime


@dataclass(frozen=True)
class Busy:
    """The kiosk-wide lookup limit is reached; the next NIK is taken from then."""

    until: datetime


@dataclass(frozen=True)
class Refused:
    """The answer does not match (or the NIK is unknown: the same thing to whoever typed)."""

    attempts_left: int


Admission = Accepted | Invalid | Wait | Locked | Busy
Verdict = MemberView | Refused | Locked


class KioskService:
    """The member-facing core: opens the cache lazily so a broken deployment is a screen."""

    def __init__(
        self,
        open_cache: Callable[[], Cache],
        card_key: Callable[[], Ed25519PublicKey],
        settings: ScreenSettings,
        guard: Guard,
        printer: Printer | None = None,
    ) -> None:
        """``printer``: ``None`` for a kiosk without one (the print button is not offered)."""
        self.open_cache = open_cache
        self._load_card_key = card_key
        self.settings = settings
        self.guard = guard
        self.audit: Audit = guard.audit
        self.state: StateStore = guard.audit.store
        self.clock: Clock = guard.audit.clock
        self.printer = printer or Printer(None, guard.audit)
        """The slip printer; ask and print from a worker thread (see :mod:`kiosk.printer`)."""
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

        audit = Audit.from_config(config, clock)
        guard = Guard(audit, config.limits)
        return cls(open_cache, card_key, config.screen, guard, Printer.from_config(config, audit))

    def readiness(self) -> Readiness:
        """Checked before each session: a sync may have repaired or aged the cache meanwhile."""
        try:
            serving = self.state.setting(SERVING_SETTING) != "no"
            lang = self.default_lang()
            high = self.default_contrast()
        except KioskError as error:
            return Readiness(problem=error.message, data_time=None)
        with self._lock:
            try:
                cache = self._cache_locked()
                cursor = cache.cursor()
            except KioskError as error:
                self._drop_cache_locked()
                return Readiness(
                    problem=error.message, data_time=None, lang=lang, high_contrast=high
                )
        if not serving:
            return Readiness(
                problem=msg("service.maintenance"),
                data_time=None if cursor is None else cursor.synced_at,
                maintenance=True,
                lang=lang,
                high_contrast=high,
            )
        if cursor is None:
            return Readiness(
                problem=msg("service.no_data"), data_time=None, lang=lang, high_contrast=high
            )
        age = self.clock() - cursor.synced_at
        if self.settings.too_old(age):
            days = self.settings.max_staleness.days
            problem = msg("service.too_old", synced=format_utc(cursor.synced_at), days=days)
            return Readiness(
                problem=problem, data_time=cursor.synced_at, lang=lang, high_contrast=high
            )
        return Readiness(
            problem=None,
            data_time=cursor.synced_at,
            stale=self.settings.stale(age),
            lang=lang,
            high_contrast=high,
        )

    def default_lang(self) -> Lang:
        stored = self.state.setting(LANG_SETTING)
        return next((lang for lang in LANGS if lang == stored), "id")

    def default_contrast(self) -> bool:
        """Whether staff made high contrast the kiosk's default look."""
        return self.state.setting(CONTRAST_SETTING) == "yes"

    def admit(self, text: str) -> Admission:
        """A NIK submitted on the NIK screen: checked, audited, and held to the abuse limits."""
        now = self.clock()
        if (until := self.guard.invalid_wait(now)) is not None:
            return Wait(until)
        try:
            nik = parse_nik(text, local_day(now))
        except InvalidNikError as error:
            self.audit.record(Event.NIK_INVALID, error.problem.value)
            return Invalid(error.message, self.guard.invalid_wait(now))
        tag = self._tag(nik.number)
        if (until := self.guard.locked_until(self.guard.nik_lock, tag, now)) is not None:
            self.audit.record(Event.LOOKUP, "locked", member=tag)
            return Locked(until)
        if (until := self.guard.busy_until(now)) is not None:
            self.audit.record(Event.LOOKUP, "busy", member=tag)
            return Busy(until)
        self.audit.record(Event.LOOKUP, "accepted", member=tag)
        return Accepted(nik.number)

    def verify(self, nik: str, mother_name: str, mask: str = "•") -> Verdict:
        """The member behind ``nik`` if ``mother_name`` matches, else how many tries are left.

        An unknown NIK and a wrong answer look the same to whoever is typing,
        so the kiosk cannot be used to learn who is a member. A locked NIK is
        not checked at all.
        """
        now = self.clock()
        tag = self._tag(nik)
        lock = self.guard.nik_lock
        if (until := self.guard.locked_until(lock, tag, now)) is not None:
            return Locked(until)
        with self._lock:
            cache = self._cache_locked()
            member = cache.get(nik)
            expected = member.mother_hash if member is not None else bytes(32)
            matches = cache.verifier.matches(mother_name, expected) and member is not None
            card_key = self._card_key_locked() if matches else None
        if not matches or member is None:
            if (until := self.guard.fail(lock, tag, now)) is not None:
                return Locked(until)
            return Refused(self.guard.attempts_left(lock, tag, now))
        self.audit.record(Event.VERIFY, "success", member=tag)
        return MemberView(
            standing=evaluate(member, local_day(now), mask),
            name=member.name,
            cards=tuple(_card(m, card_key, now) for m in member.memberships),
            tag=tag,
        )

    def note_card(self, view: MemberView, outcome: str) -> None:
        """The card screen was shown: ``shown``, ``expired``, ``missing`` or ``too_small``."""
        self.audit.record(Event.CARD, outcome, member=view.tag)

    def _tag(self, nik: str) -> str:
        with self._lock:
            return member_tag(self._cache_locked().audit_key, nik)

    def close(self) -> None:
        with self._lock:
            self._drop_cache_locked()
        self.state.close()

    def _cache_locked(self) -> Cache:
        if self._cache is None:
            self._cache = self.open_cache()
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


def _card(membership: Membership, key: Ed25519PublicKey | None, now: datetime) -> MembershipCard:
    check = None if key is None or not membership.card else verify_card(membership.card, key, now)
    return MembershipCard(membership.kpj, membership.card, check)
