"""The kiosk survives kiosk.service's sandbox: proven on a real ``kiosk run`` and ``kiosk sync``.

systemd is not PID 1 where the tests run, so :mod:`tests.sandbox` rebuilds the
directives that could break the kiosk (MemoryDenyWriteExecute=,
SystemCallFilter=, RestrictAddressFamilies=, the read-only file system, the
credentials directory) around a child process, from the unit file itself. In
each, a member is looked up on a pseudo-terminal as at the kiosk, and the kiosk
ends with 0 on SIGTERM; a probe in the same sandbox shows that the restriction
really bites, by what it refuses there and not outside.
"""

import ctypes
import errno
import json
import os
import pty
import shlex
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from central.repository import FeedLayout
from devtools.demo import build_demo, read_members
from kiosk.cache import Cache
from kiosk.feed.trust import FLEET_CREDENTIAL, FLEET_KEY_FILE
from kiosk.i18n import msg
from kiosk.keys import CREDENTIAL_NAME, read_credential, read_key_file, write_new_key
from tests.sandbox import (
    Sandbox,
    allowed_syscalls,
    probe_command,
    python_paths,
    service_directives,
    syscall_groups,
    unit_sandbox,
)
from tests.sites import contents_of, expected_contents, serving
from tests.test_run import LEAVE_ALT_SCREEN, read_until
from tests.test_systemd_unit import systemd_analyze

MEMBERS = 200
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
"""The PATH systemd gives a service."""
SERVICE_HOME = "/nonexistent"
"""The kiosk user's home (``useradd --home-dir /nonexistent``): there is none to read."""
PR_GET_MDWE = 66
STATUS = ("CapEff", "CapPrm", "NoNewPrivs")
"""Probe lines that report rather than try: from /proc/self/status."""


@dataclass(frozen=True)
class Member:
    nik: str
    mother: str
    name: str


@dataclass(frozen=True)
class Installed:
    """A kiosk laid out as the unit expects: config and trust read-only, keys as credentials."""

    root: Path
    member: Member
    """Someone in its cache, to look up."""

    @property
    def etc(self) -> Path:
        """/etc/kiosk"""
        return self.root / "etc"

    @property
    def state(self) -> Path:
        """/var/lib/kiosk (StateDirectory=)"""
        return self.root / "state"

    @property
    def logs(self) -> Path:
        """/var/log/kiosk (LogsDirectory=)"""
        return self.root / "logs"

    @property
    def credentials(self) -> Path:
        """$CREDENTIALS_DIRECTORY as systemd 252 fills it: files 0400 in a directory 0500."""
        return self.root / "credentials"

    @property
    def config(self) -> Path:
        return self.etc / "kiosk.toml"

    @property
    def demo(self) -> Path:
        """The central side: members.csv and the feed, which the kiosk only reads."""
        return self.root / "demo"

    @property
    def feed(self) -> FeedLayout:
        return FeedLayout(self.demo / "feed")

    def environment(self, *, credentials: bool = True) -> dict[str, str]:
        """What systemd sets for the kiosk: the unit's Environment= and its directories."""
        assignments = " ".join(service_directives()["Environment"])
        unit = dict(word.split("=", 1) for word in shlex.split(assignments))
        return {
            "PATH": SYSTEMD_PATH,
            "HOME": SERVICE_HOME,
            "LANG": "C.UTF-8",
            "COLUMNS": "100",
            "LINES": "30",
            "STATE_DIRECTORY": str(self.state),
            "LOGS_DIRECTORY": str(self.logs),
            **({"CREDENTIALS_DIRECTORY": str(self.credentials)} if credentials else {}),
            **unit,
        }

    def sandbox(self, groups: dict[str, list[str]]) -> Sandbox:
        """All of the unit's sandbox at once: only the state and logs directories writable."""
        return unit_sandbox(
            service_directives(),
            groups,
            writable=(self.state, self.logs),
            keep=(self.root, *python_paths()),
        )

    def forget_logs(self) -> None:
        for log in [*self.logs.iterdir(), *self.state.glob("*.log*")]:
            log.unlink()

    def logged_stop(self) -> bool:
        """The kiosk logged its stop, and so could write where the unit lets it."""
        logs = [*self.logs.glob("*.log*"), *self.state.glob("*.log*")]
        return any("stopping on signal" in log.read_text(errors="replace") for log in logs)


def install(root: Path, *, synced: bool) -> Installed:
    """The demo's kiosk with each part moved to where the unit puts it; the feed a directory."""
    demo = build_demo(root / "demo", MEMBERS, datetime.now(UTC), sync=synced)
    sample = demo.samples[0]
    names = {row["nik"]: row["name"] for row in read_members(demo.members_file)}
    installed = Installed(root, Member(sample.nik, sample.mother_name, names[sample.nik]))
    for directory in (installed.etc, installed.state, installed.logs, installed.credentials):
        directory.mkdir()
    kiosk = root / "demo" / "kiosk"
    (kiosk / "trust").rename(installed.etc / "trust")
    keys = {
        CREDENTIAL_NAME: kiosk / "master.key",
        FLEET_CREDENTIAL: installed.etc / "trust" / FLEET_KEY_FILE,
    }
    for name, key in keys.items():
        key.rename(installed.credentials / name)
        (installed.credentials / name).chmod(0o400)
    installed.credentials.chmod(0o500)
    if synced:
        (kiosk / "cache.db").rename(installed.state / "cache.db")
        (kiosk / "feed-work").rename(installed.state / "feed")
    paths = {
        "cache": installed.state / "cache.db",
        "source": installed.feed.repository,
        "trust": installed.etc / "trust",
        "work": installed.state / "feed",
    }
    quoted = {name: json.dumps(str(path)) for name, path in paths.items()}
    installed.config.write_text(
        'kiosk_id = "sandboxed"\n'
        f"[cache]\npath = {quoted['cache']}\n"
        f"[feed]\nsource = {quoted['source']}\ntrust_dir = {quoted['trust']}\n"
        f"work_dir = {quoted['work']}\n"
    )
    return installed


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """One kiosk for every run: each sandbox leaves only its state and logs writable."""
    return install(tmp_path_factory.mktemp("kiosk"), synced=True)


@pytest.fixture(scope="module")
def groups() -> dict[str, list[str]]:
    return syscall_groups(systemd_analyze())


@pytest.fixture
def as_root() -> None:
    """Mount namespaces need root (CAP_SYS_ADMIN); CI runs as root, so there this fails."""
    if os.geteuid() != 0:
        reason = "the read-only file system is rebuilt with mounts, which need root"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def kiosk_run(config: Path) -> list[str]:
    return [sys.executable, "-m", "kiosk", "run", "--config", str(config)]


def probe(sandbox: Sandbox | None, installed: Installed) -> dict[str, str]:
    """What a process can do in ``sandbox``, or (None) outside any."""
    command = probe_command(installed.etc, installed.state)
    result = subprocess.run(
        command if sandbox is None else sandbox.command(command),
        capture_output=True,
        text=True,
        check=True,
    )
    outcome: dict[str, str] = json.loads(result.stdout)
    return outcome


@pytest.fixture(scope="module")
def outside(synced: Installed) -> dict[str, str]:
    """The control: without a sandbox every probe succeeds, so a refusal is the sandbox's."""
    outcome = probe(None, synced)
    assert all(v == "ok" for k, v in outcome.items() if k not in STATUS), outcome
    return outcome


def refused(inside: dict[str, str], outside: dict[str, str]) -> dict[str, str]:
    """The probes the sandbox refuses, each with its errno name."""
    return {k: v for k, v in inside.items() if k not in STATUS and v != outside[k]}


def console_streams() -> tuple[bool, bool, bool]:
    """Which of standard input, output and error the unit connects to the console.

    The rest go elsewhere (the journal, say): here nowhere, so that a screen
    drawn on one of them is missed, as it would be on the kiosk.
    """
    directives = service_directives()
    connected: list[bool] = []
    for key in ("StandardInput", "StandardOutput", "StandardError"):
        (value,) = directives.get(key, ["inherit"])
        connected.append(value == "tty" or (value == "inherit" and connected[-1:] == [True]))
    return connected[0], connected[1], connected[2]


class Terminal:
    """A kiosk process on a pseudo-terminal, driven by keystrokes as a member drives it."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.controller, terminal = pty.openpty()
        stdin, stdout, stderr = (terminal if on else subprocess.DEVNULL for on in console_streams())
        self.process = subprocess.Popen(
            command,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=env,
            start_new_session=True,
        )
        os.close(terminal)
        self.screen = b""

    def expect(self, wanted: str, seconds: float = 20, *, pressing: bytes = b"") -> None:
        """Wait for ``wanted`` on screen, typing ``pressing`` again every half second meanwhile."""
        text, seen = wanted.encode(), b""
        deadline = time.monotonic() + seconds
        while text not in seen and time.monotonic() < deadline:
            if self.process.poll() is not None:
                seen += read_until(self.controller, text, 0.5)  # Its last words.
                break
            if pressing:
                os.write(self.controller, pressing)
            seen += read_until(self.controller, text, 0.5)
        self.screen += seen
        assert text in seen, self.screen[-1500:]

    def type(self, text: str) -> None:
        os.write(self.controller, text.encode())

    def stop(self) -> None:
        """SIGTERM, as systemd stops the unit: exit 0, the terminal given back, no traceback."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=10) == 0
        self.screen += read_until(self.controller, LEAVE_ALT_SCREEN, 2)
        assert LEAVE_ALT_SCREEN in self.screen
        assert b"Traceback" not in self.screen

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.controller)


@contextmanager
def on_terminal(command: list[str], env: dict[str, str]) -> Iterator[Terminal]:
    terminal = Terminal(command, env)
    try:
        yield terminal
    finally:
        terminal.close()


def serves_a_member(command: list[str], installed: Installed) -> None:
    """Welcome, NIK, mother's name, status; then a clean stop.

    The welcome screen is up before the kiosk opens its cache: only a member's
    status proves the key was read and the records found and decrypted.
    """
    member = installed.member
    with on_terminal(command, installed.environment()) as kiosk:
        kiosk.expect("Selamat datang")
        # Enter does nothing until the kiosk has checked that it may serve.
        kiosk.expect(msg("ui.nik.prompt").text("id"), pressing=b"\r")
        kiosk.type(member.nik + "\r")
        kiosk.expect(msg("ui.verify.prompt").text("id"))
        kiosk.type(member.mother + "\r")
        kiosk.expect(member.name)
        kiosk.stop()


def prctl_mdwe_exists() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(PR_GET_MDWE, 0, 0, 0, 0)) >= 0


def test_memory_deny_write_execute_as_systemd_252_applies_it(
    synced: Installed, outside: dict[str, str]
) -> None:
    """systemd 252 (Debian 12) uses seccomp: no W+X mmap, no mprotect adding PROT_EXEC.

    The stricter of the two forms: not even a page that was never writable may
    become executable. CPython, sqlite3, cryptography's Rust and Textual never ask.
    """
    sandbox = Sandbox(mdwe_seccomp=True)
    inside = probe(sandbox, synced)
    assert refused(inside, outside) == {"mmap_wx": "EPERM", "mprotect_x": "EPERM"}
    serves_a_member(sandbox.command(kiosk_run(synced.config)), synced)


def test_memory_deny_write_execute_as_newer_systemd_applies_it(
    synced: Installed, outside: dict[str, str]
) -> None:
    """systemd 256+ uses the kernel's PR_SET_MDWE (Linux 6.3+), seccomp on older kernels."""
    has_prctl = prctl_mdwe_exists()
    sandbox = Sandbox(mdwe_prctl=has_prctl, mdwe_seccomp=not has_prctl)
    error = "EACCES" if has_prctl else "EPERM"
    inside = probe(sandbox, synced)
    assert refused(inside, outside) == {"mmap_wx": error, "mprotect_x": error}
    serves_a_member(sandbox.command(kiosk_run(synced.config)), synced)


def test_the_units_seccomp_filters(
    synced: Installed, outside: dict[str, str], groups: dict[str, list[str]]
) -> None:
    """SystemCallFilter= (computed from the unit's lines, so it follows them),
    RestrictAddressFamilies=, RestrictNamespaces= (clone3() gone: threads start with clone())
    and LockPersonality=."""
    directives = service_directives()
    unit = unit_sandbox(directives, groups, writable=(), keep=())
    sandbox = Sandbox(
        syscalls=unit.syscalls,
        syscall_errno=unit.syscall_errno,
        address_families=unit.address_families,
        restrict_namespaces=True,
        lock_personality=True,
    )
    assert "sched_setaffinity" not in allowed_syscalls(directives["SystemCallFilter"], groups)
    inside = probe(sandbox, synced)
    assert refused(inside, outside) == {
        "sched_setaffinity": errno.errorcode[unit.syscall_errno],
        "netlink_socket": "EAFNOSUPPORT",
        "clone3": "ENOSYS",
        "personality": "EPERM",
    }
    serves_a_member(sandbox.command(kiosk_run(synced.config)), synced)


@pytest.mark.usefixtures("as_root")
def test_a_read_only_system_with_only_the_state_and_logs_writable(
    synced: Installed, outside: dict[str, str]
) -> None:
    """ProtectSystem=strict, ProtectHome=, PrivateTmp=, PrivateDevices=, ProtectProc=invisible,
    ProcSubset=pid: the kiosk writes nowhere but where the unit lets it."""
    sandbox = Sandbox(
        mounts=True,
        writable=(str(synced.state), str(synced.logs)),
        keep=tuple(str(path) for path in (synced.root, *python_paths())),
    )
    inside = probe(sandbox, synced)
    assert refused(inside, outside) == {"write_read_only": "EROFS", "proc_meminfo": "ENOENT"}
    synced.forget_logs()
    serves_a_member(sandbox.command(kiosk_run(synced.config)), synced)
    assert synced.logged_stop()


def test_without_the_credentials_directory_the_kiosk_has_no_key(synced: Installed) -> None:
    """The control for every test here: the config names no key file, so the key that
    served a member came from $CREDENTIALS_DIRECTORY."""
    assert "master_key_file" not in synced.config.read_text()
    assert not [*synced.etc.rglob("*.key"), *synced.state.rglob("*.key")]
    environment = synced.environment(credentials=False)
    with on_terminal(kiosk_run(synced.config), environment) as kiosk:
        kiosk.expect(msg("ui.out_of_service.title").text("id"))
        kiosk.expect(CREDENTIAL_NAME)
        kiosk.stop()


def test_a_credential_shared_through_an_acl_as_newer_systemd_does(tmp_path: Path) -> None:
    key = tmp_path / CREDENTIAL_NAME
    write_new_key(key)
    key.chmod(0o400)
    grant_read(key, uid=65534)
    assert key.stat().st_mode & 0o777 == 0o440
    assert read_credential({"CREDENTIALS_DIRECTORY": str(tmp_path)}, CREDENTIAL_NAME)


def grant_read(path: Path, uid: int) -> None:
    """``setfacl -m u:UID:r PATH`` without the acl package: the kernel's xattr format."""
    unset = 0xFFFFFFFF
    user_obj, user, group_obj, mask, other = 0x01, 0x02, 0x04, 0x10, 0x20
    entries = [(user_obj, 4, unset), (user, 4, uid), (group_obj, 0, unset), (mask, 4, unset)]
    entries.append((other, 0, unset))
    data = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    os.setxattr(path, "system.posix_acl_access", data)


@pytest.mark.usefixtures("as_root")
def test_every_restriction_at_once(
    synced: Installed, outside: dict[str, str], groups: dict[str, list[str]]
) -> None:
    """As systemd would start the unit: every filter and mount, no capability, keys as
    credentials. Not rebuilt: PrivateUsers=, DevicePolicy=, RestrictRealtime= and
    RestrictSUIDSGID= (calls the kiosk never makes), ProtectClock=, ProtectHostname=, PrivateIPC=
    and the settings that only hide parts of /proc and /sys beyond ProcSubset=pid."""
    sandbox = synced.sandbox(groups)
    inside = probe(sandbox, synced)
    assert refused(inside, outside) == {
        "mmap_wx": "EPERM",
        "mprotect_x": "EPERM",
        "sched_setaffinity": "EPERM",
        "netlink_socket": "EAFNOSUPPORT",
        "clone3": "ENOSYS",
        "personality": "EPERM",
        "write_read_only": "EROFS",
        "proc_meminfo": "ENOENT",
    }
    no_capability = "0" * 16
    assert [inside[k] for k in STATUS] == [no_capability, no_capability, "1"]
    synced.forget_logs()
    serves_a_member(sandbox.command(kiosk_run(synced.config)), synced)
    assert synced.logged_stop()


@pytest.fixture
def never_synced(tmp_path: Path) -> Iterator[tuple[Installed, str]]:
    """A kiosk without a cache yet, and its feed served over HTTP on 127.0.0.1."""
    installed = install(tmp_path, synced=False)
    with serving(installed.feed) as server:
        yield installed, server.url


@pytest.mark.usefixtures("as_root")
def test_a_first_sync_over_http_under_every_restriction(
    never_synced: tuple[Installed, str], groups: dict[str, list[str]]
) -> None:
    """What the kiosk's background sync will do: TUF over HTTP (AF_INET), the fleet key as a
    credential, a new cache and TUF's work directory in the state directory."""
    installed, url = never_synced
    sync = [sys.executable, "-m", "kiosk", "sync", "--config", str(installed.config)]
    result = subprocess.run(
        installed.sandbox(groups).command([*sync, "--source", url]),
        env=installed.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{MEMBERS:,} members" in result.stdout
    key = read_key_file(installed.credentials / CREDENTIAL_NAME)
    with Cache.open(installed.state / "cache.db", key) as cache:
        stored = contents_of(cache)
    assert stored == expected_contents(list(read_members(installed.demo / "members.csv")))
