"""The slip printer: there or not, answering, with paper; asked as the kiosk asks it."""

from kiosk.config import Config, FileTarget
from kiosk.doctor.findings import Finding, ok, problem, warning
from kiosk.i18n import msg
from kiosk.printer import PrinterState, describe_target, printer_state, state_message


def check_printer(config: Config) -> Finding:
    """No printer is fine (members are offered no print button); one that fails is not."""
    settings = config.printer
    state = printer_state(settings)
    what = state_message(settings, state)
    if settings is None:
        return ok("printer", what)
    target = describe_target(settings.target)
    if state is PrinterState.PAPER_OUT:
        return problem("printer", what, msg("doctor.fix.printer_paper", paper=settings.paper_mm))
    if state is not PrinterState.READY:
        return problem("printer", what, msg("doctor.fix.printer_offline", target=target))
    if isinstance(settings.target, FileTarget) and settings.target.path.is_file():
        fix = msg("doctor.fix.printer_device")
        return warning("printer", msg("doctor.printer.regular_file", target=target), fix)
    return ok("printer", what)
