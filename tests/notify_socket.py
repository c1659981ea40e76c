"""systemd's side of ``$NOTIFY_SOCKET`` for the tests: a real datagram socket, and every
READY, WATCHDOG and STATUS line the kiosk sends it."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

STOP = "stop-listening"
"""The name of the mark that ends the listener's thread."""


@dataclass
class Listener:
    """systemd's side of ``$NOTIFY_SOCKET``: every datagram with the time it arrived."""

    path: Path
    sock: socket.socket
    received: list[tuple[float, str]] = field(default_factory=list)

    def run(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            text = data.decode()
            if text == f"TEST={STOP}":
                return
            self.received.append((time.monotonic(), text))

    def messages(self) -> list[str]:
        return [text for _, text in self.received]

    def wait_for(self, wanted: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for text in self.messages():
                if wanted in text:
                    return text
            time.sleep(0.02)
        raise AssertionError(f"no {wanted!r} in {self.messages()}")

    def wait_for_count(self, wanted: str, count: int, seconds: float = 20) -> None:
        """Until ``count`` datagrams that are exactly ``wanted`` have come."""
        deadline = time.monotonic() + seconds
        while self.messages().count(wanted) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} {wanted!r} in {self.messages()}")
            time.sleep(0.02)

    def mark(self, name: str) -> str:
        """A datagram of the test's own, queued behind everything already sent to the socket.

        The kernel keeps one queue for the listening socket, so what the App sent
        before the mark is received before it, however late this thread reads.
        """
        text = f"TEST={name}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.sendto(text.encode(), str(self.path))
        return text

    def arrival(self, text: str) -> float | None:
        return next((at for at, got in self.received if got == text), None)

    def after(self, first: str) -> list[str]:
        """What came after the datagram ``first``: nothing while it has not come."""
        messages = self.messages()
        return messages[messages.index(first) + 1 :] if first in messages else []

    def between(self, first: str, last: str) -> list[str]:
        """What came after the datagram ``first`` and before ``last``."""
        following = self.after(first)
        return following[: following.index(last)]


@contextmanager
def listening(path: Path) -> Iterator[Listener]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    found = Listener(path, sock)
    thread = threading.Thread(target=found.run, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.mark(STOP)  # Closing the socket would not wake its reader.
        thread.join(timeout=20)
        sock.close()
