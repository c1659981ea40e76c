"""``kiosk bench``: the design's performance targets, measured side by side in one run."""

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING

from kiosk.cli import Invocation, Subparsers, add_command, print_json

if TYPE_CHECKING:
    from devtools.bench import ScaleOptions

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
        "--keep",
        action="store_true",
        help="keep the temporary directory to look at afterwards (with --scale: each size's "
        "feed, cache and baseline too, removed once measured otherwise)",
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
    bench.add_argument(
        "--scale",
        action="store_true",
        help="the scale run: full and incremental sync, warm and cold lookups, size and memory "
        "at each of --sizes, beside plain SQLite, as a table, a plot and a 61 M projection",
    )
    bench.add_argument(
        "--sizes",
        type=_sizes,
        metavar="N,N,...",
        help="members at each size of --scale (default: 1 M, 2 M, 4 M and 8 M)",
    )
    bench.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="where --scale writes its SVG (default: scale.svg in the bench directory)",
    )
    bench.set_defaults(usage_error=bench.error)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"member counts separated by commas, not {text!r}"
        ) from None
    if not sizes or min(sizes) < 1 or len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError(f"distinct positive member counts, not {text!r}")
    return sizes


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
        run_scale,
        scale_report,
    )

    args = run.args
    if sum((args.ui_only, args.publish_only, args.scale)) > 1:
        args.usage_error("--ui-only, --publish-only and --scale are different runs: give one")
    if (args.sizes is not None or args.plot is not None) and not args.scale:
        args.usage_error("--sizes and --plot are for --scale")
    if args.ui_only:
        return _ui_only(run)
    temporary = args.dir is None
    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-")) if temporary else args.dir
    options = BenchOptions(
        args.members, args.changes, args.lookups, run.clock(), ui_runs=args.ui_runs
    )
    try:
        if args.scale:
            scaled = run_scale(root, _scale_options(run), _progress())
            figures, table = scaled.as_dict(), scale_report(scaled)
        elif args.publish_only:
            published = run_publish_bench(PublishLayout(root), options, _progress())
            figures, table = published.as_dict(), publish_report(published)
        else:
            measured = run_bench(BenchLayout(root), options, _progress())
            figures, table = measured.as_dict(), report(measured)
    finally:
        # A scale run's directory holds its plot once each size is measured and removed.
        if temporary and not args.keep and not args.scale:
            shutil.rmtree(root, ignore_errors=True)
        elif temporary:
            print(f"bench: files kept in {root}", file=sys.stderr)
    if args.json:
        print_json(figures)
    else:
        print(table)
    return 0


def _scale_options(run: Invocation) -> "ScaleOptions":
    from devtools.bench import SCALE_SIZES, ScaleOptions

    args = run.args
    return ScaleOptions(
        sizes=args.sizes or SCALE_SIZES,
        changes=args.changes,
        lookups=args.lookups,
        now=run.clock(),
        plot=args.plot,
        keep=args.keep,
    )


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
