"""``kiosk run`` as systemd runs it: a real process on a pty, stopped by SIGTERM."""

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.clock import system_clock
from kiosk.i18n import msg
from kiosk.keys import CREDENTIAL_NAME, ENV_VAR, write_new_key
from tests.kiosk_ui import CARD_KEY, build_kiosk

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
"""What a terminal application sends last to give the screen back."""


def installed_kiosk(directory: Path) -> Path:
    """A kiosk whose data is fresh by the clock its process will read: the system's."""
    key = write_new_key(directory / "master.key")
    build_kiosk(directory, key, synced=system_clock() - timedelta(hours=2))
    trust = directory / "trust"
    trust.mkdir()
    public = CARD_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    (trust / "card-public.pem").write_bytes(public)
    config = directory / "kiosk.toml"
    config.write_text(
        '[cache]\npath = "cache.db"\n[keys]\nmaster_key_file = "master.key"\n'
        '[feed]\ntrust_dir = "trust"\n'
    )
    return config


def read_until(fd: int, wanted: bytes, seconds: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


Running = tuple["subprocess.Popen[bytes]", int]
"""A process on a pty, and the terminal's other end."""


def start_kiosk(config: Path, *options: str, **environ: str) -> AbstractContextManager[Running]:
    """``kiosk run`` on a 100x30 pty, as on tty1."""
    return start_command(["run", "--config", str(config), *options], **environ)


@contextmanager
def start_command(argv: list[str], **environ: str) -> Iterator[Running]:
    """``kiosk ARGV...`` on a 100x30 pty; afterwards the terminal is closed, and the process
    killed if a failing test left it running."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30", **environ}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", *argv],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        yield process, controller
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


def terminate(process: "subprocess.Popen[bytes]", fd: int, seconds: float = 10) -> bytes:
    """SIGTERM, then read the terminal until the process has ended: a kiosk whose last
    screen output nobody reads would block writing it, as on a pty left unread."""
    process.send_signal(signal.SIGTERM)
    seen = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 65536)
                continue
            except OSError:
                pass  # The other end closed: the process has gone.
        if process.poll() is not None:
            break
    return seen + read_until(fd, LEAVE_ALT_SCREEN, 0.2 if LEAVE_ALT_SCREEN in seen else 2)


def test_sigterm_ends_the_kiosk_cleanly_and_gives_the_terminal_back(tmp_path: Path) -> None:
    with start_kiosk(installed_kiosk(tmp_path)) as (process, controller):
        drawn = read_until(controller, b"Selamat datang", 20)
        assert b"Selamat datang" in drawn, drawn[-500:]
        rest = terminate(process, controller)
        assert process.wait(timeout=1) == 0
        assert LEAVE_ALT_SCREEN in drawn + rest
        assert b"Traceback" not in drawn + rest
    log = (tmp_path / "kiosk-ui.log").read_text()
    assert "stopping on signal" in log


def test_kiosk_demo_builds_then_becomes_the_real_kiosk_with_its_banner(tmp_path: Path) -> None:
    """What ``make demo`` runs: the builder execs ``kiosk run --banner``, in the same process."""
    demo = tmp_path / "demo"
    with start_command(["demo", "--dir", str(demo), "--members", "60"]) as (process, controller):
        drawn = read_until(controller, b"Selamat datang", 90)
        assert b"Selamat datang" in drawn, drawn[-500:]
        assert b"PIN 246810" in drawn  # the banner, read from demo/kiosk/banner.json
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert command[2:5] == [b"kiosk", b"run", b"--config"]
        terminate(process, controller)
        assert process.wait(timeout=10) == 0


def test_without_a_key_the_kiosk_says_it_is_out_of_service_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As under kiosk.service with its credential gone: no key file, no $CREDENTIALS_DIRECTORY."""
    config = installed_kiosk(tmp_path)
    config.write_text(config.read_text().replace('master_key_file = "master.key"\n', ""))
    for name in ("CREDENTIALS_DIRECTORY", ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    with start_kiosk(config) as (process, controller):
        title = msg("ui.out_of_service.title").text("id").encode()
        drawn = read_until(controller, CREDENTIAL_NAME.encode(), 20)
        assert title in drawn, drawn[-500:]
        assert CREDENTIAL_NAME.encode() in drawn
        rest = terminate(process, controller)
        assert process.wait(timeout=1) == 0
        assert b"Traceback" not in drawn + rest
