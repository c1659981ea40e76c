"""Allow ``python -m kiosk`` where the console script is not on PATH."""

from kiosk.cli import main

raise SystemExit(main())
