"""What a process under kiosk.service's sandbox can and cannot do, as JSON on standard output.

Sent into the VM and run by a copy of the live unit whose only changes are
the program and the console (:mod:`tests.system.test_sandbox`): real systemd
applies every directive, and this reports what each one left possible.
Standard library only: it runs under the kiosk's own venv Python.
"""

import ctypes
import errno
import json
import mmap
import os
import socket
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

PAGE = mmap.PAGESIZE
PER_LINUX32 = 0x0008
PER_QUERY = 0xFFFFFFFF
CLONE_NEWUSER = 0x10000000
SYS_CLONE3 = 435
"""x86-64's clone3(): RestrictNamespaces= makes it ENOSYS, so that threads start with clone()."""
libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
WRITE_TARGETS = (
    "/var/lib/kiosk",
    "/var/log/kiosk",
    "/etc",
    "/etc/kiosk",
    "/opt/kiosk",
    "/usr",
    "/var/lib",
    "/media",
    "/tmp",  # noqa: S108 (PrivateTmp=yes: its own, writable)
)


def checked(result: int) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


def write(directory: str) -> None:
    path = Path(directory) / "kiosk-probe"
    path.write_text("probe")
    path.unlink()


def mprotect_exec() -> None:
    """A writable page made executable: what a JIT does and MemoryDenyWriteExecute forbids."""
    area = mmap.mmap(-1, PAGE)
    buffer = (ctypes.c_char * PAGE).from_buffer(area)
    try:
        checked(libc.mprotect(ctypes.addressof(buffer), PAGE, mmap.PROT_READ | mmap.PROT_EXEC))
    finally:
        del buffer
        area.close()


def personality() -> None:
    before = checked(libc.personality(PER_QUERY))
    checked(libc.personality(PER_LINUX32))
    libc.personality(before)


def thread() -> None:
    started = threading.Thread(target=lambda: None)
    started.start()
    started.join()


def read_key(path: str) -> None:
    Path(path).read_bytes()


def clone3() -> None:
    """With no arguments: EINVAL where the call exists, ENOSYS where the filter hides it."""
    checked(libc.syscall(SYS_CLONE3, None, 0))


def main() -> None:
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "/nonexistent")
    wx = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
    checks: dict[str, Callable[[], object]] = {
        **{f"write {d}": partial(write, d) for d in WRITE_TARGETS},
        "list /home": lambda: os.listdir("/home"),
        "list /root": lambda: os.listdir("/root"),
        "key in $CREDENTIALS_DIRECTORY": lambda: read_key(f"{credentials}/master-key"),
        "key in /etc/kiosk/credentials": lambda: read_key("/etc/kiosk/credentials/master-key"),
        "AF_INET socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(),
        "AF_UNIX socket": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close(),
        "AF_NETLINK socket": lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close(),
        "AF_PACKET socket": lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close(),
        "mmap write+exec": lambda: mmap.mmap(-1, PAGE, prot=wx).close(),
        "mprotect exec": mprotect_exec,
        "personality": personality,
        "unshare user namespace": lambda: checked(libc.unshare(CLONE_NEWUSER)),
        "sethostname": lambda: socket.sethostname("probe"),
        "thread": thread,
        "clone3": clone3,
        "sched_setaffinity": lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)),
        "read /proc/meminfo": lambda: Path("/proc/meminfo").read_bytes(),
        "open /dev/vda": lambda: os.close(os.open("/dev/vda", os.O_RDONLY)),
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except OSError as error:
            results[name] = errno.errorcode.get(error.errno or 0, str(error))
    me = os.getuid()
    pids = [entry for entry in os.scandir("/proc") if entry.name.isdigit()]
    results["others' processes in /proc"] = str(sum(p.stat().st_uid != me for p in pids))
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
            results[key] = value.strip()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
