"""The UI's two targets, on the cache of a synced demo or bench tree.

``kiosk`` never imports Textual, so ``python -m devtools.ui_bench`` measures
them in child processes, each beside a bare Textual app measured the same way.
"""

import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devtools.bench.children import STARTUP_RUNS, child_environ, child_failed, settle, warm
from devtools.bench.feed import SAMPLE_SEED, Reservoir
from devtools.bench.figures import Spread, UiFigures
from devtools.bench.options import Say
from devtools.demo import DemoLayout, read_members
from kiosk.config import load_config

UI_TERM = "xterm-256color"
"""The UI children's terminal type: ``linux`` would switch the App to the console's look."""


def ui_figures(layout: DemoLayout, runs: int, say: Say) -> UiFigures:
    """Time the UI on the kiosk of a demo or bench tree whose cache is synced.

    The children keep their bytecode as every bench child does
    (:mod:`devtools.bench.children`), in a directory one untimed run of each fills
    first. The starts alternate kiosk and bare, so a slow spell of the machine
    lands on both.
    """
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-ui-") as work:
        samples = Path(work) / "samples.tsv"
        say(f"choosing {runs:,} members to verify at the kiosk from {layout.members_file}")
        members = _write_ui_samples(layout.members_file, samples, runs)
        environ = child_environ(Path(work) / "bytecode") | {"TERM": UI_TERM}
        config = ["--config", str(layout.config)]
        flow_args = ["flow", *config, "--samples", str(samples), "--runs"]
        say("UI: one untimed run of each child, to compile its bytecode")
        _ui_child(["start-bare"], environ)
        _ui_child([*flow_args, "1"], environ)
        say(f"UI: starting the kiosk and a bare Textual app, {STARTUP_RUNS} times each")
        starts = [
            (_ui_child(["start", *config], environ), _ui_child(["start-bare"], environ))
            for _ in range(STARTUP_RUNS)
        ]
        say(f"UI: {runs:,} members from answer to status screen, then as many bare switches")
        warm(load_config(layout.config).cache_path)
        flow = _ui_child([*flow_args, str(runs)], environ)
    flow_ms = [float(ms) for ms in flow["flow_ms"]]  # At least one: the child fails otherwise.
    return UiFigures(
        directory=str(layout.root),
        members=members,
        runs=int(flow["samples"]),
        starts=STARTUP_RUNS,
        import_textual_seconds=min(
            float(child["import_textual"]) for pair in starts for child in pair
        ),
        start_seconds=min(float(kiosk["to_welcome"]) for kiosk, _ in starts),
        bare_start_seconds=min(float(bare["to_first_screen"]) for _, bare in starts),
        flow_ms=Spread.of(flow_ms),
        baseline_ms=Spread.of([float(ms) for ms in flow["baseline_ms"]]),
        reached=len(flow_ms),
    )


def _write_ui_samples(members_file: Path, samples: Path, runs: int) -> int:
    """``nik<TAB>mother_name`` lines of persons not deleted, a fixed sample; returns their count.

    A seed of its own, so which members these are does not depend on the changes or lookups.
    A person's rows are adjacent (one per membership): each person is counted once.
    """
    rng = random.Random(SAMPLE_SEED + 2)  # noqa: S311 - a sample of made-up members
    chosen = Reservoir(runs, rng)
    last = None
    for row in read_members(members_file):
        if row["deleted"].strip().lower() not in {"true", "1"} and row["nik"] != last:
            chosen.add(f"{row['nik']}\t{row['mother_name']}")
            last = row["nik"]
    rng.shuffle(chosen.items)
    samples.write_text("".join(f"{line}\n" for line in chosen.items), encoding="utf-8")
    return chosen.seen


def _ui_child(args: Sequence[str], environ: dict[str, str]) -> dict[str, Any]:
    """``python -m devtools.ui_bench``, whose last line on standard output is its JSON object."""
    argv = [sys.executable, "-m", "devtools.ui_bench", *args]
    settle()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=environ,
        check=False,
    )
    lines = done.stdout.decode(errors="replace").splitlines()
    if done.returncode != 0 or not lines:
        child_failed(argv, done.returncode, done.stderr.decode(errors="replace"))
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures
