"""When the running kiosk syncs next: on time after a success, sooner and backing off after
a failure, always with jitter so a fleet of kiosks does not call the feed in step."""

import random
import signal
import threading
from datetime import timedelta
from types import FrameType

SYNC_NOW = signal.SIGUSR1
"""The signal that has the running kiosk sync at once."""
SYNC_NOW_COMMAND = f"systemctl kill --kill-whom=main --signal={SYNC_NOW.name} kiosk.service"
"""How the README has an operator send it: systemd signals the kiosk itself, no command runs."""


class HeldSyncNow:
    """:data:`SYNC_NOW` remembered while the kiosk starts, before the app listens for it: the
    signal's default action ends the process, and an operator may send it as the kiosk boots."""

    asked = False

    def __call__(self, number: int, frame: FrameType | None) -> None:
        self.asked = True


def hold_sync_now() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(SYNC_NOW, HeldSyncNow())


def sync_now_was_held() -> bool:
    """Whether :data:`SYNC_NOW` came while held; asked as the app takes the signal over."""
    held = signal.getsignal(SYNC_NOW)
    return isinstance(held, HeldSyncNow) and held.asked


FIRST_RETRY = timedelta(minutes=1)
JITTER = 0.2
"""Each delay is stretched or shrunk by up to this share."""


class SyncSchedule:
    def __init__(self, interval: timedelta, rng: random.Random | None = None) -> None:
        self.interval = interval
        self.failures = 0
        self._rng = rng or random.Random()  # noqa: S311 -- jitter, not a secret

    def first(self) -> float:
        """Seconds to the first sync after start: soon, but not at once (the screen comes first)."""
        return self._jittered(min(FIRST_RETRY, self.interval))

    def after(self, succeeded: bool) -> float:
        """Seconds to the next sync: 1, 2, 4 ... minutes after failures, up to the interval."""
        if succeeded:
            self.failures = 0
            return self._jittered(self.interval)
        self.failures += 1
        doublings = min(self.failures - 1, 20)
        return self._jittered(min(FIRST_RETRY * 2**doublings, self.interval))

    def _jittered(self, delay: timedelta) -> float:
        return delay.total_seconds() * self._rng.uniform(1 - JITTER, 1 + JITTER)
