"""The kiosk as systemd sees it: READY, WATCHDOG and STATUS datagrams on a real socket,
pings that stop when the event loop hangs, and a background sync that fails without
stopping members being served."""

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.audit import Audit, Event
from kiosk.central.serve import make_server
from kiosk.config import load_config
from kiosk.demo import build_demo
from kiosk.notify import Notifier
from kiosk.schedule import SyncSchedule
from screens.factory import build_app
from screens.maintenance import MaintenanceScreen
from screens.status import StatusScreen
from screens.welcome import WelcomeScreen
from tests.conftest import new_key
from tests.kiosk_ui import (
    Kiosk,
    build_kiosk,
    local_time_is_wib,
    reach_status,
    settle,
    wait_until,
)
from tests.screen_image import screen_text
from tests.sites import Site, serving
from tests.test_run import LEAVE_ALT_SCREEN, installed_kiosk, read_until, start_kiosk, terminate

WATCHDOG_USEC = 400_000
"""A 0.4 s watchdog: the App pings every 0.2 s."""


@dataclass
class Listener:
    """systemd's side of ``$NOTIFY_SOCKET``: every datagram with the time it arrived."""

    path: Path
    sock: socket.socket
    received: list[tuple[float, str]] = field(default_factory=list)

    def run(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            self.received.append((time.monotonic(), data.decode()))

    def messages(self) -> list[str]:
        return [text for _, text in self.received]

    def wait_for(self, wanted: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for text in self.messages():
                if wanted in text:
                    return text
            time.sleep(0.02)
        raise AssertionError(f"no {wanted!r} in {self.messages()}")


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    found = Listener(path, sock)
    thread = threading.Thread(target=found.run, daemon=True)
    thread.start()
    yield found
    sock.close()
    thread.join(timeout=2)


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    yield from local_time_is_wib()


def test_the_running_kiosk_says_ready_pings_and_stops_cleanly(
    tmp_path: Path, listener: Listener
) -> None:
    process, controller = start_kiosk(
        installed_kiosk(tmp_path),
        NOTIFY_SOCKET=str(listener.path),
        WATCHDOG_USEC=str(WATCHDOG_USEC),
    )
    try:
        drawn = read_until(controller, b"Selamat datang", 20)
        ready = listener.wait_for("READY=1")
        assert ready.startswith("READY=1\nSTATUS=serving; data of ")
        assert "last background sync: none yet" in ready
        time.sleep(1.0)
        pings = [at for at, text in listener.received if text == "WATCHDOG=1"]
        assert len(pings) >= 3, listener.messages()
        rest = terminate(process, controller)
        assert process.wait(timeout=1) == 0
        assert LEAVE_ALT_SCREEN in drawn + rest
        listener.wait_for("STOPPING=1")
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert all("NIK" not in text for text in listener.messages())


def test_watchdog_pings_stop_while_the_event_loop_is_blocked(
    tmp_path: Path, listener: Listener
) -> None:
    kiosk = build_kiosk(tmp_path, new_key())
    app = kiosk.app(notifier=Notifier(str(listener.path), WATCHDOG_USEC))
    window: list[float] = []

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.pause(0.6)
            window.append(time.monotonic())
            time.sleep(1.5)  # The event loop itself hangs here, as a stuck UI would.
            window.append(time.monotonic())
            await pilot.pause(0.6)

    asyncio.run(scenario())
    start, end = window
    pings = [at for at, text in listener.received if text == "WATCHDOG=1"]
    before = [at for at in pings if at < start]
    during = [at for at in pings if start + 0.05 < at < end]
    after = [at for at in pings if at > end]
    assert len(before) >= 2, pings
    assert during == []
    assert len(after) >= 2, pings


# The background sync ------------------------------------------------------------------


def test_a_failing_background_sync_leaves_members_served_and_says_so(
    tmp_path: Path, listener: Listener
) -> None:
    kiosk = build_kiosk(tmp_path, new_key())
    schedule = SyncSchedule(timedelta(seconds=0.2))
    app = kiosk.app(notifier=Notifier(str(listener.path)), schedule=schedule)
    person = kiosk.people["active"]

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await reach_status(pilot, person)
            assert isinstance(app.screen, StatusScreen)
            await wait_until(pilot, lambda: schedule.failures >= 2)
            assert isinstance(app.screen, StatusScreen)
            assert person.member.name in screen_text(app)
            assert app.last_sync.startswith("failed (sync.unreachable)")

    asyncio.run(scenario())
    status = listener.wait_for("last background sync: failed (sync.unreachable)")
    assert status.startswith("STATUS=serving; data of 2026-11-24 01:00 UTC")
    audit = Audit.from_config(_config_of(kiosk), kiosk.clock)
    syncs = [e for e in audit.since(None) if e.event == Event.SYNC.value]
    assert len(syncs) >= 2
    assert {(e.outcome, e.detail) for e in syncs} == {("failed", "timer: sync.unreachable")}


def _config_of(kiosk: Kiosk) -> Any:
    config = kiosk.path.parent / "kiosk.toml"
    config.write_text(f'[cache]\npath = "{kiosk.path.name}"\n')
    return load_config(config)


def test_background_sync_recovers_when_the_feed_server_comes_back(
    tmp_path: Path, listener: Listener
) -> None:
    """Server down: the failure shows in STATUS= and the maintenance screen; back up: synced."""
    site = Site(tmp_path / "site")
    build_demo(site.root, 100, datetime.now(UTC), sync=True)
    with serving(site.feed) as server:
        port = server.server_address[1]
    text = site.config.read_text()
    site.config.write_text(
        "\n".join(
            f'source = "http://127.0.0.1:{port}/"' if line.startswith("source =") else line
            for line in text.splitlines()
        )
        + "\n"
    )
    config = load_config(site.config)
    app = build_app(config, {"NOTIFY_SOCKET": str(listener.path)})
    app.schedule = schedule = SyncSchedule(timedelta(seconds=0.3))

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)
            await wait_until(pilot, lambda: schedule.failures >= 1)
            assert app.last_sync.startswith("failed (sync.unreachable)")
            assert isinstance(app.screen, WelcomeScreen)
            with serving_on(site, port):
                await wait_until(pilot, lambda: app.last_sync.startswith("ok"))
            assert schedule.failures == 0
            await pilot.press("f12", *"246810", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, MaintenanceScreen))
            screen = app.screen
            assert isinstance(screen, MaintenanceScreen)
            await wait_until(pilot, lambda: screen.kiosk_state is not None)
            shown = " ".join(screen_text(app).split())
            assert "sync current timer: sequence 1" in shown
            assert "sync failed timer: sync.unreachable" in shown

    asyncio.run(scenario())
    listener.wait_for("last background sync: failed (sync.unreachable)")
    listener.wait_for("last background sync: ok, sequence 1")


@contextlib.contextmanager
def serving_on(site: Site, port: int) -> Iterator[None]:
    """The feed server again, on the port the kiosk was configured with."""
    server = make_server(site.feed, port=port)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
