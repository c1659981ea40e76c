"""Child processes timed from outside: wall time, their own peak memory, a failure in one line.

The kiosk's side of the benchmark is the real command in a process of its
own, so its time and memory are what a deployed kiosk would see, interpreter
start-up included.
"""

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import NoReturn

from kiosk.errors import KioskError
from kiosk.i18n import msg

STARTUP_RUNS = 3
"""A child's start-up is the best of this many runs: noise only ever adds to it."""


@dataclass(frozen=True)
class Child:
    seconds: float
    peak_rss: int


def settle() -> None:
    """Flush what earlier phases wrote: no phase should pay in its fsyncs for another's writes."""
    os.sync()


def timed(action: Callable[[], object]) -> float:
    settle()
    start = perf_counter()
    action()
    return perf_counter() - start


def run_child(argv: Sequence[str]) -> Child:
    """Run a command to its end: wall time, and its own peak RSS from ``wait4``.

    ``wait4`` gives this child's figure alone; ``RUSAGE_CHILDREN`` would give the
    largest of every child so far. Errors go to a file: a pipe could fill and stall it.
    """
    with tempfile.TemporaryFile() as err:
        settle()
        start = perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=child_environ(),
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if child.returncode != 0:
        child_failed(argv, child.returncode, stderr)
    return Child(seconds, _rss_bytes(usage.ru_maxrss))


def startup_seconds() -> float:
    """A child ``python -m kiosk`` that only starts, the best of :data:`STARTUP_RUNS`."""
    version = [sys.executable, "-m", "kiosk", "--version"]
    return min(run_child(version).seconds for _ in range(STARTUP_RUNS))


def child_environ() -> dict[str, str]:
    """Ours, less systemd's credentials: a child must use the bench kiosk's own key file."""
    return {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}


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
