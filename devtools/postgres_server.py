"""A throwaway PostgreSQL server: ``initdb`` and ``pg_ctl`` from Debian's package.

The tests (``tests/postgres.py``) and the publish benchmark each start one of
their own. The cluster lives in a directory of its own and listens only on a
unix socket there (no port to collide with another worker or a system server);
it takes passwords (SCRAM), so that a test can get one wrong. PostgreSQL
refuses to run as root, so under root (CI) the server runs as the ``postgres``
user the package creates (or ``nobody``), in a directory made theirs. Durability
is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): what runs on it
is the publisher and the tests, never a measure of PostgreSQL itself.
"""

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

USER = "kiosk"
"""The cluster's superuser, the only role the tests and the benchmark use."""
FAST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"""What the cluster gives up for speed: nothing on it has to survive a crash."""


class NoServerUser(RuntimeError):
    """Running as root, with no user PostgreSQL would run as."""


def postgres_bin() -> Path | None:
    """Debian's newest server binaries, or None on a machine without them."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version)
    return found[-1].parent if found else None


def _version(path: Path) -> int:
    name = path.parents[1].name
    return int(name) if name.isdigit() else 0


@dataclass(frozen=True)
class Server:
    root: Path
    password: str
    bin: Path
    runas: str | None
    """Who runs the server when we run as root."""

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str, *, password: str | None = None) -> str:
        secret = quote(self.password if password is None else password, safe="")
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{USER}:{secret}@/{database}?host={host}"

    def passfile_url(self, database: str) -> str:
        """The URL without its password, which a password file beside the cluster holds:
        a command line naming it, and so a child's failure quoting it, shows none."""
        passfile = self.root / "pgpass"
        passfile.touch(mode=0o600)
        passfile.write_text(f"*:*:*:{USER}:{self.password}\n")
        host = quote(str(self.socket_dir), safe="")
        where = quote(str(passfile), safe="")
        return f"postgresql://{USER}@/{database}?host={host}&passfile={where}"

    @contextmanager
    def connect(self, database: str, **options: Any) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.url(database), **options) as connection:
            yield connection

    def new_database(self) -> str:
        """A new, empty database's name."""
        name = f"t_{secrets.token_hex(6)}"
        with self.connect("postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def _run(self, *argv: str) -> None:
        command = list(argv)
        if self.runas is not None:
            command = ["runuser", "-u", self.runas, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 - the package's binaries

    def start(self) -> None:
        data = self.root / "data"
        password_file = self.root / "password"
        password_file.write_text(self.password)
        self.socket_dir.mkdir()
        if self.runas is not None:
            user = pwd.getpwnam(self.runas)
            for path in (self.root, self.socket_dir, password_file):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(data),
            "--username",
            USER,
            "--pwfile",
            str(password_file),
            "--auth",
            "scram-sha-256",
            "--no-sync",
            "--no-instructions",
        )
        options = f"-k {self.socket_dir} -c listen_addresses='' {FAST_SETTINGS}"
        self._run(
            str(self.bin / "pg_ctl"),
            "--pgdata",
            str(data),
            "--options",
            options,
            "--log",
            str(self.root / "server.log"),
            "--wait",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "--pgdata", str(self.root / "data"), "-m", "fast", "stop"
        )


def server_user() -> str | None:
    """Who runs the server: None unless we are root, then ``postgres`` or ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise NoServerUser("running as root, with neither a postgres nor a nobody user")


@contextmanager
def running_server(binaries: Path, directory: Path) -> Iterator[Server]:
    """A server started in ``directory/postgres``, stopped afterwards.

    Under root the cluster cannot live under a directory only root may enter
    (pytest's, or a benchmark's temporary one): it gets a directory of its own
    in /tmp, handed to the server's user and removed afterwards.
    """
    runas = server_user()
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-")) if runas else directory / "postgres"
    root.mkdir(exist_ok=True)
    server = Server(root, secrets.token_urlsafe(12), binaries, runas)
    try:
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        if runas:
            shutil.rmtree(root, ignore_errors=True)
