"""A QEMU virtual machine run as a kiosk: its disk, console, keyboard and the agent inside.

QEMU emulates the CPU (TCG: nested KVM does not work on these machines) and
gives the VM no network device. The host talks to it through three
character devices: the serial console (a log file, the kernel's and the
first boot's output), QMP (the monitor: keys, screen pictures, power) and a
virtio serial port to :mod:`tests.system.agent`, which runs commands as root.
Every wait is bounded; one that runs out says what the VM last printed and
keeps its last screen picture.
"""

import base64
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from tests.system.image import Image

T = TypeVar("T")

CPU = "qemu64"
"""The plain x86-64 CPU: glibc and OpenSSL then take their SSE2 paths, which TCG runs about
1.5-2x faster than the AVX2 ones ``max`` offers (Python's imports, SHA-256: measured)."""
MEMORY = "2048"
SCREEN = (1280, 1024)
"""A kiosk monitor's size: 160 x 64 cells of the kernel's 8 x 16 font."""

CMDLINE = "root=LABEL=root rw console=ttyS0 quiet loglevel=4 systemd.show_status=false"
TPM_SOCKET = "swtpm.sock"
KEYS = {" ": "spc", "\n": "ret", "-": "minus", ".": "dot", "'": "apostrophe", ",": "comma"}
"""QEMU's key codes (qcodes) for the characters that are not their own name."""


class VmError(AssertionError):
    """A wait that ran out, with what the VM last showed."""


@dataclass(frozen=True)
class Done:
    rc: int
    out: str
    err: str

    def check(self) -> str:
        assert self.rc == 0, f"rc={self.rc}\n{self.out}\n{self.err}"
        return self.out


def qemu_argv(
    image: Image,
    disk: Path,
    run_dir: Path,
    extra: Sequence[str],
    tpm: bool,
    screen: tuple[int, int] = SCREEN,
) -> list[str]:
    chip = [
        "-chardev",
        f"socket,id=tpm,path={run_dir / TPM_SOCKET}",
        "-tpmdev",
        "emulator,id=tpm,chardev=tpm",
        "-device",
        "tpm-tis,tpmdev=tpm",
    ]
    return [
        "qemu-system-x86_64",
        "-accel",
        "tcg",
        "-cpu",
        CPU,
        "-smp",
        str(os.cpu_count() or 1),
        "-m",
        MEMORY,
        "-nodefaults",
        "-no-user-config",
        "-nic",
        "none",
        "-display",
        "none",
        "-device",
        f"VGA,xres={screen[0]},yres={screen[1]}",
        "-kernel",
        str(image.kernel),
        "-initrd",
        str(image.initrd),
        "-append",
        f"{CMDLINE} video={screen[0]}x{screen[1]}",
        "-drive",
        f"file={disk},if=virtio,format={'raw' if disk.suffix == '.raw' else 'qcow2'}",
        "-device",
        "virtio-rng-pci",
        "-chardev",
        f"file,id=serial,path={run_dir / 'serial.log'}",
        "-serial",
        "chardev:serial",
        "-qmp",
        f"unix:{run_dir / 'qmp.sock'},server=on,wait=off",
        "-device",
        "virtio-serial",
        "-chardev",
        f"socket,id=agent,path={run_dir / 'agent.sock'},server=on,wait=off",
        "-device",
        "virtserialport,chardev=agent,name=vmtest.agent",
        *(chip if tpm else []),
        *extra,
    ]


class Lines:
    """JSON lines over a UNIX socket, each read bounded by a deadline."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self.pending = b""

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def receive(self, deadline: float) -> dict[str, Any] | None:
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise VmError("the VM closed its end of the socket")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        return message

    def close(self) -> None:
        self.sock.close()


def connect(path: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> Lines:
    """QEMU's socket once it listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Lines(path)
        except (FileNotFoundError, ConnectionRefusedError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise VmError(f"QEMU never opened {path.name} (exit {process.poll()})") from None
            time.sleep(0.1)


class Vm:
    """One VM: ``start`` it, ask it things, ``stop`` it; ``run_dir`` keeps its logs and pictures."""

    def __init__(
        self,
        image: Image,
        disk: Path,
        run_dir: Path,
        extra: Sequence[str] = (),
        tpm: Path | None = None,
        screen: tuple[int, int] = SCREEN,
    ) -> None:
        """``tpm``: the state directory of the VM's TPM2 chip (Debian's ``swtpm``), if it has one:
        the chip's secrets live there, so another directory is another machine's chip.
        ``screen``: the console's size in pixels."""
        self.image = image
        self.disk = disk
        self.run_dir = run_dir
        self.extra = list(extra)
        self.tpm = tpm
        self.screen = screen
        self.process: subprocess.Popen[bytes] | None = None
        self.chip: subprocess.Popen[bytes] | None = None
        self.qmp: Lines | None = None
        self.agent: Lines | None = None
        self.ids = itertools.count()
        self.pictures = itertools.count()

    @classmethod
    def overlay(
        cls,
        image: Image,
        run_dir: Path,
        extra: Sequence[str] = (),
        tpm: Path | None = None,
        screen: tuple[int, int] = SCREEN,
    ) -> "Vm":
        """A VM whose writes go to its own copy-on-write layer over the cached image."""
        run_dir.mkdir(parents=True, exist_ok=True)
        disk = run_dir / "disk.qcow2"
        subprocess.run(
            [
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-F",
                "raw",
                "-b",
                str(image.disk),
                str(disk),
            ],
            check=True,
        )
        return cls(image, disk, run_dir, extra, tpm, screen)

    @property
    def serial_log(self) -> Path:
        return self.run_dir / "serial.log"

    def start(self) -> None:
        for name in ("qmp.sock", "agent.sock", TPM_SOCKET):
            (self.run_dir / name).unlink(missing_ok=True)
        with (self.run_dir / "qemu.out").open("ab") as output:
            if self.tpm is not None:
                self.start_chip(output)
            self.process = subprocess.Popen(
                qemu_argv(
                    self.image,
                    self.disk,
                    self.run_dir,
                    self.extra,
                    self.tpm is not None,
                    self.screen,
                ),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.qmp = connect(self.run_dir / "qmp.sock", self.process)
        self.qmp.receive(time.monotonic() + 10)
        self.monitor("qmp_capabilities")
        self.agent = connect(self.run_dir / "agent.sock", self.process)

    def start_chip(self, output: IO[bytes]) -> None:
        """``swtpm`` on its socket, ended with QEMU (``--terminate``); its state survives it."""
        assert self.tpm is not None
        self.tpm.mkdir(parents=True, exist_ok=True)
        socket_path = self.run_dir / TPM_SOCKET
        self.chip = subprocess.Popen(
            [
                "swtpm",
                "socket",
                "--tpm2",
                "--terminate",
                "--tpmstate",
                f"dir={self.tpm}",
                "--ctrl",
                f"type=unixio,path={socket_path}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            if self.chip.poll() is not None or time.monotonic() > deadline:
                raise VmError(f"swtpm never opened its socket (exit {self.chip.poll()})")
            time.sleep(0.05)

    def wait_exit(self, timeout: float) -> int:
        """QEMU's exit code once the VM has powered off."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise self.failure(f"the VM did not power off within {timeout:.0f} s") from None
        self.closed()
        return code

    def kill(self) -> None:
        """Pulls the plug: no shutdown, no flush of what the guest had not yet written."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        self.closed()

    def stop(self) -> None:
        """Powers off from inside, as a person would press the button; pulls the plug if stuck."""
        if self.process is None or self.process.poll() is not None:
            self.closed()
            return
        try:
            self.monitor("system_powerdown")
            self.process.wait(90)
        except (VmError, OSError, subprocess.TimeoutExpired):
            self.kill()
        self.closed()

    def closed(self) -> None:
        if self.chip is not None:
            if self.chip.poll() is None:
                self.chip.terminate()
            self.chip.wait(30)
            self.chip = None
        for channel in (self.qmp, self.agent):
            if channel is not None:
                channel.close()
        self.qmp = self.agent = None

    # -- the monitor ----------------------------------------------------------------------

    def monitor(self, command: str, **arguments: Any) -> Any:
        assert self.qmp is not None, "the VM is not running"
        self.qmp.send({"execute": command, "arguments": arguments})
        deadline = time.monotonic() + 30
        while True:
            reply = self.qmp.receive(deadline)
            if reply is None:
                raise VmError(f"QMP {command}: no answer in 30 s")
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise VmError(f"QMP {command}: {reply['error']}")

    def copy_disk(self, target: Path, timeout: float = 300) -> None:
        """The running VM's whole disk, as at this instant, into a file of its own (QMP
        ``drive-backup``): what a thief who pulled the plug and took the disk would hold."""
        (device,) = [
            block["device"]
            for block in self.monitor("query-block")
            if block.get("inserted", {}).get("file") == str(self.disk)
        ]
        self.monitor("drive-backup", device=device, target=str(target), format="qcow2", sync="full")
        self.wait_for("the disk copied", lambda: not self.monitor("query-block-jobs"), timeout)

    def screendump(self, name: str | None = None) -> Path:
        """The VGA framebuffer as a PNG picture, kept in the run directory."""
        path = self.run_dir / (name or f"screen-{next(self.pictures):03d}.png")
        self.monitor("screendump", filename=str(path), format="png")
        return path

    def keys(self, text: str) -> None:
        """Types ``text`` on the VM's keyboard, one key (with Shift for capitals) at a time."""
        for char in text:
            code = KEYS.get(char, char.lower())
            held = [{"type": "qcode", "data": "shift"}] if char.isupper() else []
            self.press([*held, {"type": "qcode", "data": code}])

    def key(self, name: str) -> None:
        """One named key: ``ret``, ``esc``, ``f12``, ``k`` ..."""
        self.press([{"type": "qcode", "data": name}])

    def press(self, keys: list[dict[str, str]]) -> None:
        self.monitor("send-key", keys=keys, **{"hold-time": 40})
        time.sleep(0.06)

    # -- the agent ------------------------------------------------------------------------

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """The agent's answer, or None when none came in time (the VM is still booting)."""
        assert self.agent is not None, "the VM is not running"
        ident = next(self.ids)
        self.agent.send({"id": ident, **request})
        deadline = time.monotonic() + timeout
        while True:
            reply = self.agent.receive(deadline)
            if reply is None or reply.get("id") == ident:
                return reply

    def run(self, *argv: str, stdin: str = "", timeout: float = 60) -> Done:
        reply = self.ask({"argv": argv, "stdin": stdin, "timeout": timeout}, timeout + 10)
        if reply is None:
            raise self.failure(f"the agent did not answer {argv!r} within {timeout + 10:.0f} s")
        return Done(reply["rc"], reply["out"], reply["err"])

    def sh(self, script: str, timeout: float = 60) -> Done:
        return self.run("/bin/sh", "-c", script, timeout=timeout)

    def read(self, path: str) -> bytes:
        reply = self.ask({"read": path}, 30)
        if reply is None or "data" not in reply:
            raise self.failure(f"cannot read {path} in the VM: {reply}")
        return base64.b64decode(reply["data"])

    def console(self, tty: int = 1) -> list[str]:
        """What a person sees on ``tty``, a line a row, as the kernel holds it (/dev/vcsu)."""
        rows, columns = self.read(f"/dev/vcsa{tty}")[:2]
        text = self.read(f"/dev/vcsu{tty}").decode("utf-32-le")
        return [text[row * columns : (row + 1) * columns].rstrip() for row in range(rows)]

    def unit(self, name: str, *properties: str) -> dict[str, str]:
        """``systemctl show``'s answer for ``properties`` of unit ``name``."""
        out = self.run("systemctl", "show", name, "-p", ",".join(properties)).check()
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_agent(self, timeout: float) -> None:
        """Until the agent answers: the VM has booted far enough to be asked things."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ask({"argv": ["true"]}, 5) is not None:
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise self.failure(f"QEMU exited ({self.process.returncode}) while booting")
        raise self.failure(f"the VM's agent did not answer within {timeout:.0f} s")

    # -- waiting ----------------------------------------------------------------------------

    def wait_for(
        self, what: str, check: Callable[[], T | None], timeout: float, every: float = 1
    ) -> T:
        """``check()``'s first true answer, polled until ``timeout`` runs out."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise self.failure(f"{what}: not within {timeout:.0f} s")
            time.sleep(every)

    def failure(self, message: str) -> VmError:
        """The error for a wait that ran out: the serial console's tail and the last screen."""
        tail = ""
        if self.serial_log.exists():
            tail = "\n".join(self.serial_log.read_text(errors="replace").splitlines()[-40:])
        journal = ""
        if self.agent is not None:
            try:
                reply = self.ask({"argv": ["journalctl", "-b", "-n", "40", "--no-pager"]}, 15)
            except (VmError, OSError):
                reply = None
            journal = (
                ""
                if reply is None
                else f"\n--- the VM's journal, last lines ---\n{reply.get('out', '')}"
            )
        picture = ""
        if self.qmp is not None:
            try:
                picture = f"\nlast screen: {self.screendump('failure.png')}"
            except (VmError, OSError):
                picture = "\nlast screen: none (QMP did not answer)"
        return VmError(f"{message}\n--- serial console, last lines ---\n{tail}{journal}{picture}")


def require_tools() -> None:
    """The host programs the system test runs; .ci/run installs them on Debian."""
    missing = [
        tool
        for tool in ("qemu-system-x86_64", "qemu-img", "mmdebstrap", "mke2fs", "swtpm")
        if shutil.which(tool) is None
    ]
    if missing:
        raise VmError(
            f"missing {', '.join(missing)}: apt-get install qemu-system-x86 qemu-utils "
            "mmdebstrap e2fsprogs swtpm"
        )
