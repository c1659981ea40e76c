"""5. Feeds without a network device: a USB stick mounted by the README's mount unit, and
``kiosk central serve`` on the VM's own loopback. The background sync applies each at once on
the operator's sync now (``SYNC_NOW_COMMAND``), or by itself about a minute after the kiosk
starts: the smaller kiosk's test shows that, on its own stick."""

import json
import re

from tests.system.kiosk import (
    ADMIN,
    CHANGED_EMPLOYER,
    CHANGED_NIK,
    CONFIG,
    SERVER,
    log,
    restart_and_sync,
    serve_feed_disk,
    state,
    use_source,
    wait_serving,
)
from tests.system.vm import Vm

SYNC_TIMEOUT = 300
"""A restart under emulation, then the sync the operator asks for."""


def sequence(status: str) -> int:
    found = re.search(r"last background sync: ok, sequence (\d+)", status)
    assert found is not None, status
    return int(found.group(1))


def cursor(vm: Vm) -> int:
    """The feed sequence the cache holds, as ``kiosk status`` reads it."""
    found = json.loads(vm.sh(f"{ADMIN} status --json").check())
    return int(found["cursor"]["sequence"])


def employer(vm: Vm) -> str:
    record = json.loads(vm.sh(f"{ADMIN} lookup --json {CHANGED_NIK}").check())
    return str(record["memberships"][0]["employer_name"])


def test_the_vm_has_no_network_device(kiosk_vm: Vm) -> None:
    links = kiosk_vm.run("ls", "/sys/class/net").check().split()
    assert links == ["lo"]


def test_the_stick_is_mounted_read_only_and_its_feed_synced(kiosk_vm: Vm) -> None:
    seen = wait_serving(kiosk_vm)
    mount = kiosk_vm.run("findmnt", "-n", "-o", "SOURCE,OPTIONS", "/media/feed").check()
    log(f"/media/feed: {mount.strip()}; {seen['StatusText']}")
    assert mount.split()[0] == "/dev/vdb"
    assert "ro" in mount.split()[1].split(",")
    assert cursor(kiosk_vm) >= 1
    assert employer(kiosk_vm) == CHANGED_EMPLOYER[0]


def test_a_feed_served_on_the_vms_loopback_is_synced_when_the_operator_asks(kiosk_vm: Vm) -> None:
    wait_serving(kiosk_vm)
    before = cursor(kiosk_vm)
    serve_feed_disk(kiosk_vm, "CENTRAL", "/srv/central")
    kiosk_vm.sh(f"cp -p {CONFIG} {CONFIG}.stick").check()
    use_source(kiosk_vm, SERVER)
    try:
        restart_and_sync(kiosk_vm)

        def synced() -> str | None:
            status = state(kiosk_vm)["StatusText"]
            return status if f"ok, sequence {before + 1}" in status else None

        status = kiosk_vm.wait_for("a background sync over HTTP", synced, SYNC_TIMEOUT, every=3)
    finally:
        kiosk_vm.sh(f"mv {CONFIG}.stick {CONFIG}").check()
    log(f"from {SERVER}: {status}")
    assert cursor(kiosk_vm) == before + 1
    assert employer(kiosk_vm) == CHANGED_EMPLOYER[1]
    served = kiosk_vm.run("journalctl", "-u", "central-feed", "-b", "-o", "cat").check()
    log(f"kiosk central serve's journal: {served.strip()[-300:]}")
