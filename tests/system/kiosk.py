"""The kiosk as the system tests look at it in the VM: its unit, its console, its commands."""

import os
import time
from pathlib import Path

from kiosk.schedule import SYNC_NOW_COMMAND
from tests.system.vm import Vm

ARTIFACTS = Path(os.environ.get("VMTEST_ARTIFACTS", "build/system-test")).resolve()
"""Serial logs and screen pictures of the last run, kept for a person to look at."""

UNIT = "kiosk.service"
FALLBACK = "kiosk-out-of-service.service"
"""What kiosk.service starts (``OnFailure=``) on tty1 once systemd has given up on it."""
REPAIR = f"systemctl reset-failed {UNIT} && systemctl start {UNIT}"
"""What the out-of-service unit tells staff to run after a crash loop's repair."""
OUT_OF_SERVICE_TIMEOUT = 120
"""From systemd giving up on the kiosk until its out-of-service unit has drawn tty1."""
KIOSK = "/opt/kiosk/venv/bin/kiosk"
CONFIG = "/etc/kiosk/kiosk.toml"
ADMIN = "/usr/local/sbin/kiosk-admin"
"""How the README has staff run a command that needs the keys outside the service."""

WELCOME = "Cek status kepesertaan"
"""The first words of the welcome screen (Bahasa Indonesia, the default language)."""

BOOT_TIMEOUT = 300
"""From power on (or a reboot) until the VM's agent answers, under emulation."""
SERVING_TIMEOUT = 300
"""Boot, start under emulation, and the first background sync about a minute after start."""

CHANGED_NIK = "1311075010020746"
CHANGED_EMPLOYER = ("PT Graha Nusantara Konstruksi", "PT Kiosk Uji Sistem")
"""The one change the central store publishes after the stick's feed: a sample member's employer."""

SERVER = "http://127.0.0.1:8080/"
"""Where ``kiosk central serve`` inside the VM serves a feed disk, on the VM's own loopback."""

SHOWN = ("Type", "ActiveState", "SubState", "StatusText", "MainPID", "NRestarts", "Result")


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def state(vm: Vm) -> dict[str, str]:
    return vm.unit(UNIT, *SHOWN)


def screen(vm: Vm) -> str:
    """tty1's text as one line, each run of blanks one space: a sentence may wrap anywhere."""
    return " ".join(" ".join(vm.console(1)).split())


def wait_serving(vm: Vm, timeout: float = SERVING_TIMEOUT) -> dict[str, str]:
    """The unit active and saying it serves, and the welcome screen on tty1."""

    def serving() -> dict[str, str] | None:
        now = state(vm)
        ready = now["ActiveState"] == "active" and now["StatusText"].startswith("serving")
        return now if ready and WELCOME in screen(vm) else None

    return vm.wait_for("the kiosk serving on tty1", serving, timeout, every=2)


def boot_id(vm: Vm) -> str | None:
    """This boot's id, or None while the VM is between boots."""
    reply = vm.ask({"read": "/proc/sys/kernel/random/boot_id"}, 5)
    if reply is None or "data" not in reply:
        return None
    return str(reply["data"])


def serve_feed_disk(vm: Vm, label: str, directory: str) -> None:
    """``kiosk central serve`` of the feed disk ``label`` at :data:`SERVER`, as a transient unit."""
    vm.sh(f"mkdir -p {directory} && mount -o ro LABEL={label} {directory}").check()
    vm.sh("systemctl stop central-feed.service || true").check()
    host, port = SERVER.removeprefix("http://").rstrip("/").split(":")
    vm.run(
        "systemd-run",
        "--unit=central-feed",
        "--property=DynamicUser=yes",
        KIOSK,
        "central",
        "serve",
        "--dir",
        directory,
        "--host",
        host,
        "--port",
        port,
    ).check()


def use_source(vm: Vm, source: str) -> None:
    """The kiosk's config pointed at ``source``, as staff would edit it."""
    vm.sh(f"sed -i 's|^source = .*|source = \"{source}\"|' {CONFIG}").check()


def restart_and_sync(vm: Vm) -> None:
    """The kiosk started anew on its edited config, then syncing at once (the README's
    ``SYNC_NOW_COMMAND``) rather than a minute after its start."""
    vm.run("systemctl", "restart", UNIT, timeout=120).check()
    vm.sh(SYNC_NOW_COMMAND).check()
