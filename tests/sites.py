"""A central feed and a kiosk in one temporary directory, as ``kiosk demo`` builds them."""

import contextlib
import hashlib
import io
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from central.publish import PublishResult, publish
from central.repository import FeedLayout
from central.serve import FeedServer, make_server
from devtools.demo import DemoLayout, read_members, write_members
from kiosk.cache import Cache
from kiosk.cli import main
from kiosk.keys import read_key_file


@dataclass(frozen=True)
class Site(DemoLayout):
    """A demo tree with the operations the tests play on it."""

    def copy_to(self, root: Path) -> "Site":
        shutil.copytree(self.root, root)
        return Site(root)

    def rows(self) -> list[dict[str, str]]:
        return list(read_members(self.members_file))

    def publish(
        self,
        rows: list[dict[str, str]] | None = None,
        *,
        full: bool = False,
        now: datetime | None = None,
    ) -> PublishResult:
        if rows is not None:
            write_members(self.members_file, rows)
        return publish(self.feed.root, self.members_file, full=full, now=now or datetime.now(UTC))

    def sync(self, *options: str) -> tuple[int, str, str]:
        """``kiosk sync`` in-process: exit code, standard output, standard error."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["sync", "--config", str(self.config), *options], environ={})
        return code, out.getvalue(), err.getvalue()

    def open_cache(self) -> Cache:
        return Cache.open(self.cache_path, read_key_file(self.kiosk / "master.key"))

    def contents(self) -> dict[str, tuple[str, int, str]]:
        """What the cache says of each member: enough to tell one feed state from another."""
        with self.open_cache() as cache:
            return {m.nik: (m.name, m.jht_balance, m.status) for m in cache.members()}

    def cache_digest(self) -> str:
        return hashlib.sha256(self.cache_path.read_bytes()).hexdigest()


def expected_contents(rows: list[dict[str, str]]) -> dict[str, tuple[str, int, str]]:
    return {
        row["nik"]: (row["name"], int(row["jht_balance"]), row["status"])
        for row in rows
        if row["deleted"] != "true"
    }


@contextlib.contextmanager
def serving(layout: FeedLayout) -> Iterator[FeedServer]:
    server = make_server(layout, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
