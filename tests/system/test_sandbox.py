"""4. The sandbox holds for real: a probe run by real systemd under kiosk.service's own
directives finds it can write only its state and logs, reach no home, hold no capability,
open no socket family beyond the unit's, make no system call beyond the unit's filter, see
no process but its own in /proc, and read the key only as a credential.

These are what ``tests/sandbox.py`` once rebuilt by hand with ctypes, applied here by
systemd 252 itself; the kiosk serving a member under the same unit (the console test)
is what the hand-built sandbox's ``kiosk run`` checks were."""

import json
import re
from pathlib import Path

from tests.system.kiosk import UNIT, log, wait_serving
from tests.system.vm import Vm
from tests.test_systemd_unit import MAX_EXPOSURE

PROBE = Path(__file__).with_name("probe.py")
PROBE_UNIT = "kiosk-probe.service"
RESULT = "/run/kiosk-probe.json"
NOT_SANDBOXING = {
    "Type",
    "NotifyAccess",
    "WatchdogSec",
    "TimeoutStartSec",
    "Restart",
    "RestartSec",
    "ExecStart",
    "TTYPath",
    "StandardInput",
    "StandardOutput",
    "StandardError",
    "TTYReset",
    "TTYVHangup",
    "TTYVTDisallocate",
}
"""What the probe's copy of the unit leaves out: how to run, not what may be done."""

FORBIDDEN = (
    "write /etc",
    "write /etc/kiosk",
    "write /opt/kiosk",
    "write /usr",
    "write /var/lib",
    "write /media",
    "list /home",
    "list /root",
    "key in /etc/kiosk/credentials",
    "AF_NETLINK socket",
    "AF_PACKET socket",
    "mmap write+exec",
    "mprotect exec",
    "personality",
    "unshare user namespace",
    "sethostname",
    "open /dev/vda",
    "sched_setaffinity",
    "read /proc/meminfo",
)
ALLOWED = (
    "write /var/lib/kiosk",
    "write /var/log/kiosk",
    "write /tmp",
    "key in $CREDENTIALS_DIRECTORY",
    "AF_INET socket",
    "AF_UNIX socket",
    "thread",
)


def probe_unit(unit: str) -> str:
    """The live unit's [Service] sandbox around the probe, its output to a file."""
    lines = ["[Unit]", "Description=kiosk.service's sandbox, probed", "[Service]"]
    section = ""
    for line in unit.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
            continue
        key = stripped.split("=", 1)[0]
        wanted = "=" in stripped and not stripped.startswith("#") and key not in NOT_SANDBOXING
        if section == "[Service]" and wanted:
            lines.append(stripped)
    lines += [
        "Type=oneshot",
        "ExecStart=/opt/kiosk/venv/bin/python /run/kiosk-probe.py",
        f"StandardOutput=truncate:{RESULT}",
    ]
    return "\n".join(lines) + "\n"


def exposure(text: str) -> float:
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", text)
    assert found is not None, text
    return float(found.group(1))


def test_a_probe_under_the_units_sandbox_can_do_only_what_the_kiosk_needs(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    unit = kiosk_vm.read(f"/etc/systemd/system/{UNIT}").decode()
    kiosk_vm.run("tee", "/run/kiosk-probe.py", stdin=PROBE.read_text()).check()
    kiosk_vm.run("tee", f"/run/systemd/system/{PROBE_UNIT}", stdin=probe_unit(unit)).check()
    kiosk_vm.run("systemctl", "daemon-reload").check()
    kiosk_vm.run("systemctl", "start", PROBE_UNIT, timeout=120).check()
    found: dict[str, str] = json.loads(kiosk_vm.read(RESULT))
    log(f"the probe under the unit's sandbox: {found}")
    assert {name: found[name] for name in ALLOWED} == dict.fromkeys(ALLOWED, "ok")
    assert [name for name in FORBIDDEN if found[name] == "ok"] == []
    assert found["clone3"] == "ENOSYS"
    assert found["read /proc/meminfo"] == "ENOENT"
    assert found["others' processes in /proc"] == "0"
    zero = "0000000000000000"
    caps = [found[c] for c in ("CapEff", "CapPrm", "CapBnd", "CapAmb")]
    assert caps == [zero] * 4
    assert (found["NoNewPrivs"], found["Seccomp"]) == ("1", "2")


def test_the_live_unit_scores_no_worse_than_the_offline_check(kiosk_vm: Vm) -> None:
    live = kiosk_vm.run("systemd-analyze", "security", "--no-pager", UNIT).check()
    offline = kiosk_vm.run(
        "systemd-analyze", "security", "--offline=true", "--no-pager", f"/etc/systemd/system/{UNIT}"
    ).check()
    log(f"systemd-analyze security: live {exposure(live)}, offline {exposure(offline)}")
    assert exposure(live) <= min(exposure(offline), MAX_EXPOSURE)
