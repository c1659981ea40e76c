"""kiosk.service's sandbox, rebuilt by hand around one process, because systemd is not PID 1 here.

The unit cannot be started where the tests run, so this module reads its
directives and applies the ones that could break the kiosk with the kernel
interfaces systemd 252 itself uses, then execs the program under test:

- ``SystemCallFilter=``, ``SystemCallErrorNumber=``, ``SystemCallArchitectures=native``:
  a libseccomp allow list expanded with ``systemd-analyze syscall-filter``;
- ``RestrictAddressFamilies=``: a seccomp filter on ``socket()``, built as systemd builds it;
- ``MemoryDenyWriteExecute=``: systemd 252's seccomp rules, or the ``PR_SET_MDWE``
  prctl that systemd 256 and later use on kernels that have it;
- ``ProtectSystem=strict``, ``ProtectHome=``, ``PrivateTmp=``, ``PrivateDevices=``,
  ``ProtectProc=``, ``ProcSubset=`` and the writable state directories: a mount namespace;
- ``RestrictNamespaces=yes``, ``LockPersonality=yes``: seccomp filters as systemd 252's,
  including its answer ENOSYS to ``clone3()``, which makes glibc fall back to ``clone()``;
- ``NoNewPrivileges=``, ``CapabilityBoundingSet=``: no capabilities survive the exec;
- ``UMask=``.

As a script it is the launcher (``sandbox.py run SPEC -- PROGRAM ARGS...``) and
the negative control (``sandbox.py probe READ_ONLY_DIR WRITABLE_DIR``); it runs
outside the ``tests`` package, so it imports the standard library only.
"""

import ctypes
import dataclasses
import errno
import json
import mmap
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

UNIT = Path(__file__).resolve().parents[1] / "kiosk.service"

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_SLAVE, MS_STRICTATIME = 0x1000, 0x4000, 0x80000, 0x1000000
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY = 0x1
SYS_MOUNT_SETATTR = 442
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SHM_EXEC = 0o100000
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_EQ, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ = 1, 2, 4, 6, 7
AF_MAX = 46
SYS_CLONE3 = 435
PER_LINUX, PER_LINUX32, PER_QUERY = 0x0000, 0x0008, 0xFFFFFFFF
NAMESPACE_FLAGS = (
    0x00020000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
"""CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: what systemd 252 restricts."""
PAGE = mmap.PAGESIZE
PRIVATE_TMP = ("/tmp", "/var/tmp")  # noqa: S108 (what PrivateTmp= replaces)
DEV_SHM = "/dev/shm"  # noqa: S108 (part of the private /dev)

REPRODUCED = {
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectProc": "invisible",
    "ProcSubset": "pid",
    "MemoryDenyWriteExecute": "yes",
    "NoNewPrivileges": "yes",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "CapabilityBoundingSet": "",
    "SystemCallArchitectures": "native",
}
"""The unit's values this module rebuilds; a change in the unit must be matched here."""

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.personality.argtypes = [ctypes.c_ulong]
_mount_setattr = ctypes.CDLL(None, use_errno=True).syscall  # glibc 2.36 has no wrapper.
_mount_setattr.argtypes = [
    ctypes.c_long,
    ctypes.c_int,
    ctypes.c_char_p,
    ctypes.c_uint,
    ctypes.c_void_p,
    ctypes.c_size_t,
]


def service_directives(unit: Path = UNIT) -> dict[str, list[str]]:
    """``[Service]`` settings in order; an empty assignment resets a list, as in systemd."""
    directives: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        key, _, value = line.partition("=")
        if section == "[Service]":
            values = directives.setdefault(key.strip(), [])
            if value.strip():
                values.append(value.strip())
            else:
                values.clear()
    return directives


def syscall_groups(analyze: str) -> dict[str, list[str]]:
    """Every ``@group`` of this systemd and its members, as ``systemd-analyze`` prints them."""
    listing = subprocess.run(
        [analyze, "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True
    ).stdout
    groups: dict[str, list[str]] = {}
    members: list[str] = []
    for line in listing.splitlines():
        if line.startswith("@"):
            members = groups.setdefault(line.strip(), [])
        elif line.startswith("    ") and not line.strip().startswith("#"):
            members.append(line.strip())
    return groups


def _expand(name: str, groups: dict[str, list[str]]) -> set[str]:
    if not name.startswith("@"):
        return {name}
    return set().union(*(_expand(member, groups) for member in groups[name]))


def allowed_syscalls(filters: Sequence[str], groups: dict[str, list[str]]) -> set[str]:
    """What ``SystemCallFilter=`` lines allow: an allow list first, ``~`` lines taken out.

    systemd adds ``@default`` to every allow list by itself.
    """
    if not filters or filters[0].startswith("~"):
        raise ValueError("only an allow list (first SystemCallFilter= without ~) is rebuilt")
    allowed = _expand("@default", groups)
    for line in filters:
        names = set().union(*(_expand(n, groups) for n in line.removeprefix("~").split()))
        allowed = allowed - names if line.startswith("~") else allowed | names
    return allowed


@dataclass(frozen=True)
class Sandbox:
    """What the launcher applies to itself before it execs the program under test."""

    syscalls: tuple[str, ...] = ()
    """The seccomp allow list; empty for no system call filter."""
    syscall_errno: int = errno.EPERM
    address_families: tuple[int, ...] = ()
    mdwe_seccomp: bool = False
    mdwe_prctl: bool = False
    restrict_namespaces: bool = False
    lock_personality: bool = False
    no_privileges: bool = False
    umask: int | None = None
    mounts: bool = False
    writable: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    """Paths the run needs to see (the test's files, this Python): never hidden."""

    def command(self, argv: Sequence[str]) -> list[str]:
        spec = json.dumps(dataclasses.asdict(self))
        return [sys.executable, __file__, "run", spec, "--", *argv]

    @classmethod
    def from_json(cls, text: str) -> "Sandbox":
        fields: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in json.loads(text).items()
        }
        return cls(**fields)


def unit_sandbox(
    directives: dict[str, list[str]],
    groups: dict[str, list[str]],
    *,
    writable: Iterable[Path],
    keep: Iterable[Path],
) -> Sandbox:
    """Everything at once, as systemd 252 would apply the unit."""
    changed = [k for k, v in REPRODUCED.items() if directives.get(k, []) != ([v] if v else [])]
    if changed:
        raise ValueError(f"kiosk.service changed what tests/sandbox.py rebuilds: {changed}")
    (error_name,) = directives["SystemCallErrorNumber"]
    families = " ".join(directives["RestrictAddressFamilies"]).split()
    return Sandbox(
        syscalls=tuple(sorted(allowed_syscalls(directives["SystemCallFilter"], groups))),
        syscall_errno=getattr(errno, error_name),
        address_families=tuple(sorted(getattr(socket, name) for name in families)),
        mdwe_seccomp=True,
        restrict_namespaces=True,
        lock_personality=True,
        no_privileges=True,
        umask=int(directives["UMask"][0], 8),
        mounts=True,
        writable=tuple(str(path) for path in writable),
        keep=tuple(str(path) for path in keep),
    )


def python_paths() -> tuple[Path, ...]:
    """Where the Python that runs the kiosk lives: it must stay visible in the sandbox."""
    here = Path(__file__).resolve().parents[1]
    return (here, Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve())


def probe_command(read_only: Path, writable: Path) -> list[str]:
    return [sys.executable, __file__, "probe", str(read_only), str(writable)]


# The launcher, from here on.


def _check(result: int, what: str) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")
    return result


def _c(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    result = _libc.mount(_c(source), _c(target), _c(fstype), flags, _c(data or None))
    _check(result, f"mount {target}")


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _read_only(path: str, read_only: bool) -> None:
    """Every mount at and below ``path`` read-only, or writable again (mount_setattr)."""
    attr = _MountAttr(MOUNT_ATTR_RDONLY if read_only else 0, 0 if read_only else MOUNT_ATTR_RDONLY)
    _check(
        _mount_setattr(
            SYS_MOUNT_SETATTR,
            AT_FDCWD,
            path.encode(),
            AT_RECURSIVE,
            ctypes.byref(attr),
            ctypes.sizeof(attr),
        ),
        f"mount_setattr {path}",
    )


def _holds(directory: str, paths: Iterable[str]) -> bool:
    return any(Path(path).is_relative_to(directory) for path in paths)


def _private_dev() -> None:
    """PrivateDevices=yes: a new /dev with the pseudo devices, the ptys and /dev/log only."""
    names = ("null", "zero", "full", "random", "urandom", "tty")
    nodes = {
        name: os.open(f"/dev/{name}", os.O_PATH) for name in names if os.path.exists(f"/dev/{name}")
    }
    pts = os.open("/dev/pts", os.O_PATH | os.O_DIRECTORY)
    _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=0755")
    for name, fd in nodes.items():
        Path(f"/dev/{name}").touch()
        _mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, MS_BIND)
        os.close(fd)
    os.mkdir("/dev/pts")
    _mount(f"/proc/self/fd/{pts}", "/dev/pts", None, MS_BIND)
    os.close(pts)
    os.mkdir(DEV_SHM)
    _mount("tmpfs", DEV_SHM, "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777")
    links = {
        "ptmx": "pts/ptmx",
        "log": "/run/systemd/journal/dev-log",
        "fd": "/proc/self/fd",
        "stdin": "/proc/self/fd/0",
        "stdout": "/proc/self/fd/1",
        "stderr": "/proc/self/fd/2",
    }
    for name, target in links.items():
        os.symlink(target, f"/dev/{name}")


def _mount_namespace(sandbox: Sandbox) -> None:
    """ProtectSystem=strict and friends, in the order systemd sets them up."""
    needed = (*sandbox.writable, *sandbox.keep)
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_SLAVE)
    for path in sandbox.writable:
        _mount(path, path, None, MS_BIND | MS_REC)
    _read_only("/", read_only=True)
    for path in sandbox.writable:
        _read_only(path, read_only=False)
    _private_dev()
    # PrivateTmp=: a fresh one, unless the test's own files live there; then it
    # stays read-only, which is stricter than what systemd gives.
    for tmp in PRIVATE_TMP:
        if not _holds(tmp, needed):
            _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=01777")
    # ProtectHome=yes: empty and inaccessible.
    for home in ("/home", "/root", "/run/user"):
        if os.path.isdir(home) and not _holds(home, needed):
            _mount("tmpfs", home, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0")
    # ProtectProc=invisible, ProcSubset=pid (and so ProtectKernelTunables= for /proc/sys).
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    _mount("proc", "/proc", "proc", flags, "hidepid=invisible,subset=pid")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_privileges() -> None:
    """NoNewPrivileges=yes, CapabilityBoundingSet= (empty): root keeps no capability past exec."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "ambient")
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capget(ctypes.byref(header), data), "capget")
    for half in data:
        half.inheritable = 0
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if ctypes.get_errno() != errno.EINVAL:  # EINVAL: past the last capability
        _check(-1, f"drop capability {cap}")


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _errno_action(number: int) -> int:
    return 0x00050000 | (number & 0xFFFF)


class _Filter:
    """One seccomp filter through libseccomp, as systemd loads one per directive.

    libseccomp's default "bad architecture" action kills a non-native system
    call: that is SystemCallArchitectures=native.
    """

    def __init__(self, default_action: int) -> None:
        self._lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        self._lib.seccomp_init.restype = ctypes.c_void_p
        self._lib.seccomp_init.argtypes = [ctypes.c_uint32]
        self._lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self._lib.seccomp_rule_add_array.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.POINTER(_ArgCmp),
        ]
        self._lib.seccomp_load.argtypes = [ctypes.c_void_p]
        self._lib.seccomp_release.argtypes = [ctypes.c_void_p]
        self._context = self._lib.seccomp_init(default_action)
        if not self._context:
            raise OSError("seccomp_init failed")

    def rule(self, action: int, name: str, *compare: tuple[int, int, int, int]) -> None:
        """Add a rule; a system call this architecture lacks is skipped, as systemd does."""
        number = self._lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            return
        arguments = (_ArgCmp * len(compare))(*(_ArgCmp(*c) for c in compare))
        result = self._lib.seccomp_rule_add_array(
            self._context, action, number, len(compare), arguments
        )
        if result < 0:
            raise OSError(-result, f"seccomp rule for {name}: {os.strerror(-result)}")

    def load(self) -> None:
        result = self._lib.seccomp_load(self._context)
        self._lib.seccomp_release(self._context)
        if result < 0:
            raise OSError(-result, f"seccomp_load: {os.strerror(-result)}")


def _mdwe_filter() -> _Filter:
    """systemd 252's MemoryDenyWriteExecute=: no W+X mapping, no PROT_EXEC added later."""
    deny = _errno_action(errno.EPERM)
    write_exec = mmap.PROT_WRITE | mmap.PROT_EXEC
    seccomp = _Filter(SCMP_ACT_ALLOW)
    for name in ("mmap", "mmap2"):
        seccomp.rule(deny, name, (2, SCMP_CMP_MASKED_EQ, write_exec, write_exec))
    for name in ("mprotect", "pkey_mprotect"):
        seccomp.rule(deny, name, (2, SCMP_CMP_MASKED_EQ, mmap.PROT_EXEC, mmap.PROT_EXEC))
    seccomp.rule(deny, "shmat", (2, SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC))
    return seccomp


def _address_family_filter(allowed: Sequence[int]) -> _Filter:
    """RestrictAddressFamilies= (an allow list): socket() of any other family fails."""
    deny = _errno_action(errno.EAFNOSUPPORT)
    seccomp = _Filter(SCMP_ACT_ALLOW)
    seccomp.rule(deny, "socket", (0, SCMP_CMP_LT, min(allowed), 0))
    seccomp.rule(deny, "socket", (0, SCMP_CMP_GT, max(allowed), 0))
    for family in range(min(allowed) + 1, max(allowed)):
        if family not in allowed:
            seccomp.rule(deny, "socket", (0, SCMP_CMP_EQ, family, 0))
    return seccomp


def _namespace_filter() -> _Filter:
    """RestrictNamespaces=yes: no new namespace by any call; clone3() whose flags seccomp
    cannot read looks absent (ENOSYS), so that glibc falls back to clone()."""
    deny = _errno_action(errno.EPERM)
    seccomp = _Filter(SCMP_ACT_ALLOW)
    seccomp.rule(deny, "setns")
    seccomp.rule(_errno_action(errno.ENOSYS), "clone3")
    for flag in NAMESPACE_FLAGS:
        seccomp.rule(deny, "unshare", (0, SCMP_CMP_MASKED_EQ, flag, flag))
        seccomp.rule(deny, "clone", (0, SCMP_CMP_MASKED_EQ, flag, flag))
    return seccomp


def _personality_filter() -> _Filter:
    """LockPersonality=yes: personality() may only keep Linux's (even a query is refused:
    libseccomp 2.5 takes one comparison per argument, so this is the stricter reading)."""
    seccomp = _Filter(SCMP_ACT_ALLOW)
    seccomp.rule(_errno_action(errno.EPERM), "personality", (0, SCMP_CMP_NE, PER_LINUX, 0))
    return seccomp


def _syscall_filter(allowed: Iterable[str], error: int) -> _Filter:
    seccomp = _Filter(_errno_action(error))
    for name in allowed:
        seccomp.rule(SCMP_ACT_ALLOW, name)
    return seccomp


def _apply(sandbox: Sandbox) -> None:
    if sandbox.mounts:
        _mount_namespace(sandbox)
    if sandbox.no_privileges:
        _drop_privileges()
    if sandbox.umask is not None:
        os.umask(sandbox.umask)
    if sandbox.mdwe_prctl:
        _check(_libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0), "PR_SET_MDWE")
    if sandbox.mdwe_seccomp:
        _mdwe_filter().load()
    if sandbox.address_families:
        _address_family_filter(sandbox.address_families).load()
    if sandbox.restrict_namespaces:
        _namespace_filter().load()
    if sandbox.lock_personality:
        _personality_filter().load()
    if sandbox.syscalls:  # Last: loading a filter needs system calls the allow list may lack.
        _syscall_filter(sandbox.syscalls, sandbox.syscall_errno).load()


def _launch(spec: str, argv: Sequence[str]) -> NoReturn:
    sandbox = Sandbox.from_json(spec)
    os.chdir("/")  # WorkingDirectory= unset: systemd starts services in /.
    _apply(sandbox)
    os.execv(argv[0], list(argv))  # noqa: S606 (becoming the program under test is the point)


# The negative control: what a process in the sandbox can no longer do.


def _mprotect_exec() -> None:
    """Make a page that was writable executable: what a JIT does and MDWE forbids."""
    area = mmap.mmap(-1, PAGE)
    buffer = (ctypes.c_char * PAGE).from_buffer(area)
    try:
        _check(_libc.mprotect(ctypes.addressof(buffer), PAGE, mmap.PROT_READ | mmap.PROT_EXEC), "")
    finally:
        del buffer
        area.close()


def _clone3() -> None:
    """clone3() without arguments: the kernel refuses them (EINVAL), a filter the call."""
    result = _libc.syscall(ctypes.c_long(SYS_CLONE3), None, ctypes.c_size_t(0))
    if result < 0 and ctypes.get_errno() != errno.EINVAL:
        _check(result, "clone3")


def _thread() -> None:
    """A thread still starts, through clone() if clone3() is filtered."""
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()


def _personality() -> None:
    before = _check(_libc.personality(PER_QUERY), "personality")
    _check(_libc.personality(PER_LINUX32), "personality")
    _libc.personality(before)


def _write(directory: Path) -> None:
    path = directory / "probe"
    path.write_text("probe")
    path.unlink()


def _probe(read_only: Path, writable: Path) -> dict[str, str]:
    prot_wx = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
    checks: dict[str, Callable[[], object]] = {
        "mmap_wx": lambda: mmap.mmap(-1, PAGE, prot=prot_wx).close(),
        "mprotect_x": _mprotect_exec,
        "sched_setaffinity": lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)),
        "netlink_socket": lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close(),
        "inet_socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(),
        "clone3": _clone3,
        "thread": _thread,
        "personality": _personality,
        "write_read_only": lambda: _write(read_only),
        "write_writable": lambda: _write(writable),
        "proc_meminfo": lambda: Path("/proc/meminfo").read_bytes(),
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except OSError as error:
            results[name] = errno.errorcode.get(error.errno or 0, str(error.errno))
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("CapEff", "CapPrm", "NoNewPrivs"):
            results[key] = value.strip()
    return results


def main(args: Sequence[str]) -> None:
    match args:
        case ["run", spec, "--", *argv]:
            _launch(spec, argv)
        case ["probe", read_only, writable]:
            print(json.dumps(_probe(Path(read_only), Path(writable))))
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
