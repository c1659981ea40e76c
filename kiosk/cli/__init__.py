"""The ``kiosk`` command: one entry point, a subcommand for each job.

Every subcommand takes ``--config``; each module here registers its own
subcommands and returns an exit code. Expected failures are one bilingual line
on standard error with the exit code of their kind, never a traceback. A command
imports only its own module: ``kiosk run`` does not wait for the feed client, nor
a crash loop's failing start for the cache.
"""

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeAlias

from kiosk import __version__
from kiosk.clock import Clock, local_date, system_clock
from kiosk.config import Config, config_path, load_config
from kiosk.errors import KioskError

if TYPE_CHECKING:
    from kiosk.cache import Cache


@dataclass(frozen=True)
class Invocation:
    args: argparse.Namespace
    environ: Mapping[str, str]
    clock: Clock = system_clock
    """Every subcommand's "now": tests pin it, the product reads the system's."""

    def config(self) -> Config:
        return load_config(config_path(self.args.config, self.environ))

    def today(self) -> date:
        return local_date(self.clock)

    def cache(self) -> "Cache":
        """The configured cache, opened with the configured key."""
        from kiosk.cache import Cache
        from kiosk.keys import load_master_key

        config = self.config()
        return Cache.open(config.cache_path, load_master_key(config, self.environ))


Command = Callable[[Invocation], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_command(
    subparsers: Subparsers,
    name: str,
    command: Command,
    help_text: str,
) -> argparse.ArgumentParser:
    """A subcommand with the options every one of them has: ``--config`` and ``--json``."""
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(command=command)
    return parser


def add_group(subparsers: Subparsers, name: str, help_text: str, description: str) -> Subparsers:
    """A command whose subcommands do the work (``kiosk audit export``): add them to the result."""
    group = subparsers.add_parser(name, help=help_text, description=description)
    return group.add_subparsers(metavar="COMMAND", required=True)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


COMMANDS = {
    "nik": "nik",
    "keygen": "keys",
    "rekey": "keys",
    "status": "cache",
    "lookup": "cache",
    "sync": "sync",
    "run": "run",
    "out-of-service": "out_of_service",
    "card": "card",
    "central": "central",
    "demo": "demo",
    "bench": "bench",
    "doctor": "doctor",
    "staff-pin": "staff",
    "audit": "audit",
}
"""Each command, in ``--help``'s order, and the module of ``kiosk.cli`` that registers it."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command, or only ``command``'s module and what it imports."""
    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    subparsers = parser.add_subparsers(metavar="COMMAND", required=True)
    wanted = COMMANDS.values() if command not in COMMANDS else [COMMANDS[command]]
    for module in dict.fromkeys(wanted):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Clock = system_clock,
) -> int:
    logging.basicConfig(format="kiosk: %(levelname)s: %(message)s", level=logging.WARNING)
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    invocation = Invocation(args, os.environ if environ is None else environ, clock)
    try:
        code: int = args.command(invocation)
    except KioskError as error:
        print(f"kiosk: {error.message.bilingual()}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left early (`kiosk lookup ... | head`): silence the final flush too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code
