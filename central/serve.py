"""A small read-only HTTP server for a feed's ``repository/`` directory.

For development, tests and a branch without other infrastructure: in production
any static web server or object store serves ``FEED/repository/`` just as well.
It serves files only, under ``metadata/`` and ``targets/``: no listing, no other
method than GET and HEAD, nothing outside the repository (the keys sit beside it).
"""

import logging
import os
import shutil
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from central.repository import FeedLayout
from kiosk.errors import InvalidInputError, KioskError
from kiosk.i18n import msg

_SERVED_DIRECTORIES = frozenset({"metadata", "targets"})

log = logging.getLogger(__name__)


class FeedServer(ThreadingHTTPServer):
    """Serves one feed's repository; each request in its own daemon thread."""

    daemon_threads = True

    def __init__(self, layout: FeedLayout, address: tuple[str, int]) -> None:
        self.layout = layout
        self.served_root = layout.repository.resolve()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """Base URL: metadata is under ``url + "metadata/"``, targets under ``url + "targets/"``."""
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes | bytearray) else host
        return f"http://{name}:{port}/"

    def file_for(self, request_path: str) -> Path | None:
        """The regular file a request path names inside the repository, else None."""
        path = unquote(urlsplit(request_path).path)
        if not path.startswith("/"):
            return None
        parts = path[1:].split("/")
        if len(parts) != 2 or parts[0] not in _SERVED_DIRECTORIES:
            return None
        name = parts[1]
        if not name or name.startswith(".") or "\\" in name or "\x00" in name:
            return None
        try:
            resolved = (self.served_root / parts[0] / name).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.served_root) or not resolved.is_file():
            return None
        return resolved


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer
    protocol_version = "HTTP/1.1"
    server_version = "kiosk-feed"
    sys_version = ""
    timeout = 30
    """Seconds an idle kept-alive connection may hold its thread."""

    def do_GET(self) -> None:
        self._send(body=True)

    def do_HEAD(self) -> None:
        self._send(body=False)

    def _send(self, body: bool) -> None:
        path = self.server.file_for(self.path)
        handle = _open(path)
        if handle is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        with handle:
            self.send_response(HTTPStatus.OK)
            kind = (
                "application/json" if handle.name.endswith(".json") else "application/octet-stream"
            )
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if body:
                try:
                    shutil.copyfileobj(handle, self.wfile)
                except ConnectionError:
                    log.debug("client %s left mid-download", self.address_string())
                    self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def _open(path: Path | None) -> BinaryIO | None:
    """The file opened for reading; None if it vanished since it was found (a prune)."""
    if path is None:
        return None
    try:
        return path.open("rb")
    except OSError:
        return None


def make_server(layout: FeedLayout, host: str = "127.0.0.1", port: int = 8080) -> FeedServer:
    """A server bound and ready for ``serve_forever``; port 0 picks a free port."""
    if not (layout.metadata / "timestamp.json").is_file():
        raise InvalidInputError(msg("central.not_a_feed", path=layout.root))
    try:
        return FeedServer(layout, (host, port))
    except OSError as exc:
        raise KioskError(
            msg("central.cannot_listen", host=host, port=port, reason=exc.strerror or exc)
        ) from None
