"""3. systemd's promises, as the README makes them: a killed kiosk is restarted, a frozen one
is killed by the watchdog and restarted, a stop gives the console back, and a kiosk that
keeps crashing is given up on until staff repair it."""

import re

from kiosk.i18n import msg
from kiosk.schedule import SYNC_NOW_COMMAND
from tests.system.kiosk import (
    CONFIG,
    FALLBACK,
    OUT_OF_SERVICE_TIMEOUT,
    REPAIR,
    UNIT,
    log,
    screen,
    state,
    wait_serving,
)
from tests.system.vm import Vm

START_SLACK = 60.0
"""Seconds an emulated CPU may take to see a process die and start Python anew."""
FAST_RESTART = "/run/systemd/system/kiosk.service.d/test-fast-restart.conf"
"""The crash loop's drop-in, in /run so that not even a power cut could leave it behind."""


def uptime(vm: Vm, before: str = "") -> float:
    """The VM's clock (seconds since boot), read just after running ``before``."""
    return float(vm.sh(f"{before}cat /proc/uptime").check().split()[0])


SPAN = {"h": 3600.0, "min": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}
"""The units in which ``systemctl show`` writes a time span (``1min 30s``)."""


def seconds(vm: Vm, prop: str) -> float:
    """A unit's ``*USec`` setting (a time span) or ``*TimestampMonotonic`` (µs), in seconds."""
    value = vm.unit(UNIT, prop)[prop]
    if value.isdigit():
        return int(value) / 1e6
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|min|ms|us|s)", value)
    assert parts, f"{prop}={value}"
    return sum(float(number) * SPAN[unit] for number, unit in parts)


def wait_new_kiosk(vm: Vm, old_pid: str, timeout: float) -> dict[str, str]:
    def restarted() -> dict[str, str] | None:
        now = state(vm)
        return (
            now if now["MainPID"] not in ("0", old_pid) and now["ActiveState"] == "active" else None
        )

    return vm.wait_for("a new kiosk process", restarted, timeout)


def given_up(vm: Vm) -> dict[str, str] | None:
    now = state(vm)
    return now if now["ActiveState"] == "failed" else None


def test_a_killed_kiosk_is_restarted_after_restart_sec(kiosk_vm: Vm) -> None:
    before = wait_serving(kiosk_vm)
    restart_sec = seconds(kiosk_vm, "RestartUSec")
    killed = uptime(kiosk_vm, f"kill -9 {before['MainPID']}; ")
    after = wait_new_kiosk(kiosk_vm, before["MainPID"], restart_sec + START_SLACK)
    took = seconds(kiosk_vm, "ExecMainStartTimestampMonotonic") - killed
    log(f"kill -9: a new kiosk {took:.1f} s later (RestartSec={restart_sec:.0f}): {after}")
    assert restart_sec <= took <= restart_sec + START_SLACK
    assert int(after["NRestarts"]) == int(before["NRestarts"]) + 1
    wait_serving(kiosk_vm)


def test_a_frozen_kiosk_is_killed_by_the_watchdog_and_restarted(kiosk_vm: Vm) -> None:
    before = wait_serving(kiosk_vm)
    watchdog = seconds(kiosk_vm, "WatchdogUSec")
    restart_sec = seconds(kiosk_vm, "RestartUSec")
    frozen = uptime(kiosk_vm, f"kill -STOP {before['MainPID']}; ")
    bound = watchdog + restart_sec + START_SLACK
    after = wait_new_kiosk(kiosk_vm, before["MainPID"], bound)
    took = seconds(kiosk_vm, "ExecMainStartTimestampMonotonic") - frozen
    journal = kiosk_vm.run("journalctl", "-u", UNIT, "-b", "-o", "short-monotonic").check()
    fired = [
        float(line.split("]")[0].strip("[ ")) - frozen
        for line in journal.splitlines()
        if "Watchdog timeout" in line
    ]
    log(f"SIGSTOP: watchdog fired {fired[-1]:.1f} s later, a new kiosk {took:.1f} s later")
    assert fired
    assert fired[-1] <= watchdog + 1
    assert took <= bound
    assert int(after["NRestarts"]) == int(before["NRestarts"]) + 1
    wait_serving(kiosk_vm)


def test_a_stopped_kiosk_exits_cleanly_and_gives_tty1_back(kiosk_vm: Vm) -> None:
    """Stopped just after the operator's sync now: the sync may still run, and must not hold
    the stop."""
    wait_serving(kiosk_vm)
    kiosk_vm.sh(SYNC_NOW_COMMAND).check()
    kiosk_vm.run("systemctl", "stop", UNIT).check()
    stopped = kiosk_vm.unit(UNIT, "ActiveState", "Result", "ExecMainCode", "ExecMainStatus")
    log(f"systemctl stop: {stopped}")
    assert stopped["ActiveState"] == "inactive"
    assert stopped["Result"] == "success"
    # TTYVTDisallocate=yes: nothing a member saw is left on the console.
    # (A deallocated console has no /dev/vcs1 to read: nothing is left either way.)
    left = kiosk_vm.sh("cat /dev/vcs1 2>/dev/null | tr -d ' \\000'").check()
    assert left == ""
    modes = kiosk_vm.run("stty", "-F", "/dev/tty1", "-a").check()
    assert re.search(r"(?<!-)icanon", modes), modes
    assert re.search(r"(?<!-)echo\b", modes), modes
    kiosk_vm.run("systemctl", "start", UNIT, timeout=120).check()
    wait_serving(kiosk_vm)


def test_a_kiosk_that_keeps_crashing_ends_failed_until_staff_repair_it(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    burst = int(kiosk_vm.unit(UNIT, "StartLimitBurst")["StartLimitBurst"])
    interval = seconds(kiosk_vm, "StartLimitIntervalUSec")
    # Only the wait between starts is shortened: the 5 starts still come well inside 10 min.
    kiosk_vm.sh(
        f"mkdir -p {FAST_RESTART.rsplit('/', 1)[0]} && printf '[Service]\\nRestartSec=1s\\n' > "
        f"{FAST_RESTART} && systemctl daemon-reload"
    ).check()
    kiosk_vm.sh(f"cp -p {CONFIG} {CONFIG}.good && echo 'kiosk_id =' > {CONFIG}").check()
    try:
        kiosk_vm.run("systemctl", "restart", "--no-block", UNIT).check()
        failed = kiosk_vm.wait_for(
            "kiosk.service failed",
            lambda: given_up(kiosk_vm),
            burst * (seconds(kiosk_vm, "RestartUSec") + START_SLACK),
        )
        listed = kiosk_vm.run("systemctl", "--failed", "--no-legend", "--plain").check()
        journal = kiosk_vm.run(
            "journalctl", "-u", UNIT, "-b", "--since", f"-{interval:.0f}s", "-o", "cat"
        ).check()
        # tty1 is not left blank: the out-of-service unit tells staff what to do.
        told = kiosk_vm.wait_for(
            "the out-of-service screen on tty1",
            lambda: screen(kiosk_vm) if REPAIR in screen(kiosk_vm) else None,
            OUT_OF_SERVICE_TIMEOUT,
        )
        log(f"tty1 after the crash loop: {told}")
        kiosk_vm.screendump("crash-loop.png")
    finally:
        # The README's repair: put the config right, reset-failed, then start.
        kiosk_vm.sh(f"mv {CONFIG}.good {CONFIG}").check()
        kiosk_vm.sh(f"rm {FAST_RESTART} && systemctl daemon-reload").check()
        kiosk_vm.run("systemctl", "reset-failed", UNIT).check()
        kiosk_vm.run("systemctl", "start", UNIT, timeout=120).check()
    starts = journal.count("Starting kiosk.service")
    log(f"crash loop: {failed}; systemctl --failed: {listed.strip()}")
    log(f"starts in the last {interval:.0f} s: {starts} (StartLimitBurst={burst})")
    # The limit counts every start in the interval, the earlier tests' restarts too.
    assert "Start request repeated too quickly" in journal
    assert starts >= burst
    assert UNIT in listed
    assert msg("ui.out_of_service.title").text("id") in told
    wait_serving(kiosk_vm)
    assert kiosk_vm.unit(FALLBACK, "ActiveState")["ActiveState"] == "inactive"
