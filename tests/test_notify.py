"""systemd's notification protocol, checked against real AF_UNIX datagram sockets."""

import logging
import os
import socket
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.notify import Notifier

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """systemd's end: a datagram socket bound at a path, as in ``$NOTIFY_SOCKET``."""
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        yield sock, path


def test_each_notification_is_one_datagram(server: tuple[socket.socket, str]) -> None:
    sock, path = server
    with Notifier.from_environ({"NOTIFY_SOCKET": path}) as notifier:
        assert notifier.enabled
        notifier.ready()
        notifier.ready("Siap\nmelayani")
        notifier.status("Data dari\r\n1 Mei 2025\n")
        notifier.watchdog()
        notifier.stopping()
    assert [sock.recv(4096) for _ in range(5)] == [
        b"READY=1",
        b"READY=1\nSTATUS=Siap melayani",
        b"STATUS=Data dari 1 Mei 2025",
        b"WATCHDOG=1",
        b"STOPPING=1",
    ]


def test_an_abstract_socket_is_named_with_an_at_sign() -> None:
    name = f"kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        with Notifier.from_environ({"NOTIFY_SOCKET": "@" + name}) as notifier:
            notifier.ready("ok")
        assert sock.recv(4096) == b"READY=1\nSTATUS=ok"


@pytest.mark.parametrize(
    ("environ", "interval"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "nonsense"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_the_watchdog_interval_is_half_the_timeout_for_this_process_only(
    environ: dict[str, str], interval: float | None
) -> None:
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": "/run/systemd/notify", **environ})
    assert notifier.watchdog_interval == interval


def test_without_a_notify_socket_nothing_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_socket(*args: object) -> socket.socket:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", no_socket)
    notifier = Notifier.from_environ({"WATCHDOG_USEC": "30000000"})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    notifier.ready("ok")
    notifier.status("ok")
    notifier.watchdog()
    notifier.stopping()
    notifier.close()


@pytest.mark.parametrize("gone", ["closed", "unlinked"])
def test_a_vanished_socket_warns_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, gone: str
) -> None:
    path = tmp_path / "notify"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    with Notifier(str(path), 2_000_000) as notifier:
        notifier.ready()
        assert server.recv(4096) == b"READY=1"
        server.close()  # A bound path without a reader: ECONNREFUSED.
        if gone == "unlinked":
            path.unlink()  # ENOENT.
        with caplog.at_level(logging.WARNING, logger="kiosk.notify"):
            for _ in range(5):
                notifier.watchdog()
            notifier.status("still serving")
            notifier.stopping()
    warnings = [r for r in caplog.records if r.name == "kiosk.notify"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert str(path) in warnings[0].getMessage()


def test_a_new_outage_warns_again_after_a_notification_got_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "notify"
    with Notifier(str(path)) as notifier, caplog.at_level(logging.WARNING, "kiosk.notify"):
        notifier.watchdog()
        notifier.watchdog()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
            server.bind(str(path))
            notifier.watchdog()
            assert server.recv(4096) == b"WATCHDOG=1"
        path.unlink()
        notifier.watchdog()
    assert len([r for r in caplog.records if r.name == "kiosk.notify"]) == 2


def test_notifications_cross_processes_with_the_senders_credentials(
    server: tuple[socket.socket, str],
) -> None:
    """As systemd reads them: it attributes each datagram to the sending process's pid."""
    sock, path = server
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    code = (
        "import os\n"
        "from kiosk.notify import Notifier\n"
        "with Notifier.from_environ(os.environ) as notifier:\n"
        "    notifier.ready('child ready')\n"
        "    notifier.stopping()\n"
    )
    env = {**os.environ, "NOTIFY_SOCKET": path, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    assert child.wait(timeout=30) == 0
    ucred = struct.Struct("3i")
    received = []
    for _ in range(2):
        data, ancillary, _flags, _address = sock.recvmsg(4096, socket.CMSG_SPACE(ucred.size))
        [(level, kind, cred)] = ancillary
        assert (level, kind) == (socket.SOL_SOCKET, socket.SCM_CREDENTIALS)
        pid, _uid, _gid = ucred.unpack(cred)
        assert pid == child.pid
        received.append(data)
    assert received == [b"READY=1\nSTATUS=child ready", b"STOPPING=1"]
