"""The ``kiosk`` command: one entry point, a subcommand for each job.

Every subcommand takes ``--config``; each module here registers its own
subcommands and returns an exit code. Expected failures are one bilingual line
on standard error with the exit code of their kind, never a traceback.
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from kiosk import __version__
from kiosk.cache import Cache
from kiosk.clock import Clock, local_date, system_clock
from kiosk.config import Config, config_path, load_config
from kiosk.errors import KioskError
from kiosk.keys import load_master_key


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

    def cache(self) -> Cache:
        """The configured cache, opened with the configured key."""
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


def build_parser() -> argparse.ArgumentParser:
    from kiosk.cli import (
        audit,
        bench,
        cache,
        card,
        central,
        demo,
        doctor,
        keys,
        nik,
        out_of_service,
        run,
        staff,
        sync,
    )

    parser = argparse.ArgumentParser(prog="kiosk", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    subparsers = parser.add_subparsers(metavar="COMMAND", required=True)
    for module in (
        nik,
        keys,
        cache,
        sync,
        run,
        out_of_service,
        card,
        central,
        demo,
        bench,
        doctor,
        staff,
        audit,
    ):
        module.register(subparsers)
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Clock = system_clock,
) -> int:
    logging.basicConfig(format="kiosk: %(levelname)s: %(message)s", level=logging.WARNING)
    args = build_parser().parse_args(argv)
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
