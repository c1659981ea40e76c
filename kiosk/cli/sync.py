"""``kiosk sync``: bring the cache up to the central store's signed feed."""

import sys
import time
from typing import TextIO

from kiosk.audit import Audit
from kiosk.cli import Invocation, Subparsers, add_command, print_json
from kiosk.feed.client import Applied, BundleRef, SyncResult
from kiosk.sync import audited_sync, feed_client, sync_cache

BAR_WIDTH = 30
REDRAW_SECONDS = 0.2


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


class LogProgress:
    """One line per bundle, for the journal and for pipes."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def begin(self, bundle: BundleRef) -> None:
        print(f"applying {bundle.name} ({bundle.records:,} records)", file=self._out, flush=True)

    def advance(self, records: int) -> None:
        """Per-frame progress is noise in a log."""

    def end(self, applied: Applied) -> None:
        print(f"applied {applied.bundle.name}", file=self._out, flush=True)


class TerminalProgress:
    """A bar redrawn in place, a few times a second at most."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._bundle: BundleRef | None = None
        self._done = 0
        self._drawn_at = 0.0

    def begin(self, bundle: BundleRef) -> None:
        self._bundle, self._done = bundle, 0
        self._draw()

    def advance(self, records: int) -> None:
        self._done += records
        if time.monotonic() - self._drawn_at >= REDRAW_SECONDS:
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
        self._out.write(f"\r{bundle.name} [{bar}] {share:4.0%} {self._done:,}/{bundle.records:,}")
        self._out.flush()
        self._drawn_at = time.monotonic()
