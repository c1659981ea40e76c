"""``kiosk doctor``'s checks: what is wrong with a deployment, in plain words, and the fix.

Each check is a plain function returning a :class:`Finding`. None raises for a
broken deployment: every expected failure (a :class:`~kiosk.errors.KioskError`,
an ``OSError``, a damaged SQLite file) is its finding. The rules come from
where the service and the screens take them (staleness from
:class:`~kiosk.config.ScreenSettings`, room and QR sizes from
:mod:`kiosk.layout`), so the doctor cannot pass what the kiosk would refuse.
:mod:`kiosk.doctor.runner` runs the checks in order; the fixes for core errors
are in :mod:`kiosk.doctor.fixes`.
"""

from kiosk.doctor.findings import Finding, Status
from kiosk.doctor.freshness import check_data
from kiosk.doctor.keys import check_key
from kiosk.doctor.runner import CHECKS, diagnose
from kiosk.doctor.storage import DISK_RESERVE, check_disk
from kiosk.doctor.terminal import measure_terminal

__all__ = [
    "CHECKS",
    "DISK_RESERVE",
    "Finding",
    "Status",
    "check_data",
    "check_disk",
    "check_key",
    "diagnose",
    "measure_terminal",
]
