"""``kiosk run``: the member kiosk itself, full screen, until systemd stops it.

This is the composition root: the one place in ``kiosk`` that reaches for the
Textual UI (``screens``), and only when the command runs.
"""

import asyncio
import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import NoReturn

from kiosk.banner import Banner, read_banner
from kiosk.cli import Invocation, Subparsers, add_command
from kiosk.clock import Clock, system_clock
from kiosk.config import Config
from kiosk.logs import logging_off_screen
from kiosk.schedule import hold_sync_now

log = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "run", _run, "run the member kiosk full screen (systemd's ExecStart)"
    )
    parser.add_argument(
        "--banner",
        type=Path,
        metavar="FILE",
        help="show the demo banner of this file (written by 'kiosk demo'); never on a real kiosk",
    )


def _run(run: Invocation) -> int:
    banner = None if run.args.banner is None else read_banner(run.args.banner)
    return run_kiosk(run.config(), run.environ, banner, clock=run.clock)


def run_kiosk(
    config: Config,
    environ: Mapping[str, str],
    banner: Banner | None = None,
    clock: Clock = system_clock,
) -> NoReturn:
    """Exit code 0 after SIGTERM; 1 after a burst of errors, for systemd to restart it."""
    hold_sync_now()  # Before the UI's imports, the slowest part of a start.
    from screens.factory import build_app

    if not (os.isatty(0) and os.isatty(1)):
        log.warning("kiosk run wants a terminal on standard input and output")
    app = build_app(config, environ, banner=banner, clock=clock)
    # Not asyncio.run(), which waits for every worker thread before it returns.
    loop = asyncio.new_event_loop()
    busy = 0
    try:
        with logging_off_screen(config, environ), app.notifier:
            try:
                code = app.run(loop=loop)
            finally:
                app.notifier.stopping()
                app.service.close()
                loop.close()
                hold_sync_now()  # The loop gave the signal its default action back: to end us.
                busy = _busy_threads()
                if busy:
                    log.info("stopping while %d worker thread(s) run, such as a sync", busy)
    except Exception:
        code = 1  # Logged by type and frames: the traceback's text stays out of the journal.
    _exit_now(0 if code is None else code)


IDLE_WORKER_EXIT = 0.5
"""Seconds an idle worker thread may take to end once the loop's executor is shut down."""


def _busy_threads() -> int:
    """Worker threads still running a job (a sync, an integrity check, a print), after idle
    ones had a moment to end."""
    deadline = time.monotonic() + IDLE_WORKER_EXIT
    others = [thread for thread in threading.enumerate() if thread is not threading.main_thread()]
    for thread in others:
        if not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    return sum(1 for thread in others if thread.is_alive() and not thread.daemon)


def _exit_now(code: int) -> NoReturn:
    """The process ends here, everything it owns closed and the exit functions run, without
    the rest of the interpreter's shutdown:

    - that would wait for a worker thread, and a background sync can run for minutes (a big
      feed, a hung server), past the unit's TimeoutStopSec and its SIGKILL. The cache is
      consistent at any instant (the kill tests prove it) and the next start syncs again;
    - its last flush of a console the kiosk has left would turn exit code 0 into 120, which
      systemd counts a failure (seen in the system test, a stop just after a sync).
    """
    atexit._run_exitfuncs()  # Logging's shutdown among them, as at any exit.
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # A console hung up, a stream closed.
            stream.flush()
    os._exit(code)
