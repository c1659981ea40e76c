"""``kiosk audit export``: the kiosk's audit log as JSON Lines, for the central office.

Members appear in it only as keyed hashes of their NIK, so the export may
leave the kiosk; the output file is still private (mode 0600) and written
whole or not at all.
"""

import io
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from kiosk.cli import Invocation, Subparsers, add_command, add_group, print_json
from kiosk.errors import InvalidInputError, KioskError
from kiosk.files import atomic_file
from kiosk.i18n import msg


def register(subparsers: Subparsers) -> None:
    commands = add_group(
        subparsers,
        "audit",
        "the kiosk's audit log",
        "Read the kiosk's audit log (members appear only as keyed hashes).",
    )
    export = add_command(
        commands,
        "export",
        _export,
        "write the audit log as JSON Lines, oldest first (--json: the count, with --output)",
    )
    export.add_argument(
        "--since",
        metavar="TIME",
        help="only events from then on: a date YYYY-MM-DD (UTC) or an ISO time",
    )
    export.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write FILE (mode 0600, replaced whole) instead of standard output",
    )


def _export(run: Invocation) -> int:
    from kiosk.serving import KioskService

    config = run.config()
    start = None if run.args.since is None else parse_since(run.args.since)
    if not config.state_file.exists():
        # Opening it would create it, possibly owned by whoever runs this and not the kiosk.
        raise KioskError(msg("audit_cli.no_log", path=config.state_file))
    service = KioskService.from_config(config, run.environ, run.clock)
    try:
        output: Path | None = run.args.output
        if output is None:
            count = service.audit.export(sys.stdout, start)
        else:
            count = write_atomically(output, lambda out: service.audit.export(out, start))
    finally:
        service.close()
    if run.args.json and output is not None:
        print_json({"events": count, "output": str(output)})
    else:
        print(msg("audit_cli.exported", count=count).bilingual(), file=sys.stderr)
    return 0


def parse_since(text: str) -> datetime:
    """A time without a zone is UTC, like the log's own timestamps."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(msg("audit_cli.bad_date", text=text)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def write_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """A temporary file beside ``path``, renamed over it once complete: never half an export."""
    try:
        with atomic_file(path.parent, path.name, 0o600) as atomic:
            out = io.TextIOWrapper(atomic.handle, encoding="utf-8")
            count = write(out)
            out.flush()
            out.detach()
    except OSError as error:
        raise KioskError(msg("audit_cli.unwritable", path=path, reason=error.strerror)) from None
    return count
