"""``python -m devtools.bench.background``: one background sync, timed as a kiosk runs it.

A kiosk takes its incremental syncs in the running App, from its timer: the
process, its modules and its service are already there, and each sync opens its
own cache connection and feed client (``KioskApp._sync_in_background``). This
child builds the same service and maintenance from the configuration, and loads
the message catalogue a kiosk's screens have loaded, untimed; then it times that
one call and writes ``{"seconds": ..., "applied": [...]}`` to ``--out``.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from time import perf_counter

from kiosk.clock import system_clock
from kiosk.config import load_config
from kiosk.errors import KioskError
from kiosk.i18n import catalogue
from kiosk.maintenance import Maintenance
from kiosk.serving import KioskService


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.bench.background", description=__doc__
    )
    parser.add_argument("--config", type=Path, required=True, metavar="PATH")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    catalogue()  # As a running kiosk has it: its screens have read it.
    service = KioskService.from_config(config, os.environ, system_clock)
    maintenance = Maintenance.from_config(config, os.environ, service)
    try:
        start = perf_counter()
        result = maintenance.sync(None, trigger="timer")
        seconds = perf_counter() - start
    except KioskError as error:
        print(f"devtools.bench.background: {error.message.text('en')}", file=sys.stderr)
        return 1
    finally:
        service.close()
    applied = [done.bundle.name for done in result.applied]
    args.out.write_text(json.dumps({"seconds": seconds, "applied": applied}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
