"""``kiosk demo``: a whole synthetic installation to try the kiosk on."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from kiosk.cli import Invocation, Subparsers, add_command, print_json


def register(subparsers: Subparsers) -> None:
    demo = add_command(
        subparsers, "demo", _demo, "build a demo feed of synthetic members, a kiosk and its cache"
    )
    demo.add_argument(
        "--dir",
        required=True,
        type=Path,
        metavar="DIR",
        help="an empty directory, or one holding a demo built before (it is reused)",
    )
    demo.add_argument("--members", type=int, default=5000, metavar="N", help="(%(default)s)")
    demo.add_argument(
        "--no-ui",
        action="store_true",
        help="only build it and print how to use it; without this the kiosk starts on it",
    )


def _demo(run: Invocation) -> int:
    from devtools.demo import DEMO_PIN, build_demo, open_demo

    now = run.clock()
    demo = open_demo(run.args.dir, now) or build_demo(run.args.dir, run.args.members, now)
    if run.args.json:
        print_json(
            {
                "config": str(demo.config),
                "feed": str(demo.feed.root),
                "samples": [
                    {"nik": s.nik, "mother_name": s.mother_name, "case": s.case}
                    for s in demo.samples
                ],
            }
        )
        return 0
    if demo.sync is None:
        print(f"Using the demo already built in {demo.root} (delete it to build a new one).")
    else:
        print(f"Demo built in {demo.root}: {run.args.members:,} synthetic members, synced.")
    print(f"Kiosk configuration: {demo.config}")
    print("Members to try (NIK, mother's maiden name to verify):")
    for sample in demo.samples:
        print(f"  {sample.nik}  {sample.mother_name:<28} {sample.case}")
    print(f"Staff mode: F12 (or tap the top-left corner five times), PIN {DEMO_PIN}")
    argv = ["run", "--config", str(demo.config), "--banner", str(demo.banner)]
    if not run.args.no_ui:
        _become_kiosk(argv, run.environ)
    print(f"Start the kiosk on it: kiosk {' '.join(argv)}")
    return 0


def _become_kiosk(argv: list[str], environ: Mapping[str, str]) -> NoReturn:
    """The kiosk itself, as systemd starts it: a fresh process that never loaded the builder."""
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "kiosk", *argv], dict(environ))  # noqa: S606
