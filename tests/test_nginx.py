"""The feed as static files behind a real nginx, configured by the shipped kiosk-feed.conf.

A CDN edge in front of the feed keeps what it is told it may keep: these tests
read the headers nginx really sends for each kind of feed file, sync a kiosk
through it, and publish while a kiosk's sync is held half-way.
"""

import http.client
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import kiosk.feed.client as feed_client_module
from kiosk.clock import system_clock
from kiosk.config import load_config
from kiosk.errors import UnavailableError
from kiosk.feed.client import HttpFetcher, SyncResult
from kiosk.sync import feed_client, sync_cache
from tests.nginx import HOST, Nginx, running_nginx
from tests.sites import Site, changed, expected_contents, published_site

MEMBERS = 200
IMMUTABLE = "public, max-age=31536000, immutable"
WAIT = 60.0
"""Seconds a test waits for the held sync to get where it is held, or to end: a guard
against a hang, never a measure of anything."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Published once (snapshot 1), not yet synced; tests work on copies."""
    return published_site(tmp_path_factory, MEMBERS)


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Site:
    return template.copy_to(tmp_path / "site")


@pytest.fixture
def nginx(site: Site, tmp_path: Path) -> Iterator[Nginx]:
    """nginx serving the site's feed, and the site's kiosk configured to sync from it."""
    with running_nginx(site.feed.repository, tmp_path / "nginx") as server:
        text = site.config.read_text()
        pointed, count = re.subn(r'(?m)^source = ".*"$', f'source = "{server.url}"', text)
        assert count == 1, text
        site.config.write_text(pointed)
        yield server


@pytest.fixture
def synced(site: Site, nginx: Nginx) -> Site:
    code, _, err = site.sync()
    assert code == 0, err
    return site


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(
    server: Nginx, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Reply:
    """One request on a connection of its own, as a client that would take gzip asks."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=WAIT)
    try:
        connection.request(method, path, headers={"Accept-Encoding": "gzip", **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def versioned_files(site: Site) -> list[Path]:
    """Every file of the feed whose name says its version or its hash: all but the timestamp."""
    repository = site.feed.repository
    files = [*repository.glob("metadata/*.json"), *repository.glob("targets/*")]
    return sorted(path for path in files if path.name != "timestamp.json")


def url_path(site: Site, path: Path) -> str:
    return "/" + path.relative_to(site.feed.repository).as_posix()


def test_a_kiosk_syncs_through_nginx(site: Site, nginx: Nginx) -> None:
    code, out, err = site.sync()
    assert code == 0, err
    assert "snapshot 1" in out
    assert site.contents() == expected_contents(site.rows())
    seen = nginx.requests()
    # The kiosk walked to the next root, found none, and took the state timestamp.json names.
    assert "GET /metadata/2.root.json 404" in seen
    assert "GET /metadata/timestamp.json 200" in seen
    snapshot_version = max(
        int(path.name.split(".")[0]) for path in site.feed.metadata.glob("*.snapshot.json")
    )
    assert f"GET /metadata/{snapshot_version}.snapshot.json 200" in seen


def test_versioned_files_are_kept_a_year_whole_and_as_on_disk(synced: Site, nginx: Nginx) -> None:
    files = versioned_files(synced)
    assert any(path.name.endswith(".bundle") for path in files)
    assert any(path.name.endswith(".root.json") for path in files)
    for path in files:
        for method in ("GET", "HEAD"):
            response = fetch(nginx, url_path(synced, path), method)
            assert response.status == 200, path
            assert response.header("Cache-Control") == IMMUTABLE
            assert response.header("Content-Length") == str(path.stat().st_size)
            assert response.header("Transfer-Encoding") is None
            assert response.header("Content-Encoding") is None
            assert response.header("Accept-Ranges") is None
            kind = "application/json" if path.suffix == ".json" else "application/octet-stream"
            assert response.header("Content-Type") == kind
            assert response.header("ETag") is not None
            assert response.body == (path.read_bytes() if method == "GET" else b"")


def test_timestamp_is_asked_for_again_every_time(synced: Site, nginx: Nginx) -> None:
    timestamp = synced.feed.metadata / "timestamp.json"
    first = fetch(nginx, "/metadata/timestamp.json")
    assert first.status == 200
    assert first.header("Cache-Control") == "no-cache"
    assert first.header("Content-Length") == str(timestamp.stat().st_size)
    assert first.header("Transfer-Encoding") is None
    # Size and mtime, in seconds, are all nginx's validators are made of: no ETag, and a
    # revalidation always gets the file.
    assert first.header("ETag") is None
    last_modified = first.header("Last-Modified")
    assert last_modified is not None
    again = fetch(nginx, "/metadata/timestamp.json", headers={"If-Modified-Since": last_modified})
    assert again.status == 200
    assert again.body == first.body == timestamp.read_bytes()

    synced.publish(changed(synced.rows(), 3))
    after = fetch(nginx, "/metadata/timestamp.json", headers={"If-Modified-Since": last_modified})
    assert after.status == 200
    assert after.body == timestamp.read_bytes() != first.body


def test_a_range_request_gets_the_whole_file(synced: Site, nginx: Nginx) -> None:
    (bundle,) = synced.feed.targets.glob("*.bundle")
    for ranges in ("bytes=0-9", "bytes=10-", "bytes=0-0,-1"):
        response = fetch(nginx, url_path(synced, bundle), headers={"Range": ranges})
        assert response.status == 200, ranges
        assert response.header("Content-Range") is None
        assert response.header("Content-Length") == str(bundle.stat().st_size)
        assert response.body == bundle.read_bytes()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_answered(synced: Site, nginx: Nginx, method: str) -> None:
    timestamp = synced.feed.metadata / "timestamp.json"
    before = timestamp.read_bytes()
    response = fetch(nginx, "/metadata/timestamp.json", method, headers={"Content-Length": "0"})
    assert response.status == 405
    assert response.header("Allow") == "GET, HEAD"
    assert timestamp.read_bytes() == before


def test_nothing_is_listed_and_nothing_else_is_served(synced: Site, nginx: Nginx) -> None:
    repository = synced.feed.repository
    # What a publish in progress leaves for an instant, and a stray file beside the feed.
    (repository / "metadata" / ".timestamp.json.0123456789ab.tmp").write_bytes(b"{}")
    (repository / "notes.txt").write_text("not part of the feed")
    (repository / "metadata" / "timestamp.json.bak").write_bytes(b"{}")
    names = [path.name for path in versioned_files(synced)]
    for path in (
        "/",
        "/metadata/",
        "/targets/",
        "/metadata",
        "/metadata/.timestamp.json.0123456789ab.tmp",
        "/metadata/timestamp.json.bak",
        "/notes.txt",
        "/keys/root.pem",
        "/root.json",
        "/metadata/root.json",
        "/metadata/0.root.json",
    ):
        response = fetch(nginx, path)
        assert response.status == 404, path
        assert response.header("Cache-Control") == "no-store", path
        assert not any(name.encode() in response.body for name in names), path


def test_a_root_not_signed_yet_is_not_cached(synced: Site, nginx: Nginx) -> None:
    """A kiosk looks for the next root at every sync: an edge that kept its 404 for a year
    would hide a new root once it is signed."""
    response = fetch(nginx, "/metadata/2.root.json")
    assert response.status == 404
    assert response.header("Cache-Control") == "no-store"


class Hold:
    """Stops the kiosk's first request for a URL ending with ``suffix`` until released."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self.reached = threading.Event()
        self.released = threading.Event()


class HeldFetcher(HttpFetcher):
    """The kiosk's own fetcher, which waits before the request ``hold`` names."""

    def __init__(self, timeout: float, hold: Hold) -> None:
        super().__init__(timeout)
        self._hold = hold

    def _fetch(self, url: str) -> Iterator[bytes]:
        hold = self._hold
        if url.endswith(hold.suffix) and not hold.reached.is_set():
            hold.reached.set()
            if not hold.released.wait(WAIT):
                raise AssertionError(f"the held request for {url} was never released")
        return super()._fetch(url)


def sync_once(site: Site) -> SyncResult:
    """A sync as the kiosk's timer runs one, from the config's feed URL."""
    config = load_config(site.config)
    client = feed_client(config, {}, system_clock)
    with sync_cache(config, {}) as cache:
        return client.sync(cache)


@pytest.mark.parametrize(
    ("held", "full"),
    [
        pytest.param(".snapshot.json", False, id="metadata-then-delta"),
        pytest.param(".snapshot.json", True, id="metadata-then-snapshot"),
        pytest.param("delta-00000003.bundle", False, id="bundle-then-delta"),
        pytest.param("delta-00000003.bundle", True, id="bundle-then-snapshot"),
    ],
)
def test_a_publish_during_a_sync_leaves_the_kiosk_whole(
    synced: Site, nginx: Nginx, monkeypatch: pytest.MonkeyPatch, held: str, full: bool
) -> None:
    """The kiosk holds sequence 1 and the feed 3: a sync takes deltas 2 and 3, and is held
    either after the timestamp, before the snapshot metadata it names, or after delta 2
    was applied, before delta 3 is asked for. Meanwhile sequence 4 is published, as a delta
    (every older file stays) or a snapshot (the older bundles are pruned at once).

    The held sync ends in one state the feed published, the old or the one it set out
    for, and says which: done at 3, or failed with the cache at the sequence it holds.
    The next sync reaches 4.
    """
    states = {1: synced.rows()}
    for sequence in (2, 3):
        states[sequence] = changed(states[sequence - 1], 5)
        assert synced.publish(states[sequence]).sequence == sequence
    hold = Hold(held)
    monkeypatch.setattr(
        feed_client_module, "HttpFetcher", lambda timeout: HeldFetcher(timeout, hold)
    )

    with ThreadPoolExecutor(1) as pool:
        running: Future[SyncResult] = pool.submit(sync_once, synced)
        running.add_done_callback(lambda _: hold.reached.set())
        try:
            assert hold.reached.wait(WAIT)
            assert not running.done(), running.result()
            states[4] = changed(states[3], 5)
            assert synced.publish(states[4], full=full).sequence == 4
        finally:
            hold.released.set()
        error = running.exception(timeout=WAIT)

    with synced.open_cache() as cache:
        cursor = cache.cursor()
    assert cursor is not None
    assert synced.contents() == expected_contents(states[cursor.sequence])
    if not full:
        assert error is None
        result = running.result()
        assert (result.latest, [done.bundle.sequence for done in result.applied]) == (3, [2, 3])
        assert result.after == cursor
        assert cursor.sequence == 3
    else:
        # The bundles the old listing names are gone: the sync stops where it stood and
        # says why; nothing of sequence 4 is in the cache, nor of a delta it did not finish.
        assert isinstance(error, UnavailableError), error
        assert error.message.key == "sync.http_error"
        assert error.message.params["status"] == 404
        assert cursor.sequence == (1 if held.endswith(".json") else 2)

    code, _, err = synced.sync()
    assert code == 0, err
    assert synced.contents() == expected_contents(states[4])
    with synced.open_cache() as cache:
        final = cache.cursor()
    assert final is not None
    assert final.sequence == 4
