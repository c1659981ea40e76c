"""A sync killed with SIGKILL at random moments never leaves a cache that lies about itself."""

import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from kiosk.demo import build_demo
from tests.sites import Site, expected_contents
from tests.test_sync import changed

MEMBERS = 5000
KILLS = 20


def test_sigkill_mid_sync_leaves_the_previous_state_and_the_next_sync_finishes(
    tmp_path: Path,
) -> None:
    site = Site(tmp_path / "site")
    build_demo(site.root, MEMBERS, datetime.now(UTC), sync=False)
    rows = site.rows()
    states = {1: expected_contents(rows)}
    for sequence, count in ((2, 700), (3, 1500)):
        rows = changed(rows, count)
        del rows[sequence]
        assert site.publish(rows).sequence == sequence
        states[sequence] = expected_contents(rows)
    started = time.monotonic()
    assert start_sync(site).wait() == 0
    whole = time.monotonic() - started
    chance = random.Random(20261124)
    kills = 0
    seen: set[int | None] = set()
    for _ in range(3 * KILLS):
        if kills >= KILLS:
            break
        if check_consistent(site, states) == 3:
            site.cache_path.unlink()
            shutil.rmtree(site.kiosk / "feed-work")
        process = start_sync(site)
        time.sleep(chance.uniform(0.1, whole))
        process.send_signal(signal.SIGKILL)
        if process.wait() == -signal.SIGKILL:
            kills += 1
        seen.add(check_consistent(site, states))
    assert kills >= KILLS
    assert len(seen) >= 2, f"every kill landed in the same state: {seen}"
    code, _, err = site.sync()
    assert code == 0, err
    assert check_consistent(site, states) == 3


def start_sync(site: Site) -> "subprocess.Popen[bytes]":
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "sync", "--config", str(site.config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def check_consistent(site: Site, states: dict[int, dict[str, tuple[str, int, str]]]) -> int | None:
    """The cache opens, and its contents are exactly the feed state its cursor names."""
    if not site.cache_path.exists():
        return None
    with site.open_cache() as cache:
        cursor = cache.cursor()
    contents = site.contents()
    if cursor is None:
        assert contents == {}
        return None
    assert contents == states[cursor.sequence]
    return cursor.sequence
