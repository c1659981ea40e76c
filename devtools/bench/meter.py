"""Run one command; print its wall time, exit code and peak RSS as one JSON line.

Linux carries a process's largest RSS across ``exec``, and a child forked from
the benchmark starts out mapping the benchmark's pages: a ``kiosk sync`` forked
from a bench holding a gigabyte reports a gigabyte, whatever it used itself.
This file is run by path in a fresh interpreter (``python -I meter.py ARGV``), a
few megabytes of stdlib and nothing of the package, so the command it starts
reports its own figure. It must stay free of imports from this project.

``maxrss`` is the largest one process of the command reached (the kernel's
count); a command that starts workers (``kiosk central publish``) uses the
sum, so ``tree_rss`` is the most its processes held together, sampled every
:data:`SAMPLE_SECONDS` from ``/proc``.
"""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from time import perf_counter

SAMPLE_SECONDS = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE")


def measure(argv: Sequence[str]) -> dict[str, float | int]:
    """Stdout is dropped (the meter's own carries the figures); stderr is passed through."""
    start = perf_counter()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # noqa: S603 - the bench's own command line
    done = threading.Event()
    peak = [0]
    sampler = threading.Thread(target=_sample, args=(child.pid, done, peak), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = perf_counter() - start
    done.set()
    sampler.join()
    return {
        "seconds": seconds,
        "code": os.waitstatus_to_exitcode(status),
        "maxrss": usage.ru_maxrss,
        "tree_rss": peak[0],
    }


def _sample(pid: int, done: threading.Event, peak: list[int]) -> None:
    while not done.wait(SAMPLE_SECONDS):
        peak[0] = max(peak[0], sum(_rss(each) for each in _tree(pid)))


def _tree(pid: int) -> list[int]:
    """The process and its descendants, as far as ``/proc`` still shows them."""
    found, index = [pid], 0
    while index < len(found):
        for task in Path(f"/proc/{found[index]}/task").glob("*/children"):
            try:
                found.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
        index += 1
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:])))
