"""``kiosk run`` as systemd runs it: a real process on a pty, stopped by SIGTERM."""

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.keys import write_new_key
from tests.kiosk_ui import CARD_KEY, build_kiosk

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
"""What a terminal application sends last to give the screen back."""


def installed_kiosk(directory: Path) -> Path:
    key = write_new_key(directory / "master.key")
    build_kiosk(directory, key)
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


def test_sigterm_ends_the_kiosk_cleanly_and_gives_the_terminal_back(tmp_path: Path) -> None:
    config = installed_kiosk(tmp_path)
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        drawn = read_until(controller, b"Selamat datang", 20)
        assert b"Selamat datang" in drawn, drawn[-500:]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        rest = read_until(controller, LEAVE_ALT_SCREEN, 2)
        assert LEAVE_ALT_SCREEN in drawn + rest
        assert b"Traceback" not in drawn + rest
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    log = (tmp_path / "kiosk-ui.log").read_text()
    assert "stopping on signal" in log
