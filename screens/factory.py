"""Building the App: one place for ``kiosk run``, ``kiosk demo`` and the tests."""

import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from kiosk.config import Config
from kiosk.demo import Sample
from kiosk.service import Clock, KioskService
from screens.app import KioskApp


def on_linux_console(environ: Mapping[str, str]) -> bool:
    return environ.get("TERM", "") == "linux"


def build_app(
    config: Config,
    environ: Mapping[str, str] = os.environ,
    *,
    clock: Clock = lambda: datetime.now(UTC),
    ticks: Callable[[], float] = time.monotonic,
    demo: Sequence[Sample] = (),
    service: KioskService | None = None,
) -> KioskApp:
    console = on_linux_console(environ)
    setting = config.screen.qr_mode
    qr_mode = ("whole" if console else "half") if setting == "auto" else setting
    return KioskApp(
        service or KioskService.from_config(config, environ, clock),
        console=console,
        qr_mode=qr_mode,
        demo=demo,
        ticks=ticks,
    )
