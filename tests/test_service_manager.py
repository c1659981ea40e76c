"""The kiosk as systemd sees it: READY, WATCHDOG and STATUS datagrams on a real socket,
pings that stop when the event loop hangs, and a background sync that fails without
stopping members being served."""

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central.serve import make_server
from devtools.demo import build_demo
from kiosk.audit import Audit, Event
from kiosk.clock import system_clock
from kiosk.config import load_config
from kiosk.notify import Notifier
from kiosk.schedule import SYNC_NOW, SyncSchedule, hold_sync_now, sync_now_was_held
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
from tests.notify_socket import Listener, listening
from tests.screen_image import screen_text
from tests.sites import Site, serving
from tests.test_run import LEAVE_ALT_SCREEN, installed_kiosk, read_until, start_kiosk, terminate

WATCHDOG_USEC = 400_000
"""A 0.4 s watchdog: the App pings every 0.2 s."""


PING = "WATCHDOG=1"


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    with listening(tmp_path / "notify.sock") as found:
        yield found


def use_source(site: Site, source: str, *settings: str) -> None:
    """The site's kiosk pointed at another feed ``source``, with more ``[feed]`` settings."""
    lines = site.config.read_text().splitlines()
    replaced = "\n".join([f'source = "{source}"', *settings])
    site.config.write_text(
        "\n".join(replaced if line.startswith("source =") else line for line in lines) + "\n"
    )


@pytest.fixture(autouse=True)
def _wib() -> Iterator[None]:
    yield from local_time_is_wib()


def test_the_running_kiosk_says_ready_pings_and_stops_cleanly(
    tmp_path: Path, listener: Listener
) -> None:
    with start_kiosk(
        installed_kiosk(tmp_path),
        NOTIFY_SOCKET=str(listener.path),
        WATCHDOG_USEC=str(WATCHDOG_USEC),
    ) as (process, controller):
        drawn = read_until(controller, b"Selamat datang", 20)
        ready = listener.wait_for("READY=1")
        assert ready.startswith("READY=1\nSTATUS=serving; data of ")
        assert "last background sync: none yet" in ready
        listener.wait_for_count(PING, 3)
        rest = terminate(process, controller)
        assert process.wait(timeout=1) == 0
        assert LEAVE_ALT_SCREEN in drawn + rest
        listener.wait_for("STOPPING=1")
    assert all("NIK" not in text for text in listener.messages())


def test_the_sync_now_signal_has_the_running_kiosk_sync_at_once(
    tmp_path: Path, listener: Listener
) -> None:
    """The README's SYNC_NOW_COMMAND: the sync comes now, not 48-72 s after start."""
    site = Site(tmp_path / "site")
    build_demo(site.root, 20, datetime.now(UTC), sync=False)
    with start_kiosk(site.config, NOTIFY_SOCKET=str(listener.path)) as (process, controller):
        read_until(controller, b"BPJS", 20)
        ready = listener.wait_for("READY=1")
        assert "never synced; last background sync: none yet" in ready
        process.send_signal(SYNC_NOW)
        listener.wait_for("last background sync: ok, sequence 1")
        serving = listener.wait_for("STATUS=serving; data of ")
        assert "last background sync: ok, sequence 1" in serving
        read_until(controller, b"Selamat datang", 20)
        terminate(process, controller)
        assert process.wait(timeout=1) == 0
    audit = Audit.from_config(load_config(site.config), system_clock)
    syncs = [e.detail for e in audit.since(None) if e.event == Event.SYNC.value]
    assert any(detail.startswith("trigger=signal ") for detail in syncs), syncs


def test_sync_now_sent_while_the_kiosk_starts_is_kept_for_when_it_listens(tmp_path: Path) -> None:
    """Before the app listens, SIGUSR1's default action would end the kiosk; an operator may
    send it the moment a stick is in, as the kiosk boots. It is held, then honoured."""
    site = Site(tmp_path / "site")
    build_demo(site.root, 20, datetime.now(UTC), sync=False)
    try:
        hold_sync_now()
        os.kill(os.getpid(), SYNC_NOW)
        assert sync_now_was_held()
        app = build_app(load_config(site.config), {})
        assert app.schedule is not None
        assert app.schedule.first() > 30

        async def scenario() -> None:
            async with app.run_test(size=(100, 30)) as pilot:
                await wait_until(pilot, lambda: app.last_sync.startswith("ok, sequence 1"))

        asyncio.run(scenario())
    finally:
        signal.signal(SYNC_NOW, signal.SIG_DFL)
    audit = Audit.from_config(load_config(site.config), system_clock)
    syncs = [e.detail for e in audit.since(None) if e.event == Event.SYNC.value]
    assert [detail.split()[0] for detail in syncs] == ["trigger=signal"]


def test_a_stop_does_not_wait_for_a_sync_held_by_a_hung_server(
    tmp_path: Path, listener: Listener
) -> None:
    """A sync can take minutes (a big feed, a server that answers nothing); systemd gives a
    stop 15 s, then SIGKILLs the kiosk and counts a failure. The kiosk leaves the sync at once."""
    site = Site(tmp_path / "site")
    build_demo(site.root, 20, datetime.now(UTC), sync=True)
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        hung.settimeout(20)
        port = hung.getsockname()[1]
        use_source(site, f"http://127.0.0.1:{port}/", "timeout_seconds = 300")
        with start_kiosk(site.config, NOTIFY_SOCKET=str(listener.path)) as (process, controller):
            listener.wait_for("READY=1")
            process.send_signal(SYNC_NOW)
            connection, _ = hung.accept()  # The sync waits on it, for up to 300 s.
            with connection:
                rest = terminate(process, controller, seconds=60)
                assert process.poll() == 0
        assert LEAVE_ALT_SCREEN in rest
    listener.wait_for("STOPPING=1")


def test_watchdog_pings_stop_while_the_event_loop_is_blocked(
    tmp_path: Path, listener: Listener
) -> None:
    """The pings come from the event loop itself: a hung UI falls silent and systemd sees it."""
    kiosk = build_kiosk(tmp_path, new_key())
    app = kiosk.app(notifier=Notifier(str(listener.path), WATCHDOG_USEC))
    timeout = WATCHDOG_USEC / 1_000_000
    hung: list[float] = []

    def hang(start: str) -> None:
        """Block the event loop, as a stuck UI would, until systemd would have given up on it:
        the listener has had the mark sent as the hang began, then twice the watchdog timeout
        went by (a ping from anywhere but the loop would have come in that time)."""
        began = time.monotonic()
        while True:
            arrived = listener.arrival(start)
            if arrived is not None and time.monotonic() - arrived >= 2 * timeout:
                break
            assert time.monotonic() - began < 20, f"the listener never got {start!r}"
            time.sleep(0.01)
        hung.append(time.monotonic() - began)

    async def scenario() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await wait_until(pilot, lambda: listener.messages().count(PING) >= 2)
            start = listener.mark("hang-start")
            hang(start)
            end = listener.mark("hang-end")
            await wait_until(pilot, lambda: listener.after(end).count(PING) >= 2)

    asyncio.run(scenario())
    messages = listener.messages()
    before = messages[: messages.index("TEST=hang-start")]
    assert before.count(PING) >= 2, messages
    assert listener.between("TEST=hang-start", "TEST=hang-end") == [], messages
    assert listener.after("TEST=hang-end").count(PING) >= 2, messages
    assert hung[0] >= 2 * timeout


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
    # The first sync may fail before the cache is open ("starting"); a later one was seen serving.
    serving = "STATUS=serving; data of 2026-11-24 01:00 UTC"
    listener.wait_for(f"{serving}; last background sync: failed (sync.unreachable)")
    audit = Audit.from_config(_config_of(kiosk), kiosk.clock)
    syncs = [e for e in audit.since(None) if e.event == Event.SYNC.value]
    assert len(syncs) >= 2
    failed = ("failed", "trigger=timer error=sync.unreachable")
    assert {(e.outcome, e.detail) for e in syncs} == {failed}


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
    use_source(site, f"http://127.0.0.1:{port}/")
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
            assert "Sinkron: sudah terbaru (otomatis: urutan 1)" in shown
            assert "Sinkron: gagal (otomatis - Sumber feed tidak dapat dihubungi" in shown

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
