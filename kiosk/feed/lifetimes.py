"""How long the central store's signatures hold: the publisher signs with these, and a
kiosk's doctor judges its clock and the feed's freshness by them."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Final


@dataclass(frozen=True)
class Lifetimes:
    """How long each role's signature holds; refresh renews each at half of it."""

    root: timedelta = timedelta(days=365)
    targets: timedelta = timedelta(days=90)
    snapshot: timedelta = timedelta(days=14)
    timestamp: timedelta = timedelta(days=2)

    def of(self, role: str) -> timedelta:
        lifetime: timedelta = getattr(self, role)
        return lifetime


DEFAULT_LIFETIMES: Final = Lifetimes()
