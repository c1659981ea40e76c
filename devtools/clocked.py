"""``python -m devtools.clocked NOW ARG...``: one ``kiosk`` command, its clock pinned at NOW.

The ``kiosk`` command reads the system's clock and has no option to set it. The
publish benchmark runs the real command in child processes and checks that two
of them published the same cards, which they do only when both sign at the same
instant: this is :func:`kiosk.cli.main` with the bench's "now" and nothing else.
It lives outside ``devtools.bench`` so that a child does not import the bench.
"""

import sys
from collections.abc import Sequence
from datetime import datetime

from kiosk.cli import main


def clocked(now: datetime, argv: Sequence[str]) -> list[str]:
    """The command line of a child running ``kiosk ARGV`` at ``now``."""
    return [sys.executable, "-m", "devtools.clocked", now.isoformat(), *argv]


def run(argv: Sequence[str]) -> int:
    now = datetime.fromisoformat(argv[0])
    return main(argv[1:], clock=lambda: now)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
