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

import pytest

from central.publish import PublishResult, publish
from central.repository import FeedLayout
from central.serve import FeedServer, make_server
from devtools.demo import DemoLayout, build_demo, read_members, write_members
from kiosk.cache import Cache
from kiosk.cli import main
from kiosk.feed.bundle import BundleKind, BundleReader, Entry
from kiosk.keys import read_key_file

Contents = dict[str, tuple[str, tuple[tuple[str, int, str], ...]]]
"""Per NIK: the name, and each membership's KPJ, JHT balance and status in KPJ order; enough
to tell one feed state from another."""


def bundle_entries(layout: FeedLayout, sequence: int, kind: BundleKind) -> list[Entry]:
    """A published bundle's entries in the clear, in their order."""
    (path,) = layout.targets.glob(f"*.{kind}-{sequence:08d}.bundle")
    key = read_key_file(layout.fleet_key).secret
    with path.open("rb") as stream:
        return [entry for frame in BundleReader(stream, key).frames() for entry in frame]


def published_site(tmp_path_factory: pytest.TempPathFactory, members: int) -> "Site":
    """A demo of ``members`` published once (snapshot 1), not yet synced: a template for copies."""
    root = tmp_path_factory.mktemp("site") / "template"
    build_demo(root, members, datetime.now(UTC), sync=False)
    return Site(root)


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

    def contents(self) -> Contents:
        with self.open_cache() as cache:
            return contents_of(cache)

    def cache_digest(self) -> str:
        return hashlib.sha256(self.cache_path.read_bytes()).hexdigest()


def contents_of(cache: Cache) -> Contents:
    """What the cache says of each person."""
    return {
        person.nik: (
            person.name,
            tuple(sorted((m.kpj, m.jht_balance, str(m.status)) for m in person.memberships)),
        )
        for person in cache.persons()
    }


def expected_contents(rows: list[dict[str, str]]) -> Contents:
    """What a kiosk should hold after syncing a publish of ``rows``: deleted rows left out,
    and a person none of whose rows is left with them."""
    kept: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["deleted"] != "true":
            kept.setdefault(row["nik"], []).append(row)
    return {
        nik: (
            memberships[0]["name"],
            tuple(sorted((m["kpj"], int(m["jht_balance"]), m["status"]) for m in memberships)),
        )
        for nik, memberships in kept.items()
    }


def changed(rows: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """The first ``count`` persons get a new JHT balance on their first row; nothing else moves."""
    touched: set[str] = set()
    result = []
    for row in rows:
        if row["nik"] not in touched and len(touched) < count:
            touched.add(row["nik"])
            row = {**row, "jht_balance": str(int(row["jht_balance"]) + 1)}
        result.append(row)
    return result


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
