"""The system test's VM: the cached image, a fresh feed on a USB stick, one boot for the session.

``make system-test`` runs these; ``make test`` never collects them (pyproject's
``norecursedirs``). Every test module shares the one running VM and leaves
the kiosk serving as it found it, so the session boots once (and reboots in
the boot test).
"""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.system.image import FEED_LABEL, PROVISIONED, Image, cached_image, kiosk_command
from tests.system.kiosk import CHANGED_EMPLOYER, CHANGED_NIK
from tests.system.vm import Vm, VmError, require_tools

ARTIFACTS = Path(os.environ.get("VMTEST_ARTIFACTS", "build/system-test")).resolve()
"""Serial logs and screen pictures of the last run, kept for a person to look at."""

PROVISION_TIMEOUT = 900
BOOT_TIMEOUT = 300


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def provision(image: Image, serial_log: Path) -> None:
    """The image's first boot, on its own disk: the README's steps, then power off."""
    vm = Vm(image, image.disk, serial_log.parent)
    vm.start()
    try:
        vm.wait_exit(PROVISION_TIMEOUT)
    finally:
        vm.kill()
        shutil.copy(vm.serial_log, serial_log)
    text = serial_log.read_text(errors="replace")
    if f"{PROVISIONED}0" not in text:
        tail = "\n".join(text.splitlines()[-60:])
        raise VmError(f"the README's operator steps failed in the VM:\n{tail}")


@pytest.fixture(scope="session")
def image() -> Image:
    require_tools()
    started = time.monotonic()
    built = cached_image(log, provision)
    log(f"VM image ready in {time.monotonic() - started:.0f} s")
    return built


@dataclass(frozen=True)
class Feeds:
    """The disks that bring feeds to a VM with no network device."""

    stick: Path
    """A USB stick (label KIOSKFEED) with today's feed: the README's mount unit mounts it."""
    central: Path
    """The same central store one publish later (label CENTRAL), for ``kiosk central serve``."""


def disk(source: Path, label: str, image: Path) -> Path:
    """An ext4 file system of ``source``'s files, everyone may read them."""
    subprocess.run(["chmod", "-R", "a+rX", str(source)], check=True)
    subprocess.run(
        ["mke2fs", "-q", "-t", "ext4", "-L", label, "-d", str(source), str(image), "64M"],
        check=True,
    )
    return image


def kiosk(*argv: str) -> None:
    subprocess.run([str(kiosk_command()), *argv], check=True, capture_output=True)


@pytest.fixture(scope="session")
def feeds(image: Image, tmp_path_factory: pytest.TempPathFactory) -> Feeds:
    """The image's demo store re-signed as its cron would, then published again with a change."""
    work = tmp_path_factory.mktemp("feeds")
    demo = work / "demo"
    shutil.copytree(image.demo, demo)
    kiosk("demo", "--no-ui", "--dir", str(demo))
    stick = work / "stick"
    shutil.copytree(demo / "feed" / "repository", stick / "repository")
    members = demo / "members.csv"
    rows = members.read_text().splitlines(keepends=True)
    (index,) = [i for i, row in enumerate(rows) if row.startswith(f"{CHANGED_NIK},")]
    rows[index] = rows[index].replace(f",{CHANGED_EMPLOYER[0]},", f",{CHANGED_EMPLOYER[1]},")
    members.write_text("".join(rows))
    kiosk("central", "publish", "--dir", str(demo / "feed"), "--members", str(members))
    central = work / "central"
    shutil.copytree(demo / "feed" / "repository", central / "repository")
    return Feeds(
        disk(stick, FEED_LABEL, work / "stick.img"), disk(central, "CENTRAL", work / "central.img")
    )


@pytest.fixture(scope="session")
def kiosk_vm(image: Image, feeds: Feeds) -> Iterator[Vm]:
    """The kiosk VM, booted, its agent answering; powered off after the session."""
    run_dir = ARTIFACTS / "kiosk"
    shutil.rmtree(run_dir, ignore_errors=True)
    drives: list[str] = []
    for path in (feeds.stick, feeds.central):
        drives += ["-drive", f"file={path},if=virtio,format=raw,readonly=on"]
    vm = Vm.overlay(image, run_dir, drives)
    started = time.monotonic()
    vm.start()
    try:
        vm.wait_agent(BOOT_TIMEOUT)
        log(f"VM booted: agent answers after {time.monotonic() - started:.0f} s")
        yield vm
    finally:
        vm.stop()
