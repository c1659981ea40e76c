"""6. A power cut in the middle of a large sync: the VM is killed while the kiosk applies a
big feed, booted again, serves from a consistent cache (all before or all after, never a
mix) and then finishes the sync: at once on the operator's sync now here, since the smaller
kiosk's test already shows the first background sync after a start coming by itself."""

import json
import time

from kiosk.schedule import SYNC_NOW_COMMAND
from tests.system.conftest import BIG_DELTA
from tests.system.kiosk import (
    ADMIN,
    BOOT_TIMEOUT,
    SERVER,
    log,
    restart_and_sync,
    serve_feed_disk,
    state,
    use_source,
    wait_serving,
)
from tests.system.test_feeds import sequence
from tests.system.vm import Vm

SYNC_TIMEOUT = 600
"""A restart or a boot under emulation, then 20,000 members applied."""
WAL = "/var/lib/kiosk/cache.db-wal"


def cache(vm: Vm) -> tuple[int, int]:
    """The cache's records and its feed sequence, as ``kiosk status`` reads them."""
    found = json.loads(vm.sh(f"{ADMIN} status --json").check())
    return int(found["records"]), int(found["cursor"]["sequence"])


def test_a_power_cut_mid_sync_leaves_a_consistent_cache_and_the_sync_finishes(
    kiosk_vm: Vm,
) -> None:
    wait_serving(kiosk_vm)
    before = cache(kiosk_vm)
    serve_feed_disk(kiosk_vm, "BIGFEED", "/srv/big")
    use_source(kiosk_vm, SERVER)
    restart_and_sync(kiosk_vm)
    # Mid-sync: the big bundle has arrived and its transaction is being written.

    def mid_sync() -> str | None:
        wal = int(kiosk_vm.sh(f"stat -c %s {WAL} 2>/dev/null || echo 0").check())
        if wal > 1 << 20:
            return "writing"
        return None if "sync: none yet" in state(kiosk_vm)["StatusText"] else "missed"

    moment = kiosk_vm.wait_for("the big sync writing the cache", mid_sync, SYNC_TIMEOUT, every=0.5)
    assert moment == "writing", state(kiosk_vm)
    kiosk_vm.kill()
    log(f"power cut while the cache's WAL grew past 1 MiB; before it: {before}")

    kiosk_vm.start()
    kiosk_vm.wait_agent(BOOT_TIMEOUT)
    serve_feed_disk(kiosk_vm, "BIGFEED", "/srv/big")
    kiosk_vm.wait_for(
        "kiosk.service active after the power cut",
        lambda: state(kiosk_vm)["ActiveState"] == "active",
        BOOT_TIMEOUT,
    )
    after_cut = cache(kiosk_vm)
    log(f"after the power cut the cache holds {after_cut}: {state(kiosk_vm)['StatusText']}")
    started = time.monotonic()
    kiosk_vm.sh(SYNC_NOW_COMMAND).check()

    def finished() -> str | None:
        status = state(kiosk_vm)["StatusText"]
        return status if "last background sync: ok" in status else None

    status = kiosk_vm.wait_for("the big sync finished", finished, SYNC_TIMEOUT, every=5)
    final = cache(kiosk_vm)
    log(f"sync finished {time.monotonic() - started:.0f} s after sync now: {final}; {status}")
    assert final == (before[0] + BIG_DELTA, sequence(status))
    assert after_cut in (before, final)
