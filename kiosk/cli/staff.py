"""``kiosk staff-pin set``: the PIN that opens staff mode on the kiosk's screen.

Only a slow salted hash of it is kept, in the kiosk's state file; setting it
is audited. It needs no master key, so an operator can provision it before
the kiosk has a cache.
"""

import getpass
import sys

from kiosk.cli import Invocation, Subparsers, add_command, add_group, print_json
from kiosk.errors import InvalidInputError
from kiosk.i18n import msg
from kiosk.pin import MAX_PIN, MIN_PIN, check_new_pin


def register(subparsers: Subparsers) -> None:
    commands = add_group(
        subparsers,
        "staff-pin",
        "the staff PIN that opens staff mode on the kiosk",
        "Set the PIN staff type on the kiosk's screen to open staff mode.",
    )
    set_pin = add_command(
        commands,
        "set",
        _set,
        f"set the staff PIN ({MIN_PIN} to {MAX_PIN} digits); only a slow salted hash is kept",
    )
    set_pin.add_argument(
        "--stdin",
        action="store_true",
        help="read the PIN once from standard input (provisioning) instead of typing it twice",
    )


def _set(run: Invocation) -> int:
    from kiosk.maintenance import Maintenance
    from kiosk.serving import KioskService

    config = run.config()
    pin = sys.stdin.readline().strip() if run.args.stdin else _typed_twice()
    service = KioskService.from_config(config, run.environ, run.clock)
    try:
        Maintenance.from_config(config, run.environ, service).set_pin(pin)
    finally:
        service.close()
    if run.args.json:
        print_json({"pin": "set", "state_file": str(config.state_file)})
    else:
        print(msg("staff_cli.done", path=config.state_file).bilingual())
    return 0


def _typed_twice() -> str:
    """Typed without echo, then again: a typo would otherwise lock staff out."""
    if not sys.stdin.isatty():
        raise InvalidInputError(msg("staff_cli.no_terminal"))
    pin = check_new_pin(_ask(msg("staff_cli.prompt").bilingual()))
    if _ask(msg("staff_cli.again").bilingual()) != pin:
        raise InvalidInputError(msg("staff_cli.mismatch"))
    return pin


def _ask(prompt: str) -> str:
    """Ctrl-D is no PIN, which the rules then refuse in words."""
    try:
        return getpass.getpass(f"{prompt}: ")
    except EOFError:
        return ""
