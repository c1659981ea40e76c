"""``kiosk out-of-service``: tty1 once systemd has given up on the kiosk
(``kiosk-out-of-service.service``, started by ``kiosk.service``'s ``OnFailure=``)."""

import shutil
import signal
import sys

from kiosk.cli import Invocation, Subparsers, add_command
from kiosk.unit_failure import failure_reason, failure_screen

PAPER, BAR, TITLE, TEXT = "\x1b[0;30;47m", "\x1b[30;42m", "\x1b[34m", "\x1b[30m"
"""The kiosk's console look in the console's own colours: black on light grey, the top bar
green, a title dark blue."""
CLEAR = f"{PAPER}\x1b[H\x1b[2J\x1b[?25l"
"""Cursor hidden, the screen cleared to the paper colour: nothing but the message on it."""
SHOW_CURSOR = "\x1b[0m\x1b[?25h"
UNTIL = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def register(subparsers: Subparsers) -> None:
    add_command(
        subparsers,
        "out-of-service",
        _show,
        "show why the kiosk cannot run, until stopped (kiosk-out-of-service.service)",
    )


def _show(run: Invocation) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, UNTIL)
    size = shutil.get_terminal_size()
    brand, *lines = failure_screen(failure_reason(run.environ), size.columns, size.lines)
    painted = [f"{BAR}{brand.text.ljust(size.columns)}{PAPER}"]
    painted += [f"{TITLE}{line.text}{TEXT}" if line.title else line.text for line in lines]
    sys.stdout.write(CLEAR + "\r\n".join(painted))
    sys.stdout.flush()
    signal.sigwait(UNTIL)
    sys.stdout.write(SHOW_CURSOR)
    sys.stdout.flush()
    return 0
