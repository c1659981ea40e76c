"""The slip printer: an ESC/POS receipt printer on USB, on the network, or a device file.

python-escpos builds the byte stream (on its in-memory ``Dummy`` printer, so the
bytes sent are the bytes a test reads back) and speaks to USB and network
printers. It is imported only when a slip is printed or a printer is asked
for its state: a kiosk without a printer never loads it or Pillow.

Asking the state or printing waits on the printer: a network printer that does
not answer costs up to its ``timeout_seconds``. Call both from a worker thread,
never from the UI's event loop; one :class:`Printer` serialises its calls.
"""

import errno
import logging
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kiosk.audit import Audit, Event, details
from kiosk.config import (
    Config,
    FileTarget,
    NetworkTarget,
    Paper,
    PrinterSettings,
    PrinterTarget,
    UsbTarget,
)
from kiosk.errors import KioskError, disk_full
from kiosk.i18n import Lang, Message, msg
from kiosk.qr import QUIET_ZONE, encode_qr
from kiosk.slip import Code, Line, Slip, make_slip

if TYPE_CHECKING:
    from PIL import Image

    from kiosk.serving import MemberView

log = logging.getLogger(__name__)

PROFILES = {58: "POS-5890", 80: "TM-T20II"}
"""python-escpos's printer profile for each roll width of :data:`kiosk.config.PAPERS`: its
columns and raster width are the paper's (a test checks), and it knows whether there is a
cutter (the 80 mm one has, the 58 mm one has not)."""
CODE_PAGE = "CP437"
"""How python-escpos encodes the slip's text; the text is ASCII, the same in every page."""
USA_CHARACTERS = b"\x1bR\x00"
"""ESC R 0: the international character set USA. A printer's switches may start it in
another, which prints # $ @ [ ] { } as national letters; with this, ASCII is ASCII."""
MODULE_DOTS = 8
"""Dots a QR module at most: 1 mm at 203 dpi, which a phone reads off paper at arm's length."""
MIN_MODULE_DOTS = 4
"""Fewer (0.5 mm a module) and a worn print head or a cheap camera loses the code."""
USB_TIMEOUT_MS = 3000
OFFLINE_BIT = 0x08
"""In the answer to DLE EOT 1 (printer status): set when the printer is offline."""
PAPER_OUT_BITS = 0x60
"""In the answer to DLE EOT 4 (roll paper sensor): both set when the paper has run out."""


class PrinterState(StrEnum):
    """What the UI asks before it offers the print button, and what staff see."""

    READY = "ready"
    NOT_CONFIGURED = "not_configured"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"


class PrinterError(KioskError):
    """The slip was not printed: ``message`` is the member's sentence; ``state`` the printer's
    as this found it, never :attr:`PrinterState.READY` (the UI stops offering the button)."""

    def __init__(self, outcome: str, state: PrinterState) -> None:
        super().__init__(msg(f"printer.error.{outcome}"))
        self.outcome = outcome
        """``not_configured``, ``offline``, ``paper_out``, ``denied`` or ``disk_full``."""
        self.state = state


class Printer:
    """The kiosk's one printer, or none (``settings`` ``None``): then nothing is offered."""

    def __init__(self, settings: PrinterSettings | None, audit: Audit) -> None:
        self.settings = settings
        self.audit = audit
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config, audit: Audit) -> "Printer":
        return cls(config.printer, audit)

    @property
    def configured(self) -> bool:
        """Without a printer there is no button: this costs nothing to ask, unlike :meth:`state`."""
        return self.settings is not None

    def state(self) -> PrinterState:
        """Asked of the printer now (DLE EOT); a file target is ready when it can be written."""
        with self._lock:
            return printer_state(self.settings)

    def describe(self) -> Message:
        """The state for staff, with the target: ``ready (network 10.0.0.5:9100, 58 mm paper)``."""
        return state_message(self.settings, self.state())

    def print_slip(self, view: "MemberView", lang: Lang, *, card: int | None = None) -> None:
        """Print ``view``'s slip in ``lang``; ``card``: see :func:`kiosk.slip.make_slip`.

        Raises :class:`PrinterError` (the member's sentence and the state) when nothing
        or not all was printed. Audited either way, without anything of the member's
        but their keyed tag.
        """
        settings = self.settings
        if settings is None:
            self.audit.record(Event.PRINT, "not_configured", member=view.tag)
            raise PrinterError("not_configured", PrinterState.NOT_CONFIGURED)
        slip = make_slip(
            view,
            lang,
            settings.paper,
            card=card,
            printed_at=self.audit.clock(),
            kiosk_id=self.audit.kiosk_id,
        )
        data = slip_bytes(slip, settings.paper_mm)
        carried = "yes" if slip.card_kpj is not None else "no"
        detail = details(target=_kind(settings.target), paper_mm=settings.paper_mm, card=carried)
        try:
            with self._lock:
                _send(settings.target, data)
        except PrinterError as error:
            log.warning("printer: a slip was not printed (%s)", error.outcome)
            self.audit.record(Event.PRINT, error.outcome, member=view.tag, detail=detail)
            raise
        self.audit.record(Event.PRINT, "printed", member=view.tag, detail=detail)


def printer_state(settings: PrinterSettings | None) -> PrinterState:
    """For ``kiosk doctor``, which has no audit log to hand a :class:`Printer`."""
    if settings is None:
        return PrinterState.NOT_CONFIGURED
    return _state(settings.target)


def state_message(settings: PrinterSettings | None, state: PrinterState) -> Message:
    if settings is None:
        return msg("printer.state.not_configured")
    target = describe_target(settings.target)
    return msg(f"printer.state.{state}", target=target, paper=settings.paper_mm)


def describe_target(target: PrinterTarget) -> str:
    """Where the printer is, for staff: ``usb 0416:5011``, ``file /dev/usb/lp0``."""
    if isinstance(target, UsbTarget):
        return f"usb {target.vendor_id:04x}:{target.product_id:04x}"
    if isinstance(target, NetworkTarget):
        return f"network {target.host}:{target.port}"
    return f"file {target.path}"


def _kind(target: PrinterTarget) -> str:
    return describe_target(target).split(" ", 1)[0]


def slip_bytes(slip: Slip, paper_mm: int) -> bytes:
    """The slip as ESC/POS: ESC @, ESC R, ESC a, ESC E, text and LF, GS v 0, ESC d, GS V."""
    from escpos.printer import Dummy

    printer: Any = Dummy(
        profile=PROFILES[paper_mm], magic_encode_args={"disabled": True, "encoding": CODE_PAGE}
    )
    printer.hw("INIT")
    printer._raw(USA_CHARACTERS)
    for part in slip.parts:
        if isinstance(part, Line):
            printer.set(align="center" if part.centred else "left", bold=part.bold)
            printer.textln(part.text)
        else:
            printer.set(align="left", bold=False)
            printer.image(qr_image(part, slip.paper), impl="bitImageRaster")
    printer.set(align="left", bold=False)
    printer.cut()
    return bytes(printer.output)


def qr_image(code: Code, paper: Paper) -> "Image.Image":
    """The card's QR (the screen's encoder and error correction) across the paper, centred.

    Modules of up to :data:`MODULE_DOTS` dots with the standard quiet zone; the image is
    the paper's raster width, so the printer needs no centring of its own.
    """
    from PIL import Image

    matrix = encode_qr(code.text)
    modules = matrix.with_quiet_zone(QUIET_ZONE)
    across = len(modules)
    dots = min(MODULE_DOTS, paper.dots // across)
    if dots < MIN_MODULE_DOTS:
        raise ValueError(f"a QR of {across} modules does not fit {paper.dots} dots readably")
    side = across * dots
    image = Image.new("1", (paper.dots, side), 1)
    left = (paper.dots - side) // 2
    for row, line in enumerate(modules):
        for column, dark in enumerate(line):
            if dark:
                x, y = left + column * dots, row * dots
                image.paste(0, (x, y, x + dots, y + dots))
    return image


def _state(target: PrinterTarget) -> PrinterState:
    if isinstance(target, FileTarget):
        return PrinterState.READY if _writable(target) else PrinterState.OFFLINE
    try:
        with _connected(target) as printer:
            return _asked(printer)
    except PrinterError as error:
        return error.state


def _asked(printer: Any) -> PrinterState:
    """DLE EOT 4 first: a printer out of paper also says it is offline."""
    from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER

    paper = printer.query_status(RT_STATUS_PAPER)
    online = printer.query_status(RT_STATUS_ONLINE)
    if not paper or not online:
        return PrinterState.OFFLINE
    if paper[0] & PAPER_OUT_BITS == PAPER_OUT_BITS:
        return PrinterState.PAPER_OUT
    if online[0] & OFFLINE_BIT:
        return PrinterState.OFFLINE
    return PrinterState.READY


def _writable(target: FileTarget) -> bool:
    path = target.path
    if path.exists():
        return not path.is_dir() and os.access(path, os.W_OK)
    return path.parent.is_dir() and os.access(path.parent, os.W_OK | os.X_OK)


def _send(target: PrinterTarget, data: bytes) -> None:
    if isinstance(target, FileTarget):
        _write_file(target, data)
        return
    with _connected(target) as printer:
        state = _asked(printer)
        if state is PrinterState.PAPER_OUT:
            raise PrinterError("paper_out", state)
        if state is not PrinterState.READY:
            raise PrinterError("offline", state)
        try:
            printer._raw(data)
        except (OSError, ValueError) as error:
            log.info("printer: sending failed (%s)", type(error).__name__)
            raise PrinterError("offline", PrinterState.OFFLINE) from None


@contextmanager
def _connected(target: UsbTarget | NetworkTarget) -> Iterator[Any]:
    """An open python-escpos printer; any failure to reach it is :attr:`PrinterState.OFFLINE`."""
    from escpos.exceptions import Error as EscposError
    from escpos.printer import Network, Usb

    printer: Any
    if isinstance(target, NetworkTarget):
        printer = Network(target.host, target.port, timeout=target.timeout.total_seconds())
    else:
        printer = Usb(target.vendor_id, target.product_id, timeout=USB_TIMEOUT_MS)
    try:
        printer.open()
        yield printer
    except PrinterError:
        raise
    except (EscposError, OSError, ValueError) as error:
        # pyusb's errors are OSErrors; a missing libusb is its NoBackendError, a ValueError.
        # Info: staff's screen asks the state on every refresh; a failed print is the warning.
        log.info("printer: %s cannot be reached (%s)", _kind(target), type(error).__name__)
        raise PrinterError("offline", PrinterState.OFFLINE) from None
    finally:
        _close(printer)


def _close(printer: Any) -> None:
    """Closing a connection that never opened, or that the printer dropped, is no failure."""
    with suppress(OSError, ValueError, AttributeError):
        printer.close()


def _write_file(target: FileTarget, data: bytes) -> None:
    """The whole slip to a device node (or a file, in tests); a regular file that could not be
    written whole is removed, as it holds the member's name."""
    path = target.path
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise _filePrinterError(error) from None
    regular = False
    try:
        regular = stat.S_ISREG(os.fstat(handle).st_mode)
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        if regular:
            os.fsync(handle)
    except OSError as error:
        os.close(handle)
        if regular:
            path.unlink(missing_ok=True)
        raise _filePrinterError(error) from None
    os.close(handle)


def _filePrinterError(error: OSError) -> PrinterError:
    log.info("printer: the file target failed (%s)", errno.errorcode.get(error.errno or 0, "?"))
    if disk_full(error):
        return PrinterError("disk_full", PrinterState.OFFLINE)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PrinterError("denied", PrinterState.OFFLINE)
    return PrinterError("offline", PrinterState.OFFLINE)
