"""A sync that cannot finish: a work directory in the way, a full disk, a server that never
answers. Each is one plain sentence with its exit code, and the cache stays as it was.

The disk is a real small file system (a tmpfs, mounted as root), the server a real
socket on 127.0.0.1, the sync the real ``kiosk sync`` or the staff's and the timer's.
"""

import contextlib
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devtools.demo import build_demo
from devtools.synthetic import synthetic_rows
from kiosk.config import load_config
from kiosk.errors import CacheError, UnavailableError
from kiosk.feed.client import FeedClient
from kiosk.feed.trust import load_trust
from kiosk.maintenance import Maintenance
from kiosk.serving import KioskService
from tests.sites import Site, serving
from tests.test_sync import assert_refused

MEMBERS = 300
BIG_SNAPSHOT = 5000
"""Members of the feed's second snapshot: a bundle of about 2 MB."""
ROOM_TO_COMMIT_NOT_TO_MERGE = "6m"
"""A kiosk disk with room for the synced kiosk, that bundle and the snapshot's WAL, not for
merging the WAL into the cache file: committed, the snapshot would be stuck in the WAL."""
NO_ROOM_FOR_THE_DOWNLOAD = "1m"
GENEROUS_SECONDS = 30
"""Far above one timeout, far below urllib3's four tries of 30 s each."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Synced once (snapshot 1); the feed has since published a big second snapshot."""
    site = Site(tmp_path_factory.mktemp("failures") / "template")
    build_demo(site.root, MEMBERS, datetime.now(UTC), sync=False)
    code, _, err = site.sync()
    assert code == 0, err
    rows = synthetic_rows(BIG_SNAPSHOT, seed=7, today=datetime.now(UTC).date())
    assert site.publish(list(rows), full=True).sequence == 2
    return site


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Site:
    return template.copy_to(tmp_path / "site")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[Site, str], None]]:
    """Moves a site's kiosk directory (cache, state, feed work directory) onto a tmpfs."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs the tests as root)")
    mounted: list[Path] = []

    def move(site: Site, size: str) -> None:
        saved = tmp_path / "kiosk-on-big-disk"
        site.kiosk.rename(saved)
        site.kiosk.mkdir()
        mount = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(site.kiosk)]
        result = subprocess.run(mount, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(site.kiosk)
        shutil.copytree(saved, site.kiosk, dirs_exist_ok=True)

    yield move
    for where in mounted:
        subprocess.run(["umount", str(where)], check=True)


def kiosk_sync(site: Site, *options: str) -> subprocess.CompletedProcess[str]:
    """The real ``kiosk sync`` in a process of its own, as an operator runs it."""
    command = [sys.executable, "-m", "kiosk", "sync", "--config", str(site.config), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def assert_unchanged(site: Site, members: int, sequence: int) -> None:
    """The cache still opens, passes SQLite's integrity check and holds the previous state;
    no download is left in the work directory."""
    assert list((site.kiosk / "feed-work" / "bundles").iterdir()) == []
    with site.open_cache() as cache:
        cursor = cache.cursor()
        assert cursor is not None
        assert (cursor.sequence, cache.count()) == (sequence, members)
    with contextlib.closing(sqlite3.connect(site.cache_path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert len(site.contents()) == members


@pytest.mark.parametrize("in_the_way", ["feed-work", "feed-work/metadata"])
def test_a_work_dir_a_file_is_in_the_way_of_is_named(site: Site, in_the_way: str) -> None:
    work_dir = site.kiosk / "feed-work"
    shutil.rmtree(work_dir)
    blocker = site.kiosk / in_the_way
    blocker.parent.mkdir(exist_ok=True)
    blocker.write_text("not a directory\n")
    assert_refused(site, 1, "feed.work_dir")
    assert blocker.read_text() == "not a directory\n"


def test_a_full_disk_during_the_apply_is_disk_full_and_changes_nothing(
    small_disk: Callable[[Site, str], None], site: Site
) -> None:
    """The download fits, the new snapshot does not; the audit log shares that disk."""
    small_disk(site, ROOM_TO_COMMIT_NOT_TO_MERGE)
    result = kiosk_sync(site)
    assert result.returncode == 1, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("kiosk: ")
    assert "The disk is full: the cache" in last
    assert "Traceback" not in result.stderr
    assert "state file" not in result.stderr
    assert_unchanged(site, MEMBERS, 1)


def test_a_full_disk_during_the_download_is_disk_full_and_changes_nothing(
    small_disk: Callable[[Site, str], None], site: Site
) -> None:
    small_disk(site, NO_ROOM_FOR_THE_DOWNLOAD)
    result = kiosk_sync(site)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "The disk is full: the sync cannot store its downloads" in result.stderr
    assert_unchanged(site, MEMBERS, 1)


def test_staff_are_told_the_disk_is_full(
    small_disk: Callable[[Site, str], None], site: Site
) -> None:
    small_disk(site, ROOM_TO_COMMIT_NOT_TO_MERGE)
    config = load_config(site.config)
    service = KioskService.from_config(config, {}, lambda: datetime.now(UTC))
    try:
        with pytest.raises(CacheError) as caught:
            Maintenance.from_config(config, {}, service).sync(None)
    finally:
        service.close()
    assert caught.value.message.key == "cache.disk_full"
    assert_unchanged(site, MEMBERS, 1)


def test_a_failed_sync_that_cannot_be_audited_still_says_why_it_failed(site: Site) -> None:
    """The audit log cannot be written (its file is a directory): the sync's own error stands,
    for the operator and for staff and the timer."""
    with serving(site.feed) as server:
        gone = server.url
    (site.kiosk / "state-dir").mkdir()
    text = site.config.read_text().replace('"../feed/repository"', f'"{gone}"')
    site.config.write_text(text + '\n[state]\npath = "state-dir"\n')
    assert_refused(site, UnavailableError.exit_code, "cannot be reached")
    config = load_config(site.config)
    service = KioskService.from_config(config, {}, lambda: datetime.now(UTC))
    try:
        for trigger in ("staff", "timer"):
            with pytest.raises(UnavailableError) as caught:
                Maintenance.from_config(config, {}, service).sync(None, trigger)
            assert caught.value.message.key == "sync.unreachable"
    finally:
        service.close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts every connection and never answers; its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        done.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_silent_server_is_given_up_after_the_clients_timeout(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(site.config)
    with silent_server() as url, site.open_cache() as cache:
        client = FeedClient(url, load_trust(config, {}), config.feed.work_dir, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(UnavailableError) as caught:
            client.sync(cache)
        elapsed = time.monotonic() - started
    assert caught.value.message.key == "sync.no_answer"
    assert elapsed < GENEROUS_SECONDS
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


def test_a_silent_server_costs_the_cli_and_the_timer_one_timeout_and_one_sentence(
    site: Site, tmp_path: Path
) -> None:
    """With the default timeout: ``kiosk sync`` and the running kiosk's background sync."""
    timer_site = site.copy_to(tmp_path / "timer-site")
    with silent_server() as url:
        timer_site.config.write_text(
            timer_site.config.read_text().replace('"../feed/repository"', f'"{url}"')
        )
        config = load_config(timer_site.config)
        service = KioskService.from_config(config, {}, lambda: datetime.now(UTC))
        command = [sys.executable, "-m", "kiosk", "sync", "--config", str(site.config)]
        started = time.monotonic()
        child = subprocess.Popen(
            [*command, "--source", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with pytest.raises(UnavailableError) as caught:
                Maintenance.from_config(config, {}, service).sync(None, trigger="timer")
            out, err = child.communicate(timeout=2 * GENEROUS_SECONDS)
        finally:
            child.kill()
            service.close()
        elapsed = time.monotonic() - started
    assert caught.value.message.key == "sync.no_answer"
    assert (child.returncode, out) == (UnavailableError.exit_code, "")
    assert err.count("\n") == 1, err
    assert err.startswith("kiosk: ")
    assert "did not answer in time" in err
    assert elapsed < GENEROUS_SECONDS
