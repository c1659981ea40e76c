"""Telling systemd how the kiosk is doing: ready, its status line, watchdog pings, stopping.

This is systemd's notification protocol (``sd_notify(3)``): one datagram of
``KEY=value`` lines to the AF_UNIX socket named in ``$NOTIFY_SOCKET``. It takes a
few lines, so the kiosk speaks it itself rather than depend on ``sdnotify`` or
``systemd-python`` (a C extension that needs libsystemd's headers to build); the
tests check it against a real socket. A notification that cannot be sent is
logged and dropped: telling systemd must never stop the kiosk serving members.
"""

import logging
import os
import socket
from collections.abc import Mapping
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)


class Notifier:
    """One datagram socket to systemd's ``$NOTIFY_SOCKET``; every method a no-op without it."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        """``address`` as in ``$NOTIFY_SOCKET``: a path, or ``@name`` for an abstract socket."""
        if address and address.startswith("@"):
            address = "\0" + address[1:]  # Linux's abstract namespace: a leading NUL byte.
        self._address = address or None
        self._watchdog_usec = watchdog_usec
        self._socket: socket.socket | None = None
        self._failing = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], pid: int | None = None) -> Self:
        """What systemd set for this process (``pid``, by default this one).

        ``$WATCHDOG_PID`` names the process the watchdog is meant for: a child
        that inherited the environment must not ping on its parent's behalf.
        """
        usec = _positive_int(environ.get("WATCHDOG_USEC", ""))
        owner = environ.get("WATCHDOG_PID", "")
        if owner and _positive_int(owner) != (os.getpid() if pid is None else pid):
            usec = None
        return cls(environ.get("NOTIFY_SOCKET"), usec)

    @property
    def enabled(self) -> bool:
        return self._address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between :meth:`watchdog` pings: half the timeout, as ``sd_watchdog_enabled(3)``
        advises; ``None`` when systemd expects none."""
        if self._address is None or self._watchdog_usec is None:
            return None
        return self._watchdog_usec / 2_000_000

    def ready(self, status: str | None = None) -> None:
        """Start-up is over (``Type=notify``): systemd starts what waits on the kiosk."""
        self._send("READY=1" if status is None else f"READY=1\nSTATUS={_one_line(status)}")

    def status(self, text: str) -> None:
        """The line ``systemctl status`` shows."""
        self._send(f"STATUS={_one_line(text)}")

    def watchdog(self) -> None:
        """Still alive: without a ping within ``WatchdogSec=`` systemd restarts the kiosk."""
        self._send("WATCHDOG=1")

    def stopping(self) -> None:
        """Shutting down on purpose, so systemd does not take the silence for a hang."""
        self._send("STOPPING=1")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, message: str) -> None:
        if self._address is None:
            return
        try:
            if self._socket is None:
                kind = socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                self._socket = socket.socket(socket.AF_UNIX, kind)
                self._socket.setblocking(False)  # A stalled systemd must not stall the kiosk.
            self._socket.sendto(message.encode(), self._address)
        except OSError as error:
            if not self._failing:
                log.warning(
                    "cannot notify systemd at %s: %s (not logged again until one gets through)",
                    self._address.replace("\0", "@"),
                    error.strerror or type(error).__name__,
                )
            self._failing = True
        else:
            self._failing = False


def _one_line(text: str) -> str:
    """A newline would start another ``KEY=value`` assignment in the datagram."""
    return " ".join(text.splitlines()).strip()


def _positive_int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value > 0 else None
