"""``kiosk doctor``'s checks: what is wrong with a deployment, in plain words, and the fix.

Each check is a plain function returning a :class:`Finding`. None raises for a
broken deployment: every expected failure (a :class:`~kiosk.errors.KioskError`,
an ``OSError``, a damaged SQLite file) is its finding. The rules come from
where the service and the screens take them (staleness from
:class:`~kiosk.config.ScreenSettings`, room and QR sizes from
:mod:`kiosk.layout`), so the doctor cannot pass what the kiosk would refuse.
:mod:`kiosk.doctor.runner` runs the checks in order; the fixes for core errors
are in :mod:`kiosk.doctor.fixes`. Import from the submodules: this package
re-exports nothing, so that ``kiosk`` commands other than ``doctor`` load none of it.
"""
