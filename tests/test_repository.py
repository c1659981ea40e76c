"""The central store's TUF repository, checked with real keys, real files and tuf's own client."""

import _thread
import http.client
import json
import logging
import re
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from tuf.api.exceptions import ExpiredMetadataError
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import Updater

from central.repository import (
    KEEP_VERSIONS,
    ROLES,
    FeedLayout,
    FeedRepository,
    init_feed,
)
from central.serve import FeedServer, make_server
from kiosk.cli import main
from kiosk.errors import InvalidInputError, KeyMaterialError, KioskError
from kiosk.feed.lifetimes import Lifetimes
from kiosk.keys import read_key_file

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
LIFETIMES = Lifetimes()


@pytest.fixture
def layout(tmp_path: Path) -> FeedLayout:
    return init_feed(tmp_path / "feed", NOW)


@pytest.fixture
def live_layout(tmp_path: Path) -> FeedLayout:
    """A feed signed now by the real clock: tuf's client checks expiry against it."""
    return init_feed(tmp_path / "live", datetime.now(UTC))


@pytest.fixture
def server(live_layout: FeedLayout) -> Iterator[FeedServer]:
    feed_server = make_server(live_layout, port=0)
    thread = threading.Thread(target=feed_server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield feed_server
    feed_server.shutdown()
    feed_server.server_close()
    thread.join()


def source(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def updater(layout: FeedLayout, server: FeedServer, tmp_path: Path) -> Updater:
    """tuf's reference client, bootstrapped from the trust bundle as a kiosk is."""
    metadata_dir = tmp_path / "kiosk-metadata"
    metadata_dir.mkdir(exist_ok=True)
    return Updater(
        metadata_dir=str(metadata_dir),
        metadata_base_url=server.url + "metadata/",
        target_base_url=server.url + "targets/",
        target_dir=str(tmp_path / "kiosk-targets"),
        bootstrap=layout.trusted_root.read_bytes(),
    )


def get(server: FeedServer, path: str, method: str = "GET") -> tuple[int, bytes]:
    """A raw request: http.client sends the path as written, dot segments and all."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_init_creates_the_layout_with_private_keys(layout: FeedLayout) -> None:
    for private in (layout.keys, layout.trust, layout.central):
        assert mode(private) == 0o700
    for key in [*(layout.role_key(role) for role in ROLES), layout.card_private_key]:
        assert mode(key) == 0o600
        assert isinstance(load_pem_private_key(key.read_bytes(), None), Ed25519PrivateKey)
    assert mode(layout.fleet_key) == mode(layout.trust_fleet_key) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", layout.fleet_key.read_text())
    assert layout.trust_fleet_key.read_bytes() == layout.fleet_key.read_bytes()
    assert (
        read_key_file(layout.trust_fleet_key).secret.hex() == layout.fleet_key.read_text().strip()
    )
    card = load_pem_private_key(layout.card_private_key.read_bytes(), None)
    public = load_pem_public_key(layout.card_public_key.read_bytes())
    assert isinstance(card, Ed25519PrivateKey)
    assert isinstance(public, Ed25519PublicKey)
    assert public.public_bytes_raw() == card.public_key().public_bytes_raw()

    assert layout.trusted_root.read_bytes() == (layout.metadata / "1.root.json").read_bytes()
    root = Metadata[Root].from_file(str(layout.trusted_root)).signed
    assert root.consistent_snapshot is True
    shapes = {
        role: (len(delegation.keyids), delegation.threshold)
        for role, delegation in root.roles.items()
    }
    assert shapes == dict.fromkeys(ROLES, (1, 1))
    assert len(root.keys) == len(ROLES)
    assert sorted(path.name for path in layout.metadata.iterdir()) == [
        "1.root.json",
        "1.snapshot.json",
        "1.targets.json",
        "timestamp.json",
    ]
    assert list(layout.targets.iterdir()) == []
    repository = FeedRepository.open(layout.root)
    assert repository.versions() == dict.fromkeys(ROLES, 1)
    assert repository.expiries() == {role: NOW + LIFETIMES.of(role) for role in ROLES}
    assert repository.targets() == {}


def test_init_refuses_an_existing_feed(layout: FeedLayout) -> None:
    before = layout.trusted_root.read_bytes()
    with pytest.raises(InvalidInputError) as raised:
        init_feed(layout.root, NOW)
    assert str(layout.repository) in raised.value.message.text("en")
    assert layout.trusted_root.read_bytes() == before


def test_open_refuses_a_directory_that_is_not_a_feed(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as raised:
        FeedRepository.open(tmp_path)
    text = raised.value.message.text("en")
    assert str(tmp_path) in text
    assert "kiosk central init" in text


def test_open_refuses_missing_open_or_foreign_keys(layout: FeedLayout) -> None:
    targets_key = layout.role_key("targets")
    targets_key.chmod(0o640)
    with pytest.raises(KeyMaterialError, match="0640"):
        FeedRepository.open(layout.root)
    targets_key.chmod(0o600)
    snapshot_key = layout.role_key("snapshot")
    swapped = snapshot_key.read_bytes()
    snapshot_key.write_bytes(targets_key.read_bytes())
    with pytest.raises(KeyMaterialError, match="snapshot"):
        FeedRepository.open(layout.root)
    snapshot_key.write_bytes(swapped)
    targets_key.unlink()
    with pytest.raises(KeyMaterialError, match=r"targets\.pem"):
        FeedRepository.open(layout.root)


def test_open_refuses_tampered_metadata(layout: FeedLayout) -> None:
    path = layout.metadata / "1.targets.json"
    document = json.loads(path.read_bytes())
    document["signed"]["expires"] = "2099-01-01T00:00:00Z"
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidInputError, match=r"1\.targets\.json"):
        FeedRepository.open(layout.root)


def test_publish_lists_targets_with_custom_fields(layout: FeedLayout, tmp_path: Path) -> None:
    repository = FeedRepository.open(layout.root)
    full = source(tmp_path, "full", b"full snapshot bytes")
    delta = source(tmp_path, "delta", b"delta bytes")
    repository.publish(
        [
            ("snapshot-7.bin", full, {"kind": "full", "sequence": 7}),
            ("delta-7-8.bin", delta, {"kind": "delta", "base": "snapshot-7", "sequence": 8}),
        ],
        [],
        NOW,
    )
    assert repository.versions() == {"root": 1, "targets": 2, "snapshot": 2, "timestamp": 2}
    for name in ("2.targets.json", "2.snapshot.json", "1.targets.json", "1.snapshot.json"):
        assert (layout.metadata / name).is_file()

    reopened = FeedRepository.open(layout.root)
    listing = reopened.targets()
    assert set(listing) == {"snapshot-7.bin", "delta-7-8.bin"}
    assert listing["delta-7-8.bin"].custom == {"kind": "delta", "base": "snapshot-7", "sequence": 8}
    target = listing["snapshot-7.bin"]
    assert target.length == len(b"full snapshot bytes")
    stored = layout.targets / f"{target.hashes['sha256']}.snapshot-7.bin"
    assert stored.read_bytes() == b"full snapshot bytes"
    assert mode(stored) == 0o644
    assert [path.name for path in layout.targets.iterdir() if path.name.startswith(".")] == []


def test_publish_deletes_removed_targets_and_prunes_old_versions(
    layout: FeedLayout, tmp_path: Path
) -> None:
    repository = FeedRepository.open(layout.root)
    first = source(tmp_path, "a", b"first")
    repository.publish(
        [("a.bin", first, {}), ("b.bin", source(tmp_path, "b", b"second"), {})], [], NOW
    )
    old_b = layout.targets / f"{repository.targets()['b.bin'].hashes['sha256']}.b.bin"
    repository.publish([("b.bin", source(tmp_path, "b2", b"second, again"), {})], ["a.bin"], NOW)
    assert set(repository.targets()) == {"b.bin"}
    new_b = repository.targets()["b.bin"]
    assert [path.name for path in layout.targets.iterdir()] == [f"{new_b.hashes['sha256']}.b.bin"]
    assert not old_b.exists()

    for _ in range(KEEP_VERSIONS + 2):
        repository.publish([], ["a.bin"], NOW)
    newest = repository.versions()["targets"]
    assert newest == 3 + KEEP_VERSIONS + 2
    kept = range(newest - KEEP_VERSIONS + 1, newest + 1)
    assert sorted(path.name for path in layout.metadata.iterdir()) == sorted(
        ["1.root.json", "timestamp.json"]
        + [f"{version}.{role}.json" for version in kept for role in ("targets", "snapshot")]
    )


@pytest.mark.parametrize("name", ["../escape.bin", "a/b.bin", "..", ".hidden", "", "a..b", "x y"])
def test_publish_refuses_unsafe_names(layout: FeedLayout, tmp_path: Path, name: str) -> None:
    repository = FeedRepository.open(layout.root)
    with pytest.raises(InvalidInputError):
        repository.publish([(name, source(tmp_path, "a", b"data"), {})], [], NOW)
    with pytest.raises(InvalidInputError):
        repository.publish([], [name], NOW)
    assert repository.versions() == dict.fromkeys(ROLES, 1)
    assert list(layout.targets.iterdir()) == []


def test_publish_refuses_ambiguous_or_unsignable_input(layout: FeedLayout, tmp_path: Path) -> None:
    repository = FeedRepository.open(layout.root)
    data = source(tmp_path, "a", b"data")
    for add, remove in (
        ([("a.bin", data, {}), ("a.bin", data, {})], []),
        ([("a.bin", data, {})], ["a.bin"]),
        ([("a.bin", data, {"ratio": 0.5})], []),
        ([("a.bin", tmp_path / "missing", {})], []),
    ):
        with pytest.raises(InvalidInputError):
            repository.publish(add, remove, NOW)
    assert repository.versions() == dict.fromkeys(ROLES, 1)


def test_refresh_re_signs_only_what_is_near_expiry(layout: FeedLayout, tmp_path: Path) -> None:
    repository = FeedRepository.open(layout.root)
    repository.publish([("a.bin", source(tmp_path, "a", b"data"), {"n": 1})], [], NOW)
    listing = repository.targets()
    assert repository.refresh(NOW + timedelta(hours=12)) == []
    later = NOW + timedelta(days=1)
    assert repository.refresh(later) == ["timestamp"]
    assert repository.expiries()["timestamp"] == later + LIFETIMES.timestamp
    assert repository.versions() == {"root": 1, "targets": 2, "snapshot": 2, "timestamp": 3}
    assert repository.refresh(NOW + timedelta(days=7)) == ["snapshot", "timestamp"]
    assert repository.refresh(NOW + timedelta(days=45)) == ["targets", "snapshot", "timestamp"]
    assert repository.versions() == {"root": 1, "targets": 3, "snapshot": 4, "timestamp": 5}
    assert repository.refresh(NOW + timedelta(days=183)) == list(ROLES)
    assert repository.versions()["root"] == 2
    reopened = FeedRepository.open(layout.root)
    assert reopened.targets() == listing
    assert reopened.versions() == repository.versions()
    assert reopened.expiries() == repository.expiries()


def test_tuf_client_downloads_a_published_target(
    live_layout: FeedLayout, server: FeedServer, tmp_path: Path
) -> None:
    repository = FeedRepository.open(live_layout.root)
    payload = bytes(range(256)) * 1000
    custom = {"kind": "full", "sequence": 12, "state": "s-12", "parts": ["a", "b"]}
    repository.publish(
        [("snapshot-12.bin", source(tmp_path, "s", payload), custom)], [], datetime.now(UTC)
    )
    client = updater(live_layout, server, tmp_path)
    client.refresh()
    info = client.get_targetinfo("snapshot-12.bin")
    assert info is not None
    assert info.custom == custom
    assert Path(client.download_target(info)).read_bytes() == payload
    assert client.get_targetinfo("missing.bin") is None

    # A later state, with a renewed root, reached from the same client cache.
    repository.refresh(datetime.now(UTC) + timedelta(days=183))
    repository.publish([], ["snapshot-12.bin"], datetime.now(UTC))
    client = updater(live_layout, server, tmp_path)
    client.refresh()
    assert client.get_targetinfo("snapshot-12.bin") is None
    cached_root = Metadata[Root].from_file(str(tmp_path / "kiosk-metadata" / "root.json"))
    assert cached_root.signed.version == 2


def test_tuf_client_refuses_an_expired_timestamp(
    live_layout: FeedLayout, server: FeedServer, tmp_path: Path
) -> None:
    repository = FeedRepository.open(live_layout.root)
    stale = datetime.now(UTC) - timedelta(days=10)
    repository.publish([("a.bin", source(tmp_path, "a", b"data"), {})], [], stale)
    with pytest.raises(ExpiredMetadataError):
        updater(live_layout, server, tmp_path).refresh()


OUTSIDE = (
    "/../keys/root.pem",
    "/%2e%2e/keys/fleet.key",
    "/metadata/../../keys/root.pem",
    "/metadata/..%2f..%2fkeys%2froot.pem",
    "/targets/%2e%2e%2f%2e%2e%2ftrust%2ffleet.key",
    "/keys/root.pem",
    "/trust/fleet.key",
    "/",
    "/metadata/",
    "/metadata",
    "/targets/",
    "/metadata/1.root.json/",
)


def test_server_serves_nothing_outside_the_repository_and_no_listing(server: FeedServer) -> None:
    for path in OUTSIDE:
        status, body = get(server, path)
        assert status == 404, path
        assert b"PRIVATE KEY" not in body
        assert b"1.root.json" not in body


def test_server_follows_no_link_out_of_the_repository(
    live_layout: FeedLayout, server: FeedServer
) -> None:
    (live_layout.targets / "abc.keys.pem").symlink_to(live_layout.role_key("root"))
    status, body = get(server, "/targets/abc.keys.pem")
    assert status == 404
    assert b"PRIVATE KEY" not in body


def test_server_answers_get_and_head_only(
    live_layout: FeedLayout, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="central.serve")
    expected = (live_layout.metadata / "timestamp.json").read_bytes()
    assert server.url == f"http://127.0.0.1:{server.server_address[1]}/"
    assert get(server, "/metadata/timestamp.json") == (200, expected)
    assert get(server, "/metadata/timestamp.json?x=1") == (200, expected)
    assert get(server, "/metadata/timestamp.json", "HEAD") == (200, b"")
    status, _ = get(server, "/metadata/timestamp.json", "POST")
    assert status == 501
    assert any("timestamp.json" in record.getMessage() for record in caplog.records)


def test_server_needs_a_feed(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        make_server(FeedLayout(tmp_path), port=0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), environ={})
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_init_and_refresh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "feed"
    code, out, _ = run(capsys, "central", "init", "--dir", str(feed))
    assert code == 0
    assert str(feed / "trust") in out
    assert "fleet.key" in out
    code, _, err = run(capsys, "central", "init", "--dir", str(feed), "--json")
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err

    code, out, _ = run(capsys, "central", "init", "--dir", str(tmp_path / "other"), "--json")
    assert code == 0
    paths = json.loads(out)
    assert (
        Path(paths["trusted_root"]).read_bytes()
        == (tmp_path / "other/repository/metadata/1.root.json").read_bytes()
    )
    assert paths["fleet_key"] == str(tmp_path / "other/trust/fleet.key")

    code, out, _ = run(capsys, "central", "refresh", "--dir", str(feed), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["renewed"] == []
    assert set(result["expires"]) == set(ROLES)
    code, out, _ = run(capsys, "central", "refresh", "--dir", str(feed))
    assert code == 0
    assert "timestamp" in out

    code, _, err = run(capsys, "central", "refresh", "--dir", str(tmp_path / "nothing"))
    assert code == 2
    assert "kiosk central init" in err


def test_cli_serve_until_interrupted(
    live_layout: FeedLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server runs in this thread, as from a terminal; a helper thread plays the operator."""
    fetched: list[tuple[int, bytes]] = []

    def operator() -> None:
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                match = re.search(r"http://[\d.]+:(\d+)/", capsys.readouterr().out)
                if match:
                    connection = http.client.HTTPConnection("127.0.0.1", int(match[1]), timeout=5)
                    connection.request("GET", "/metadata/1.root.json")
                    response = connection.getresponse()
                    fetched.append((response.status, response.read()))
                    connection.close()
                    return
                time.sleep(0.02)
        finally:
            _thread.interrupt_main()

    helper = threading.Thread(target=operator)
    helper.start()
    code = main(["central", "serve", "--dir", str(live_layout.root), "--port", "0"], environ={})
    helper.join()
    assert code == 0
    assert fetched == [(200, live_layout.trusted_root.read_bytes())]


def high_water(layout: FeedLayout) -> dict[str, int]:
    marks: dict[str, int] = json.loads(layout.high_water.read_bytes())
    return marks


def metadata_files(layout: FeedLayout) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in layout.metadata.iterdir()}


def test_init_saves_the_versions_it_signs_with_the_keys(layout: FeedLayout) -> None:
    assert layout.high_water.parent == layout.keys
    assert mode(layout.high_water) == 0o600
    assert high_water(layout) == {**dict.fromkeys(ROLES, 1), "served": 1}


def test_a_version_saved_before_a_failed_signing_is_never_signed_again(
    layout: FeedLayout, tmp_path: Path
) -> None:
    """The publisher stops after signing targets and snapshot 2, before timestamp.json."""
    repository = FeedRepository.open(layout.root)
    timestamp = layout.metadata / "timestamp.json"
    kept = timestamp.read_bytes()
    timestamp.unlink()
    timestamp.mkdir()  # the rename onto it fails, as a crash would stop it
    with pytest.raises(KioskError):
        repository.publish([("a.bin", source(tmp_path, "a", b"first"), {})], [], NOW)
    timestamp.rmdir()
    timestamp.write_bytes(kept)
    signed_before = metadata_files(layout)
    assert {"2.targets.json", "2.snapshot.json"} <= set(signed_before)
    assert high_water(layout) == {
        "root": 1,
        "targets": 2,
        "snapshot": 2,
        "timestamp": 2,
        "served": 1,
    }

    reopened = FeedRepository.open(layout.root)
    reopened.publish([("b.bin", source(tmp_path, "b", b"other"), {})], [], NOW + timedelta(hours=1))
    assert reopened.versions() == {"root": 1, "targets": 3, "snapshot": 3, "timestamp": 3}
    after = metadata_files(layout)
    rewritten = [
        name
        for name, data in signed_before.items()
        if name != "timestamp.json" and after.get(name, data) != data
    ]
    assert rewritten == []


def test_metadata_restored_from_a_backup_is_refused_and_nothing_is_signed(
    layout: FeedLayout, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(layout.metadata, backup)
    repository = FeedRepository.open(layout.root)
    for step in range(3):
        repository.publish([("a.bin", source(tmp_path, "a", bytes([step])), {})], [], NOW)
    lost = repository.versions()
    shutil.rmtree(layout.metadata)
    shutil.copytree(backup, layout.metadata)
    restored = metadata_files(layout)

    reopened = FeedRepository.open(layout.root)
    later = NOW + timedelta(days=30)
    with pytest.raises(KioskError) as raised:
        reopened.publish([("a.bin", source(tmp_path, "a", b"after"), {})], [], later)
    text = raised.value.message.text("en")
    assert "restored from a backup" in text
    assert f"timestamp version {lost['timestamp']}" in text
    assert "--recover" in text
    with pytest.raises(KioskError, match="restored from a backup"):
        reopened.refresh(later)
    assert metadata_files(layout) == restored

    reopened.publish([("a.bin", source(tmp_path, "a", b"after"), {})], [], later, recover=True)
    versions = reopened.versions()
    assert versions["root"] == 1
    for role in ("targets", "snapshot", "timestamp"):
        assert versions[role] > int(later.timestamp()) > lost[role]
    assert reopened.refresh(later + timedelta(days=1)) == ["timestamp"]


def test_a_lost_root_is_never_signed_again(layout: FeedLayout, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(layout.metadata, backup)
    repository = FeedRepository.open(layout.root)
    renewal = NOW + timedelta(days=183)
    assert repository.refresh(renewal) == list(ROLES)
    lost_root = (layout.metadata / "2.root.json").read_bytes()
    shutil.rmtree(layout.metadata)
    shutil.copytree(backup, layout.metadata)

    reopened = FeedRepository.open(layout.root)
    reopened.publish([], [], renewal, recover=True)
    with pytest.raises(KioskError) as raised:
        reopened.refresh(renewal)
    assert "2.root.json" in raised.value.message.text("en")
    assert not (layout.metadata / "2.root.json").exists()

    (layout.metadata / "2.root.json").write_bytes(lost_root)
    reopened = FeedRepository.open(layout.root)
    assert reopened.versions()["root"] == 2
    assert reopened.refresh(renewal + timedelta(days=183)) == list(ROLES)
    assert reopened.versions()["root"] == 3


def test_a_damaged_high_water_mark_is_one_sentence(layout: FeedLayout) -> None:
    for damage in (b"{not json", b'{"targets": -1}', b'{"targets": true}', b"[1, 2]"):
        layout.high_water.write_bytes(damage)
        with pytest.raises(InvalidInputError) as raised:
            FeedRepository.open(layout.root)
        text = raised.value.message.text("en")
        assert str(layout.high_water) in text
        assert "--recover" in text


def test_a_feed_from_before_the_high_water_mark_starts_from_its_metadata(
    layout: FeedLayout, tmp_path: Path
) -> None:
    layout.high_water.unlink()
    repository = FeedRepository.open(layout.root)
    repository.publish([("a.bin", source(tmp_path, "a", b"data"), {})], [], NOW)
    assert repository.versions() == {"root": 1, "targets": 2, "snapshot": 2, "timestamp": 2}
    assert high_water(layout) == {"targets": 2, "snapshot": 2, "timestamp": 2, "served": 2}
