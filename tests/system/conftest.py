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
from pathlib import Path

import pytest

from tests.system.image import FEED_LABEL, PROVISIONED, Image, cached_image, kiosk_command
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


@pytest.fixture(scope="session")
def feed_disk(image: Image, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A USB stick with today's feed: the image's demo store, re-signed as its cron would."""
    work = tmp_path_factory.mktemp("feed")
    demo = work / "demo"
    shutil.copytree(image.demo, demo)
    subprocess.run(
        [str(kiosk_command()), "demo", "--no-ui", "--dir", str(demo)],
        check=True,
        capture_output=True,
    )
    stick = work / "stick"
    shutil.copytree(demo / "feed" / "repository", stick / "repository")
    subprocess.run(["chmod", "-R", "a+rX", str(stick)], check=True)
    disk = work / "stick.img"
    subprocess.run(
        ["mke2fs", "-q", "-t", "ext4", "-L", FEED_LABEL, "-d", str(stick), str(disk), "64M"],
        check=True,
    )
    return disk


@pytest.fixture(scope="session")
def kiosk_vm(image: Image, feed_disk: Path) -> Iterator[Vm]:
    """The kiosk VM, booted, its agent answering; powered off after the session."""
    run_dir = ARTIFACTS / "kiosk"
    shutil.rmtree(run_dir, ignore_errors=True)
    stick = ["-drive", f"file={feed_disk},if=virtio,format=raw,readonly=on"]
    vm = Vm.overlay(image, run_dir, stick)
    started = time.monotonic()
    vm.start()
    try:
        vm.wait_agent(BOOT_TIMEOUT)
        log(f"VM booted: agent answers after {time.monotonic() - started:.0f} s")
        yield vm
    finally:
        vm.stop()
