"""Building the App from a config: ``kiosk run``, ``kiosk demo`` and the benchmark.

Tests build :class:`KioskApp` directly around a service of their own (a
temporary cache, a fixed clock) and take the QR mode from :func:`kiosk.layout.qr_mode`.
"""

import os
from collections.abc import Mapping

from kiosk.banner import Banner
from kiosk.clock import Clock, system_clock
from kiosk.config import Config
from kiosk.layout import on_linux_console, qr_mode
from kiosk.maintenance import Maintenance
from kiosk.notify import Notifier
from kiosk.schedule import SyncSchedule
from kiosk.serving import KioskService
from kiosk.speech import Speaker
from screens.app import KioskApp


def build_app(
    config: Config,
    environ: Mapping[str, str] = os.environ,
    *,
    banner: Banner | None = None,
    background_sync: bool = True,
    clock: Clock = system_clock,
) -> KioskApp:
    """``background_sync`` off: the benchmark measures members' steps, not a sync beside them."""
    console = on_linux_console(environ.get("TERM", ""))
    service = KioskService.from_config(config, environ, clock)
    return KioskApp(
        service,
        Maintenance.from_config(config, environ, service),
        console=console,
        qr_mode=qr_mode(config.screen.qr_mode, console),
        banner=banner,
        notifier=Notifier.from_environ(environ),
        schedule=SyncSchedule(config.feed.sync_interval) if background_sync else None,
        speaker=Speaker.from_config(config, environ),
    )
