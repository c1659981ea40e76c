"""``kiosk sync``: bring the cache up to the central store's signed feed."""

import sys
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

from kiosk.audit import Audit
from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.feed.client import Applied, BundleRef, SyncResult
from kiosk.sync import audited_sync, feed_client, sync_cache

BAR_WIDTH = 30
REDRAW_SECONDS = 0.2
PACE_SECONDS = 30.0
"""The time left is told at the pace of the last this many seconds: a resumed load runs
through the part already stored much faster than it stores the rest."""
LOG_STEP = 0.1
"""The log says how far a bundle is each tenth of the way."""


def register(subparsers: Subparsers) -> None:
    sync = add_command(subparsers, "sync", _sync, "apply what the feed has that the cache lacks")
    sync.add_argument(
        "--source",
        metavar="URL_OR_DIR",
        help="feed URL or a directory holding a copy of it (default: feed.source)",
    )
    sync.add_argument(
        "--snapshot",
        action="store_true",
        help="start again from the feed's newest full snapshot (after the feed was rebuilt)",
    )


def _sync(run: Invocation) -> int:
    config = run.config()
    client = feed_client(config, run.environ, run.clock, run.args.source)
    cache = sync_cache(config, run.environ)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else LogProgress(sys.stderr)
    audit = Audit.from_config(config, run.clock)
    with cache:
        result = audited_sync(
            client,
            cache,
            audit,
            None if run.args.json else progress,
            trigger="cli",
            snapshot=run.args.snapshot,
        )
    audit.store.close()
    if run.args.json:
        print_json(_as_dict(result))
    else:
        print(_summary(result))
    return 0


def _summary(result: SyncResult) -> str:
    if not result.applied:
        sequence = result.after.sequence if result.after else 0
        return f"Up to date at feed sequence {sequence}."
    lines = [
        f"{done.bundle.kind} {done.bundle.sequence}: {done.upserted:,} stored, "
        f"{done.deleted:,} removed"
        for done in result.applied
    ]
    last = result.applied[-1]
    before = result.before.sequence if result.before else "none"
    members = "" if last.total is None else f"; {last.total:,} members"
    lines.append(f"Feed sequence {before} -> {last.bundle.sequence}{members}.")
    return "\n".join(lines)


def _as_dict(result: SyncResult) -> dict[str, object]:
    return {
        "before": None if result.before is None else result.before.sequence,
        "after": None if result.after is None else result.after.sequence,
        "latest": result.latest,
        "applied": [
            {
                "name": done.bundle.name,
                "kind": done.bundle.kind,
                "sequence": done.bundle.sequence,
                "stored": done.upserted,
                "removed": done.deleted,
                "members": done.total,
            }
            for done in result.applied
        ],
    }


class Pace:
    """Records a second over the last :data:`PACE_SECONDS`, and the time that leaves."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._seen: deque[tuple[float, int]] = deque()

    def restart(self, done: int) -> None:
        self._seen.clear()
        self.note(done)

    def note(self, done: int) -> None:
        now = self._clock()
        self._seen.append((now, done))
        while len(self._seen) > 2 and now - self._seen[1][0] >= PACE_SECONDS:
            self._seen.popleft()

    def left(self, done: int, total: int) -> str:
        """ "about 12 min left", or "" until the pace is known."""
        (then, done_then), (now, _) = self._seen[0], self._seen[-1]
        if now - then < REDRAW_SECONDS or done <= done_then:
            return ""
        seconds = (total - done) * (now - then) / (done - done_then)
        if seconds < 90:
            return f"about {max(seconds, 1):.0f} s left"
        return f"about {seconds / 60:,.0f} min left"


class LogProgress:
    """A line as each bundle begins, each tenth of the way with the time left, and at its end:
    for the journal and for pipes."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._out = out
        self._pace = Pace(clock)
        self._bundle: BundleRef | None = None
        self._done = 0
        self._next_line = 0

    def begin(self, bundle: BundleRef) -> None:
        self._bundle, self._done, self._next_line = bundle, 0, _step(bundle)
        self._pace.restart(0)
        print(f"applying {bundle.name} ({bundle.records:,} records)", file=self._out, flush=True)

    def advance(self, records: int) -> None:
        bundle = self._bundle
        self._done += records
        self._pace.note(self._done)
        if bundle is None or self._done < self._next_line or self._done >= bundle.records:
            return
        self._next_line = (self._done // _step(bundle) + 1) * _step(bundle)
        left = self._pace.left(self._done, bundle.records)
        share, done = self._done / bundle.records, self._done
        line = f"{bundle.name}: {share:.0%} ({done:,} of {bundle.records:,})"
        print(f"{line}, {left}" if left else line, file=self._out, flush=True)

    def end(self, applied: Applied) -> None:
        print(f"applied {applied.bundle.name}", file=self._out, flush=True)


class TerminalProgress:
    """A bar redrawn in place, a few times a second at most, with the time left."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._pace = Pace(clock)
        self._bundle: BundleRef | None = None
        self._done = 0
        self._drawn_at = 0.0
        self._width = 0

    def begin(self, bundle: BundleRef) -> None:
        self._bundle, self._done = bundle, 0
        self._pace.restart(0)
        self._draw()

    def advance(self, records: int) -> None:
        self._done += records
        self._pace.note(self._done)
        if self._clock() - self._drawn_at >= REDRAW_SECONDS:
            self._draw()

    def end(self, applied: Applied) -> None:
        self._draw()
        self._out.write("\n")
        self._out.flush()

    def _draw(self) -> None:
        bundle = self._bundle
        if bundle is None:
            return
        share = self._done / bundle.records if bundle.records else 1.0
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        left = self._pace.left(self._done, bundle.records) if self._done < bundle.records else ""
        line = f"{bundle.name} [{bar}] {share:4.0%} {self._done:,}/{bundle.records:,} {left}"
        # Padded to its widest yet, so that a shorter line leaves nothing of a longer one.
        self._out.write(f"\r{line:<{self._width}}")
        self._width = max(self._width, len(line))
        self._out.flush()
        self._drawn_at = self._clock()


def _step(bundle: BundleRef) -> int:
    return max(1, round(bundle.records * LOG_STEP))
