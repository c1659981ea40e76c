"""Child processes timed from outside: wall time, their own peak memory, a failure in one line.

The kiosk's side of the benchmark is the real command in a process of its
own, so its time and memory are what a deployed kiosk would see, interpreter
start-up included. The children keep their bytecode in a directory of the
bench's, filled by the first child that loads a module: an installed kiosk has
its modules compiled, while ``PYTHONDONTWRITEBYTECODE`` would have every child
compile them again, and writing ``__pycache__`` beside the sources is not the
benchmark's to do.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import NoReturn

from kiosk.errors import KioskError
from kiosk.i18n import msg

METER = Path(__file__).with_name("meter.py")
"""Starts each child, so that its peak RSS is its own and not the bench's (see there)."""

WARM_CHUNK = 1 << 20
"""Bytes per read when :func:`warm` pulls a store into the page cache."""

STARTUP_RUNS = 3
"""A child's start-up is the best of this many runs: noise only ever adds to it."""


@dataclass(frozen=True)
class Child:
    seconds: float
    peak_rss: int
    """The largest one process of the command reached."""
    tree_rss: int
    """The most all its processes held together (a publisher and its workers), sampled."""


def settle() -> None:
    """Flush what earlier phases wrote: no phase should pay in its fsyncs for another's writes."""
    os.sync()


def warm(database: Path) -> None:
    """Read a store's files once, so that its pages are in the page cache when it is timed.

    A kiosk's own cache is warm after a while in service. These machines keep only
    about 2 GB of file pages, and a 1 M bench writes three stores of a gigabyte
    each: without this, whichever was touched last would be the only warm one, and
    the figures would time the disk, differently for each store. (Cold lookups,
    pages dropped on purpose, are a measure of their own.)
    """
    for path in (database, database.with_name(f"{database.name}-wal")):
        try:
            with path.open("rb") as stream:
                while stream.read(WARM_CHUNK):
                    pass
        except FileNotFoundError:
            continue


def timed(action: Callable[[], object]) -> float:
    settle()
    start = perf_counter()
    action()
    return perf_counter() - start


def run_child(argv: Sequence[str], bytecode: Path) -> Child:
    """Run a command to its end through :data:`METER`: wall time, and its own peak RSS.

    Errors go to a file: a pipe could fill and stall the child.
    """
    with tempfile.TemporaryFile() as err:
        settle()
        meter = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-I", str(METER), *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=child_environ(bytecode),
            check=False,
        )
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    figures = json.loads(meter.stdout) if meter.returncode == 0 else {"code": meter.returncode}
    if figures["code"] != 0:
        child_failed(argv, figures["code"], stderr)
    return Child(figures["seconds"], _rss_bytes(figures["maxrss"]), figures["tree_rss"])


def startup_seconds(bytecode: Path) -> float:
    """A child ``python -m kiosk`` that only starts, the best of :data:`STARTUP_RUNS`."""
    version = [sys.executable, "-m", "kiosk", "--version"]
    return min(run_child(version, bytecode).seconds for _ in range(STARTUP_RUNS))


def child_environ(bytecode: Path) -> dict[str, str]:
    """Ours, less systemd's credentials (a child must use the bench kiosk's own key file),
    with its compiled modules kept in ``bytecode``."""
    dropped = {"CREDENTIALS_DIRECTORY", "PYTHONDONTWRITEBYTECODE"}
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    return environ | {"PYTHONPYCACHEPREFIX": str(bytecode)}


def child_failed(argv: Sequence[str], code: int, stderr: str) -> NoReturn:
    lines = [line.removeprefix("kiosk: ") for line in stderr.splitlines() if line.strip()]
    raise KioskError(
        msg(
            "bench.child_failed",
            command=" ".join(argv[2:]),
            code=code,
            reason=lines[-1] if lines else "-",
        )
    )


def own_peak_rss() -> int:
    return _rss_bytes(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _rss_bytes(maxrss: int) -> int:
    """Linux reports kibibytes, macOS bytes."""
    return maxrss if sys.platform == "darwin" else maxrss * 1024
