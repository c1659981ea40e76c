"""``kiosk sync`` against a real feed: real TUF metadata, real crypto, real HTTP on 127.0.0.1.

Every attack The Update Framework names is played against a kiosk that has
synced once: the sync must fail with one plain sentence and a non-zero exit,
and the cache must stay byte for byte what it was, and still answer.
"""

import json
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, Timestamp

from kiosk.card import CardVerdict, load_card_public_key, verify_card
from kiosk.errors import ExpiredError, RejectedError, UnavailableError
from kiosk.keys import write_new_key
from tests.sites import Site, changed, expected_contents, published_site, serving

MEMBERS = 1200


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Published once (snapshot 1), not yet synced; tests work on copies."""
    return published_site(tmp_path_factory, MEMBERS)


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Site:
    return template.copy_to(tmp_path / "site")


@pytest.fixture
def synced(site: Site) -> Site:
    code, _, err = site.sync()
    assert code == 0, err
    return site


def target_file(site: Site, name: str) -> Path:
    (path,) = site.feed.targets.glob(f"*.{name}")
    return path


def test_first_sync_over_http_stores_every_member_and_their_cards(site: Site) -> None:
    with serving(site.feed) as server:
        code, out, err = site.sync("--source", server.url)
    assert code == 0, err
    assert "snapshot 1" in out
    assert f"{MEMBERS:,} members" in out
    assert site.contents() == expected_contents(site.rows())
    card_key = load_card_public_key(site.kiosk / "trust" / "card-public.pem")
    row = site.rows()[0]
    with site.open_cache() as cache:
        member = cache.get(row["nik"])
        assert member is not None
        assert cache.verifier.matches(row["mother_name"], member.mother_hash)
        assert cache.cursor() is not None
    (membership,) = [m for m in member.memberships if m.kpj == row["kpj"]]
    check = verify_card(membership.card, card_key, datetime.now(UTC))
    assert check.verdict is CardVerdict.VALID
    assert check.claims is not None
    assert (check.claims.kpj, check.claims.name) == (row["kpj"], row["name"])
    assert all(row["nik"] not in m.card for m in member.memberships)
    assert all(m.card for m in member.memberships)


def test_a_directory_source_works_like_the_server(synced: Site) -> None:
    assert synced.contents() == expected_contents(synced.rows())
    with synced.open_cache() as cache:
        before = cache.cursor()
    code, out, _ = synced.sync()
    assert (code, out.strip()) == (0, "Up to date at feed sequence 1.")
    with synced.open_cache() as cache:
        after = cache.cursor()
    assert before is not None
    assert after is not None
    assert (after.sequence, after.state) == (before.sequence, before.state)
    assert after.synced_at > before.synced_at, "an up-to-date sync vouches for the data's age"


def test_a_delta_updates_and_deletes_members(synced: Site) -> None:
    rows = changed(synced.rows(), 5)
    per_nik = Counter(row["nik"] for row in rows)
    alone = [i for i, row in enumerate(rows) if per_nik[row["nik"]] == 1 and i > 20]
    marked = rows[alone[1]]
    rows[alone[1]] = {**marked, "deleted": "true"}
    dropped = rows.pop(alone[0])
    result = synced.publish(rows)
    assert (result.sequence, result.upserted, result.deleted) == (2, 5, 2)
    code, out, err = synced.sync("--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["applied"] == [
        {
            "name": "delta-00000002.bundle",
            "kind": "delta",
            "sequence": 2,
            "stored": 5,
            "removed": 2,
            "members": None,
        }
    ]
    assert synced.contents() == expected_contents(rows)
    with synced.open_cache() as cache:
        assert cache.get(dropped["nik"]) is None
        assert cache.get(marked["nik"]) is None


def test_publishing_the_same_file_twice_publishes_nothing(synced: Site) -> None:
    versions = sorted(path.name for path in synced.feed.metadata.iterdir())
    result = synced.publish()
    assert result.sequence is None
    assert sorted(path.name for path in synced.feed.metadata.iterdir()) == versions
    assert synced.sync()[1].startswith("Up to date")


def test_a_kiosk_behind_pruned_deltas_takes_the_newest_snapshot(synced: Site) -> None:
    rows = synced.rows()
    synced.publish(changed(rows, 3))
    synced.publish(changed(rows, 4), full=True)
    final = changed(rows, 9)
    synced.publish(final)
    assert sorted(p.name.split(".", 1)[1] for p in synced.feed.targets.glob("*.bundle")) == [
        "delta-00000004.bundle",
        "snapshot-00000003.bundle",
    ]
    code, out, err = synced.sync()
    assert code == 0, err
    assert "snapshot 3" in out
    assert "delta 4" in out
    assert synced.contents() == expected_contents(final)


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def lengthen(path: Path) -> None:
    with path.open("ab") as handle:
        handle.write(b"\x00" * 4096)


@pytest.mark.parametrize("damage", [flip_byte, truncate, lengthen])
def test_a_damaged_bundle_is_refused(synced: Site, damage: Callable[[Path], None]) -> None:
    synced.publish(changed(synced.rows(), 20))
    damage(target_file(synced, "delta-00000002.bundle"))
    assert_refused(synced, RejectedError.exit_code, "signed length or hash")


def test_metadata_signed_by_an_unknown_key_is_refused(synced: Site) -> None:
    synced.publish(changed(synced.rows(), 1))
    path = synced.feed.metadata / "timestamp.json"
    metadata = Metadata[Timestamp].from_file(str(path))
    metadata.signatures.clear()
    metadata.sign(CryptoSigner(Ed25519PrivateKey.generate()))
    metadata.to_file(str(path))
    assert_refused(synced, RejectedError.exit_code, "not signed by the trusted keys")


def test_rollback_to_older_metadata_is_refused(synced: Site, tmp_path: Path) -> None:
    old = tmp_path / "old-metadata"
    shutil.copytree(synced.feed.metadata, old)
    synced.publish(changed(synced.rows(), 2))
    assert synced.sync()[0] == 0
    shutil.rmtree(synced.feed.metadata)
    shutil.copytree(old, synced.feed.metadata)
    assert_refused(synced, RejectedError.exit_code, "older metadata")


def test_an_expired_timestamp_is_refused_as_a_frozen_feed(synced: Site) -> None:
    synced.publish(changed(synced.rows(), 2), now=datetime.now(UTC) - timedelta(days=10))
    assert_refused(synced, ExpiredError.exit_code, "has expired")


def test_mixing_targets_from_another_snapshot_is_refused(synced: Site) -> None:
    synced.publish(changed(synced.rows(), 2))
    versions = sorted(
        int(path.name.split(".")[0]) for path in synced.feed.metadata.glob("*.targets.json")
    )
    newest, older = versions[-1], versions[-2]
    shutil.copyfile(
        synced.feed.metadata / f"{older}.targets.json",
        synced.feed.metadata / f"{newest}.targets.json",
    )
    assert_refused(synced, RejectedError.exit_code, "signed length or hash")


def test_a_delta_whose_base_is_not_the_local_state_is_refused(synced: Site, tmp_path: Path) -> None:
    """Another history under the same keys: a feed restored from a backup, say."""
    other = synced.copy_to(tmp_path / "other")
    rows = synced.rows()
    synced.publish(changed(rows, 1))
    assert synced.sync()[0] == 0
    other.publish(changed(rows, 2), full=True)
    other.publish(changed(rows, 3))
    source = str(other.feed.repository)
    assert_refused(synced, RejectedError.exit_code, "different base", "--source", source)
    before = synced.cache_digest()
    assert synced.sync("--source", source, "--snapshot")[0] == 0
    assert synced.cache_digest() != before
    assert synced.contents() == expected_contents(changed(rows, 3))


def test_a_bundle_for_another_fleet_key_is_refused(synced: Site) -> None:
    synced.publish(changed(synced.rows(), 2))
    key = synced.kiosk / "trust" / "fleet.key"
    key.unlink()
    write_new_key(key)
    assert_refused(synced, RejectedError.exit_code, "another fleet key")


def test_an_unreachable_server_is_a_plain_sentence(synced: Site) -> None:
    with serving(synced.feed) as server:
        url = server.url
    assert_refused(synced, UnavailableError.exit_code, "cannot be reached", "--source", url)


def test_a_source_without_a_feed_is_named(synced: Site, tmp_path: Path) -> None:
    assert_refused(
        synced, UnavailableError.exit_code, "not a copy of the feed", "--source", str(tmp_path)
    )


def assert_refused(site: Site, exit_code: int, words: str, *options: str) -> None:
    """One sentence, the right exit code, and the cache exactly as it was, still answering."""
    before = site.cache_digest()
    contents = site.contents()
    with site.open_cache() as cache:
        cursor = cache.cursor()
    code, out, err = site.sync(*options)
    assert code == exit_code
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("kiosk: ")
    assert words in lines[-1]
    assert "Traceback" not in err
    assert site.cache_digest() == before
    with site.open_cache() as cache:
        assert cache.cursor() == cursor
    assert site.contents() == contents
