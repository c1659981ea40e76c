"""Where the kiosk logs while the App owns the terminal, and what a log line may hold.

The log is one JSON object a line, so the journal, ``jq`` and a fleet's
collector can read it alike. It never holds what a member typed or was shown:
an exception is logged by its type and the code locations it passed through,
never its text or its locals, because ``KeyError('3171…')`` or a frame's
variables may hold a NIK or a member's name. The same holds for exceptions
nobody caught, in the main thread, in other threads, or in ``__del__``.
"""

import json
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from io import TextIOWrapper
from pathlib import Path
from types import TracebackType

from kiosk.config import Config

SYSLOG_SOCKET = "/dev/log"
"""journald's syslog socket."""
LOG_FILE = "kiosk.log"
"""The file in systemd's ``LogsDirectory=`` (``$LOGS_DIRECTORY``)."""
FALLBACK_LOG_FILE = "kiosk-ui.log"
"""The file beside the cache, where there is neither ``$LOGS_DIRECTORY`` nor a journal."""
MAX_BYTES = 1 << 20
BACKUPS = 5
"""Rotated files kept besides the current one: at most 6 MiB of log on the kiosk's disk."""
_FIELDS = "kiosk_exception"
"""The record attribute in which :func:`log_unexpected` hands over the safe description."""

log = logging.getLogger(__name__)


@contextmanager
def logging_off_screen(
    config: Config, environ: Mapping[str, str], syslog_socket: str = SYSLOG_SOCKET
) -> Iterator[logging.Handler]:
    """Send every log line, and every uncaught exception, off the screen until the block ends.

    The first that opens of: ``kiosk.log`` in ``$LOGS_DIRECTORY``, the journal's
    ``syslog_socket``, ``kiosk-ui.log`` beside the cache; else nowhere, for the
    kiosk serves members with or without a log. Files are rotated and 0600.
    An exception leaving the block is logged the same safe way, then re-raised.
    """
    handler, failures = _open_handler(config.cache_path.parent, environ, syslog_socket)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    sys.excepthook, sys.unraisablehook = _uncaught, _unraisable
    threading.excepthook = _uncaught_in_thread
    for failure in failures:
        log.warning("cannot log to %s", failure)
    try:
        yield handler
    except Exception as error:
        log_unexpected(log, error, "kiosk stopped by an unexpected error")
        raise
    finally:
        sys.excepthook, threading.excepthook, sys.unraisablehook = hooks
        root.handlers, level = saved
        root.setLevel(level)
        handler.close()


def log_unexpected(
    logger: logging.Logger, error: BaseException, what: str = "unexpected error"
) -> None:
    """Log ``error`` at ERROR by its type and frames only, whatever the handler's formatter.

    The message is ``"<what>: <type>"``; :class:`JsonFormatter` adds ``error``,
    ``stack`` and the chain. No ``exc_info`` is attached, so no other formatter
    (pytest's, ``basicConfig``'s) can print the exception's text either.
    """
    logger.error("%s: %s", what, _type_name(type(error)), extra={_FIELDS: exception_fields(error)})


def exception_fields(error: BaseException) -> dict[str, object]:
    """``error``: its type; ``stack``: "file:line in function", outermost first; then its chain.

    ``cause`` (``raise … from``) or ``context`` (raised while handling) nest the
    same fields, as do ``exceptions`` of an exception group; never a message or a local.
    """
    return _fields(error, set())


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``,
    and for an exception the fields of :func:`exception_fields`.

    An exception passed as the message or one of its arguments shows as its
    type alone, as does ``exc_info`` (``log.exception`` in a library).
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        fields = getattr(record, _FIELDS, None)
        if fields is None and record.exc_info and record.exc_info[1] is not None:
            fields = exception_fields(record.exc_info[1])
        if isinstance(fields, dict):
            entry.update(fields)
        return json.dumps(entry, ensure_ascii=False)


class _Quiet(logging.Handler):
    """A line that cannot be written is dropped: logging's default would print the
    record and its arguments to standard error, which is the screen or the journal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


class _PrivateRotatingFile(_Quiet, logging.handlers.RotatingFileHandler):
    """Rotated at :data:`MAX_BYTES`; every file, rotated ones too, for its owner's eyes only."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)  # Also a file left by an older kiosk with the umask's mode.
            return open(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


class _Journal(_Quiet, logging.handlers.SysLogHandler):
    def __init__(self, address: str) -> None:
        super().__init__(address=address)
        self.ident = "kiosk: "


def _open_handler(
    fallback_dir: Path, environ: Mapping[str, str], syslog_socket: str
) -> tuple[logging.Handler, list[str]]:
    """The first handler that opens, and the places that did not (to log once it does)."""
    failures: list[str] = []
    # LogsDirectory= may name several directories, joined with ":"; the first is ours.
    logs_dir = environ.get("LOGS_DIRECTORY", "").split(":")[0]
    if logs_dir:
        try:
            return _PrivateRotatingFile(Path(logs_dir) / LOG_FILE), failures
        except OSError as error:
            failures.append(f"{Path(logs_dir) / LOG_FILE}: {error.strerror}")
    if Path(syslog_socket).exists():
        try:
            return _Journal(syslog_socket), failures
        except OSError as error:
            failures.append(f"{syslog_socket}: {error.strerror}")
    with suppress(OSError):
        return _PrivateRotatingFile(fallback_dir / FALLBACK_LOG_FILE), failures
    return logging.NullHandler(), failures


def _uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    log_unexpected(log, error, "uncaught exception")


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return  # As threading's own hook: a thread may end itself that way.
    what = f"uncaught exception in thread {args.thread.name if args.thread else '?'}"
    if args.exc_value is None:
        log.error("%s: %s", what, _type_name(args.exc_type))
    else:
        log_unexpected(log, args.exc_value, what)


def _unraisable(args: "sys.UnraisableHookArgs") -> None:
    """An exception in ``__del__`` or a finalizer; the object's repr is left out too."""
    if args.exc_value is None:
        log.error("unraisable exception: %s", _type_name(args.exc_type))
    else:
        log_unexpected(log, args.exc_value, "unraisable exception")


def _fields(error: BaseException, seen: set[int]) -> dict[str, object]:
    seen.add(id(error))
    fields: dict[str, object] = {
        "error": _type_name(type(error)),
        "stack": [
            f"{_short(frame.f_code.co_filename)}:{line} in {frame.f_code.co_qualname}"
            for frame, line in traceback.walk_tb(error.__traceback__)
        ],
    }
    if isinstance(error, BaseExceptionGroup):
        fields["exceptions"] = [_fields(e, seen) for e in error.exceptions if id(e) not in seen]
    # Which link Python's own traceback would show; ``raise … from None`` hides the context.
    link, linked = ("cause", error.__cause__)
    if linked is None and not error.__suppress_context__:
        link, linked = ("context", error.__context__)
    if linked is not None and id(linked) not in seen:
        fields[link] = _fields(linked, seen)
    return fields


def _short(filename: str) -> str:
    """``screens/app.py``: enough to find the file, without the install path or a home directory."""
    return "/".join(Path(filename).parts[-2:])


def _type_name(kind: type[BaseException]) -> str:
    name = kind.__qualname__
    return name if kind.__module__ == "builtins" else f"{kind.__module__}.{name}"


def _message(record: logging.LogRecord) -> str:
    """``record.getMessage()``, with any exception among message and arguments shown by type."""
    args = record.args
    if isinstance(args, tuple):
        args = tuple(_safe(arg) for arg in args)
    elif args:
        args = {key: _safe(value) for key, value in args.items()}
    text = str(_safe(record.msg))
    return text % args if args else text


def _safe(value: object) -> object:
    return _type_name(type(value)) if isinstance(value, BaseException) else value
