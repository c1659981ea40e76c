"""The system test's VMs: the cached image, a fresh feed on a USB stick, one boot for the session.

``make system-test`` runs these; ``make test`` never collects them (pyproject's
``norecursedirs``). Every test module shares the one running kiosk VM and leaves
the kiosk serving as it found it, so the session boots it once (and reboots it in
the boot test). A second kiosk, with a smaller screen, boots beside it for its one test.
"""

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from devtools.demo import DEMO_SEED, read_members, write_members
from devtools.synthetic import synthetic_rows
from tests.system.image import (
    DEMO_MEMBERS,
    FEED_LABEL,
    PROVISIONED,
    Image,
    cached_image,
    kiosk_command,
)
from tests.system.kiosk import ARTIFACTS, BOOT_TIMEOUT, CHANGED_EMPLOYER, CHANGED_NIK, log
from tests.system.vm import SCREEN, Vm, VmError, require_tools

BIG_DELTA = 20_000
"""Members the big feed adds: a sync long enough under emulation to cut the power in."""
PROVISION_TIMEOUT = 900


def provision(image: Image, serial_log: Path) -> None:
    """The image's first boot, on its own disk: the README's steps, then power off."""
    vm = Vm(image, image.disk, serial_log.parent, tpm=image.tpm)
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


ORDER = (
    "test_boot",
    "test_console",
    "test_small_screen",
    "test_feeds",
    "test_sandbox",
    "test_systemd",
    "test_power",
    "test_stolen_disk",
)
"""The modules share one VM: the crash loop and the power cut come last, after the gentler,
then the stolen disk, a copy of the cache the power test left complete."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: ORDER.index(item.path.stem) if item.path.stem in ORDER else 0)


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
    big: Path
    """Two publishes later (label BIGFEED): :data:`BIG_DELTA` more members, a long sync."""


def disk(source: Path, label: str, image: Path, size: str = "64M") -> Path:
    """An ext4 file system of ``source``'s files, everyone may read them."""
    subprocess.run(["chmod", "-R", "a+rX", str(source)], check=True)
    subprocess.run(
        ["mke2fs", "-q", "-t", "ext4", "-L", label, "-d", str(source), str(image), size],
        check=True,
        capture_output=True,
    )
    return image


def kiosk(*argv: str) -> None:
    subprocess.run([str(kiosk_command()), *argv], check=True, capture_output=True)


@pytest.fixture(scope="session")
def feeds(image: Image, tmp_path_factory: pytest.TempPathFactory) -> Feeds:
    """The image's demo store re-signed as its cron would, then published twice more."""
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
    known = {row["nik"] for row in read_members(members)}
    rows_now = synthetic_rows(DEMO_MEMBERS + BIG_DELTA, seed=DEMO_SEED, today=date.today())
    write_members(
        members, [*read_members(members), *(r for r in rows_now if r["nik"] not in known)]
    )
    kiosk("central", "publish", "--dir", str(demo / "feed"), "--members", str(members))
    big = work / "big"
    shutil.copytree(demo / "feed" / "repository", big / "repository")
    return Feeds(
        disk(stick, FEED_LABEL, work / "stick.img"),
        disk(central, "CENTRAL", work / "central.img"),
        disk(big, "BIGFEED", work / "big.img", "512M"),
    )


SMALL_SCREEN = (1024, 768)
"""The smaller kiosk's monitor: 128 x 48 cells of the kernel's 8 x 16 font."""


@dataclass(frozen=True)
class Fleet:
    """The session's VMs, powered on together."""

    kiosk: Vm
    """The kiosk every test module shares."""
    small: Vm | None
    """The same installed kiosk with a :data:`SMALL_SCREEN` monitor, if a test asks for it."""


def new_vm(image: Image, name: str, drives: list[Path], screen: tuple[int, int]) -> Vm:
    """A VM over the cached image, with the chip the kiosk's keys were sealed to."""
    run_dir = ARTIFACTS / name
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    shutil.copytree(image.tpm, run_dir / "tpm")
    extra: list[str] = []
    for path in drives:
        extra += ["-drive", f"file={path},if=virtio,format=raw,readonly=on"]
    return Vm.overlay(image, run_dir, extra, tpm=run_dir / "tpm", screen=screen)


@pytest.fixture(scope="session")
def fleet(image: Image, feeds: Feeds, request: pytest.FixtureRequest) -> Iterator[Fleet]:
    """Both kiosks boot at once: the smaller one boots and syncs from its stick while the
    first one's boot tests wait on it, on CPU the emulator would otherwise leave idle."""
    kiosk = new_vm(image, "kiosk", [feeds.stick, feeds.central, feeds.big], SCREEN)
    wanted = any("small_vm" in getattr(item, "fixturenames", ()) for item in request.session.items)
    small = new_vm(image, "small-screen", [feeds.stick], SMALL_SCREEN) if wanted else None
    vms = [vm for vm in (kiosk, small) if vm is not None]
    try:
        for vm in vms:
            vm.start()
        yield Fleet(kiosk, small)
    finally:
        for vm in vms:
            vm.stop()


@pytest.fixture(scope="session")
def kiosk_vm(fleet: Fleet) -> Vm:
    """The kiosk VM, booted, its agent answering; powered off after the session."""
    started = time.monotonic()
    fleet.kiosk.wait_agent(BOOT_TIMEOUT)
    log(f"VM booted: agent answers after {time.monotonic() - started:.0f} s")
    return fleet.kiosk


@pytest.fixture(scope="session")
def small_vm(fleet: Fleet) -> Vm:
    """The kiosk at :data:`SMALL_SCREEN`, booted, its agent answering."""
    assert fleet.small is not None
    fleet.small.wait_agent(BOOT_TIMEOUT)
    return fleet.small
