"""``kiosk run``: the member kiosk itself, full screen, until systemd stops it.

This is the composition root: the one place in ``kiosk`` that reaches for the
Textual UI (``screens``), and only when the command runs.
"""

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from kiosk.banner import Banner, read_banner
from kiosk.cli import Invocation, Subparsers, add_command
from kiosk.clock import Clock, system_clock
from kiosk.config import Config
from kiosk.logs import logging_off_screen

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
) -> int:
    """Exit code 0 after SIGTERM; 1 after a burst of errors, for systemd to restart it."""
    from screens.factory import build_app

    if not (os.isatty(0) and os.isatty(1)):
        log.warning("kiosk run wants a terminal on standard input and output")
    app = build_app(config, environ, banner=banner, clock=clock)
    try:
        with logging_off_screen(config, environ), app.notifier:
            try:
                code = app.run()
            finally:
                app.notifier.stopping()
                app.service.close()
    except Exception:
        return 1  # Logged by type and frames: the traceback's text stays out of the journal.
    return 0 if code is None else code
