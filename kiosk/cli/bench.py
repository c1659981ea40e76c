"""``kiosk bench``: the design's performance targets, measured side by side in one run."""

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

from kiosk.cli import Invocation, Subparsers, add_command, print_json

UI_RUNS = 30


def register(subparsers: Subparsers) -> None:
    bench = add_command(
        subparsers,
        "bench",
        _bench,
        "time full and incremental sync, lookups and sizes against plain SQLite and SQLCipher",
    )
    bench.add_argument("--members", type=int, default=1_000_000, metavar="N", help="(%(default)s)")
    bench.add_argument(
        "--changes", type=int, default=10_000, metavar="N", help="for the delta (%(default)s)"
    )
    bench.add_argument("--lookups", type=int, default=10_000, metavar="N", help="(%(default)s)")
    bench.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="a new or empty directory, kept afterwards (default: a temporary one)",
    )
    bench.add_argument(
        "--keep", action="store_true", help="keep the temporary directory to look at afterwards"
    )
    bench.add_argument(
        "--ui-runs",
        type=_at_least_one,
        default=UI_RUNS,
        metavar="N",
        help="members taken from answer to status screen (%(default)s)",
    )
    bench.add_argument(
        "--ui-only",
        action="store_true",
        help="only the UI figures, on the synced kiosk of an existing demo or bench --dir",
    )
    bench.add_argument(
        "--publish-only",
        action="store_true",
        help="only the publisher: snapshot and delta from PostgreSQL (1 process, all cores) "
        "and from a file",
    )
    bench.set_defaults(usage_error=bench.error)


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def _bench(run: Invocation) -> int:
    # Imported here, not above: every command's start-up, a measured sync's included, would pay.
    from devtools.bench import (
        BenchLayout,
        BenchOptions,
        PublishLayout,
        publish_report,
        report,
        run_bench,
        run_publish_bench,
    )

    args = run.args
    if args.ui_only and args.publish_only:
        args.usage_error("--ui-only and --publish-only are two different runs: give one")
    if args.ui_only:
        return _ui_only(run)
    temporary = args.dir is None
    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-")) if temporary else args.dir
    options = BenchOptions(
        args.members, args.changes, args.lookups, run.clock(), ui_runs=args.ui_runs
    )
    try:
        if args.publish_only:
            published = run_publish_bench(PublishLayout(root), options, _progress())
            figures, table = published.as_dict(), publish_report(published)
        else:
            measured = run_bench(BenchLayout(root), options, _progress())
            figures, table = measured.as_dict(), report(measured)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        elif temporary:
            print(f"bench: files kept in {root}", file=sys.stderr)
    if args.json:
        print_json(figures)
    else:
        print(table)
    return 0


def _ui_only(run: Invocation) -> int:
    """The UI figures alone, on a tree built before: a million-member demo takes long to build."""
    from devtools.bench import BenchLayout, ui_figures, ui_report

    args = run.args
    if args.dir is None:
        args.usage_error("--ui-only needs --dir: a demo or bench directory built before")
    layout = BenchLayout(args.dir)
    if not (layout.config.is_file() and layout.members_file.is_file()):
        args.usage_error(
            f"--ui-only needs a demo or bench directory: {layout.root} has no "
            f"{layout.config.relative_to(layout.root)} or {layout.members_file.name}"
        )
    figures = ui_figures(layout, args.ui_runs, _progress())
    if args.json:
        print_json(figures.as_dict())
    else:
        print(ui_report(figures))
    return 0


def _progress() -> Callable[[str], None]:
    """Each phase as it starts, with the time so far: building a million takes minutes."""
    start = perf_counter()

    def say(text: str) -> None:
        print(f"bench: [{perf_counter() - start:7.1f} s] {text}", file=sys.stderr, flush=True)

    return say
