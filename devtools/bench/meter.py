"""Run one command; print its wall time, exit code and its own peak RSS as one JSON line.

Linux carries a process's largest RSS across ``exec``, and a child forked from
the benchmark starts out mapping the benchmark's pages: a ``kiosk sync`` forked
from a bench holding a gigabyte reports a gigabyte, whatever it used itself.
This file is run by path in a fresh interpreter (``python -I meter.py ARGV``), a
few megabytes of stdlib and nothing of the package, so the command it starts
reports its own figure. It must stay free of imports from this project.
"""

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from time import perf_counter


def measure(argv: Sequence[str]) -> dict[str, float | int]:
    """Stdout is dropped (the meter's own carries the figures); stderr is passed through."""
    start = perf_counter()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # noqa: S603 - the bench's own command line
    _, status, usage = os.wait4(child.pid, 0)
    return {
        "seconds": perf_counter() - start,
        "code": os.waitstatus_to_exitcode(status),
        "maxrss": usage.ru_maxrss,
    }


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:])))
