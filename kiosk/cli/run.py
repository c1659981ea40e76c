"""``kiosk run``: the member kiosk itself, full screen, until systemd stops it.

This is the composition root: the one place in ``kiosk`` that reaches for the
Textual UI (``screens``), and only when the command runs.
"""

import logging
import logging.handlers
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from kiosk.cli import Invocation, Subparsers, add_command
from kiosk.config import Config
from kiosk.demo import Sample

log = logging.getLogger(__name__)
SYSLOG_SOCKET = "/dev/log"


def register(subparsers: Subparsers) -> None:
    add_command(subparsers, "run", _run, "run the member kiosk full screen (systemd's ExecStart)")


def _run(run: Invocation) -> int:
    return run_kiosk(run.config(), run.environ)


def run_kiosk(config: Config, environ: Mapping[str, str], demo: Sequence[Sample] = ()) -> int:
    """Exit code 0 after SIGTERM; 1 after a burst of errors, for systemd to restart it."""
    from screens.factory import build_app

    if not (os.isatty(0) and os.isatty(1)):
        log.warning("kiosk run wants a terminal on standard input and output")
    app = build_app(config, environ, demo=demo)
    with _logging_off_screen(config):
        try:
            code = app.run()
        finally:
            app.service.close()
    return 0 if code is None else code


@contextmanager
def _logging_off_screen(config: Config) -> Iterator[None]:
    """The App draws on the terminal, so log lines go to the journal (or a private file).

    Under systemd ``/dev/log`` is journald's syslog socket; without it (a
    developer's terminal) the log goes beside the cache, readable by its owner only.
    """
    root = logging.getLogger()
    handler: logging.Handler
    if Path(SYSLOG_SOCKET).exists():
        handler = logging.handlers.SysLogHandler(address=SYSLOG_SOCKET)
        handler.ident = "kiosk: "
    else:
        path = config.cache_path.parent / "kiosk-ui.log"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()  # Nowhere to write; never onto the screen.
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    before = root.handlers[:]
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.handlers = before
        handler.close()
