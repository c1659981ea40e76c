"""What ``kiosk sync`` tells the operator while a bundle loads: how far, and the time left."""

import io

from tuf.api.metadata import TargetFile

from kiosk.cli.sync import PACE_SECONDS, LogProgress, TerminalProgress
from kiosk.feed.bundle import BundleKind
from kiosk.feed.client import BundleRef

RECORDS = 61_000_000
SNAPSHOT = BundleRef(
    "snapshot-00000001.bundle",
    BundleKind.SNAPSHOT,
    1,
    None,
    "state-1",
    RECORDS,
    TargetFile(1, {"sha256": "00" * 32}, "snapshot-00000001.bundle"),
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_tells_the_time_left_at_the_recent_pace() -> None:
    out, clock = io.StringIO(), Clock()
    progress = TerminalProgress(out, clock)
    progress.begin(SNAPSHOT)
    for _ in range(60):  # a minute at 34,000 records a second: 30 minutes in all
        clock.now += 1
        progress.advance(34_000)
    assert out.getvalue().split("\r")[-1].rstrip().endswith("about 29 min left")


def test_a_resumed_load_s_fast_start_does_not_shorten_the_time_left() -> None:
    """The part already stored is read again in seconds; the pace is the last half minute's."""
    out, clock = io.StringIO(), Clock()
    progress = TerminalProgress(out, clock)
    progress.begin(SNAPSHOT)
    clock.now += 2
    progress.advance(RECORDS * 8 // 10)  # 80 % read through again in two seconds
    for _ in range(int(PACE_SECONDS) + 5):
        clock.now += 1
        progress.advance(34_000)
    line = out.getvalue().split("\r")[-1].rstrip()
    assert " 82% " in line
    assert line.endswith("about 5 min left")


def test_the_log_says_each_tenth_of_the_way_with_the_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    progress = LogProgress(out, clock)
    progress.begin(SNAPSHOT)
    for _ in range(RECORDS // 1_000_000):
        clock.now += 30
        progress.advance(1_000_000)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"applying snapshot-00000001.bundle ({RECORDS:,} records)"
    assert len(lines) == 10
    assert lines[1] == "snapshot-00000001.bundle: 11% (7,000,000 of 61,000,000), about 27 min left"
    assert lines[-1] == "snapshot-00000001.bundle: 90% (55,000,000 of 61,000,000), about 3 min left"
