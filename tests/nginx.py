"""A real nginx on 127.0.0.1 serving a feed through the shipped ``deploy/nginx/kiosk-feed.conf``.

The test renders that very file, the way its header tells an operator to, and
includes it in a minimal main configuration of its own: a master process run by
the current user, on a free port, with its pid, logs and temporary files under
the test's directory. Nothing of a system nginx is used or started.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "kiosk-feed.conf"
FEED_ROOT = "@FEED_ROOT@"
LISTEN = "@LISTEN@"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
"""Seconds an nginx may take to open its port; a guard against a hang, not a measure."""
READY = "start worker process"
"""nginx logs this (at notice) once its listening sockets are open."""
BUSY_PORT = "Address already in use"

MAIN_CONFIG = """\
{user}worker_processes 1;
error_log stderr notice;
events {{
    worker_connections 64;
}}
http {{
    # As careless as an operator's http block may be: the shipped server block must undo it.
    gzip on;
    gzip_types *;
    gzip_min_length 1;
    autoindex on;
    access_log {directory}/access.log;
    client_body_temp_path {directory}/temp/body;
    proxy_temp_path {directory}/temp/proxy;
    fastcgi_temp_path {directory}/temp/fastcgi;
    uwsgi_temp_path {directory}/temp/uwsgi;
    scgi_temp_path {directory}/temp/scgi;
    include {directory}/kiosk-feed.conf;
}}
"""
"""What the shipped file leaves to nginx.conf, every path under the test's directory."""


def nginx_program() -> str:
    """The nginx binary, or a skip on a developer's machine without one; CI installs it, so
    there it fails. Debian puts it in /usr/sbin, which a user's PATH may lack."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which("nginx", path=search)
    if found is None:
        reason = "nginx is missing (Debian: apt-get install nginx)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def render(root: Path, listen: str) -> str:
    """The shipped configuration with its two placeholders replaced, as its sed line does."""
    text = SHIPPED.read_text(encoding="utf-8")
    for placeholder in (FEED_ROOT, LISTEN):
        if placeholder not in text:
            raise ValueError(f"{SHIPPED} lost its placeholder {placeholder}")
    return text.replace(FEED_ROOT, str(root)).replace(LISTEN, listen)


@dataclass
class Nginx:
    """A running nginx master process and what it wrote."""

    process: subprocess.Popen[str]
    port: int
    directory: Path
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The feed's base URL, as a kiosk's ``feed.source`` names it."""
        return f"http://{HOST}:{self.port}/"

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    def requests(self) -> list[str]:
        """Each request line the access log holds so far, with its status: ``GET /x 200``."""
        lines = []
        for line in self.access_log.read_text().splitlines():
            _, request, after = line.split('"', 2)
            method, path, _ = request.split(" ")
            lines.append(f"{method} {path} {after.split()[0]}")
        return lines


@contextlib.contextmanager
def running_nginx(root: Path, directory: Path) -> Iterator[Nginx]:
    """nginx serving ``root`` (a feed's repository/) on a free port of 127.0.0.1 until the
    block ends. A port taken between choosing and binding it is chosen again."""
    program = nginx_program()
    directory.mkdir(parents=True)
    (directory / "temp").mkdir()
    # As root, nginx would run its workers as nobody, who cannot enter pytest's 0700 tmp_path.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(MAIN_CONFIG.format(user=user, directory=directory))
    for _ in range(3):
        port = _free_port()
        (directory / "kiosk-feed.conf").write_text(render(root, f"{HOST}:{port}"))
        server = _start(program, directory, port)
        if server is not None:
            break
    else:
        pytest.fail("no free port for nginx after three tries")
    try:
        yield server
    finally:
        _stop(server.process)


def _start(program: str, directory: Path, port: int) -> Nginx | None:
    """A started nginx, or None if its port was taken meanwhile; any other failure fails."""
    command = [
        program,
        "-e",
        "stderr",
        "-p",
        str(directory),
        "-c",
        str(directory / "nginx.conf"),
        "-g",
        f"daemon off; pid {directory / 'nginx.pid'};",
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Nginx(process, port, directory)
    ready = threading.Event()
    reader = threading.Thread(target=_read, args=(server, ready), daemon=True)
    reader.start()
    if not ready.wait(START_TIMEOUT):
        _stop(process)
        pytest.fail("nginx did not start:\n" + "".join(server.output))
    if process.poll() is None and any(READY in line for line in server.output):
        return server
    _stop(process)
    reader.join()
    if any(BUSY_PORT in line for line in server.output):
        return None
    pytest.fail("nginx did not start:\n" + "".join(server.output))


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM, which the master passes on to its workers; SIGKILL only if it hangs, since a
    killed master leaves its worker behind."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _read(server: Nginx, ready: threading.Event) -> None:
    """Keep nginx's standard error; ``ready`` once it listens, or once it has exited."""
    assert server.process.stderr is not None
    for line in server.process.stderr:
        server.output.append(line)
        if READY in line:
            ready.set()
    ready.set()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port
