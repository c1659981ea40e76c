"""1. Boot: the unit starts the kiosk on tty1, it says READY=1 and why it serves or not, and a
reboot brings it back by itself."""

import time

from kiosk.schedule import SYNC_NOW_COMMAND
from tests.system.kiosk import (
    ADMIN,
    BOOT_TIMEOUT,
    SERVING_TIMEOUT,
    UNIT,
    WELCOME,
    boot_id,
    log,
    screen,
    state,
    wait_serving,
)
from tests.system.vm import Vm


def test_the_kiosk_takes_tty1_and_tells_systemd_it_serves(kiosk_vm: Vm) -> None:
    """Installed without a feed, the kiosk starts out of service; the operator's sync now
    (the smaller kiosk shows the first background sync coming by itself) makes it serve."""

    def ready() -> dict[str, str] | None:
        now = state(kiosk_vm)
        return now if now["ActiveState"] == "active" else None

    first = kiosk_vm.wait_for(f"{UNIT} active (READY=1)", ready, SERVING_TIMEOUT)
    log(f"kiosk.service before its first sync: {first}")
    assert first["StatusText"].startswith("out of service: ")
    assert "never synced; last background sync: none yet" in first["StatusText"]
    kiosk_vm.sh(SYNC_NOW_COMMAND).check()
    seen = wait_serving(kiosk_vm)
    log(f"kiosk.service: {seen}")
    # Type=notify: "active" only once the kiosk sent READY=1; StatusText is its STATUS= line.
    assert seen["Type"] == "notify"
    assert seen["SubState"] == "running"
    assert "; data of " in seen["StatusText"]
    assert "last background sync: ok" in seen["StatusText"]
    shown = screen(kiosk_vm)
    assert WELCOME in shown
    assert "login:" not in shown
    getty = kiosk_vm.unit("getty@tty1.service", "ActiveState", "UnitFileState")
    assert getty == {"ActiveState": "inactive", "UnitFileState": "disabled"}
    log(f"welcome screen: {kiosk_vm.screendump('welcome.png')}")


def test_the_readme_check_passes_on_the_running_kiosk(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    doctor = kiosk_vm.sh(f"{ADMIN} doctor --tty /dev/tty1")
    log(f"kiosk doctor (rc {doctor.rc}):\n{doctor.out}")
    assert doctor.rc == 0, doctor.out + doctor.err


def test_after_a_reboot_it_comes_back_by_itself(kiosk_vm: Vm) -> None:
    before = boot_id(kiosk_vm)
    assert before is not None
    kiosk_vm.run("systemctl", "reboot", "--no-block").check()
    started = time.monotonic()

    def rebooted() -> str | None:
        now = boot_id(kiosk_vm)
        return now if now not in (None, before) else None

    kiosk_vm.wait_for("the VM back after its reboot", rebooted, BOOT_TIMEOUT)
    seen = wait_serving(kiosk_vm)
    log(f"after the reboot ({time.monotonic() - started:.0f} s): {seen}")
    assert seen["NRestarts"] == "0"
