"""The encrypted cache against real SQLite files and the real crypto."""

import dataclasses
import hashlib
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.cache import Cache, FeedCursor, store
from kiosk.cache.sealing import normalise_name
from kiosk.errors import CacheCorruptError, CacheError, CacheMissingError, WrongKeyError
from kiosk.feed.bundle import BundleError, Entry
from kiosk.i18n import msg
from kiosk.keys import MasterKey
from kiosk.member import Person
from kiosk.record import encode_body
from tests.conftest import CURSOR_TIME, members_for, new_key

CURSOR = FeedCursor(7, "snapshot-7", CURSOR_TIME)


def files_of(path: Path) -> dict[str, bytes]:
    """The database file, its WAL and shared-memory index, as they are on disk now."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            found[suffix or "db"] = file.read_bytes()
    return found


PERSONAL_COLUMNS = (
    "name",
    "mother_name",
    "employer_name",
    "npp",
    "status_code",
    "membership_start",
    "membership_end",
    "paid_periods",
    "last_paid_period",
    "jht_balance",
    "jht_as_of",
)
"""Every column that says something about a member, beside the NIK and KPJ."""


def personal_strings(rows: list[dict[str, str]]) -> list[bytes]:
    """Values long enough (8 bytes or more) that a chance match in random ciphertext is
    impossible; a paid month is found through the run of months around it. The day of the
    sync is left out: the cache's own cursor names it, and it says nothing about anyone."""
    needles = set()
    for row in rows:
        needles.add(row["nik"].encode())
        needles.add(row["kpj"].encode())
        for column in PERSONAL_COLUMNS:
            text = str(row[column])
            for encoded in (text.encode("utf-8"), text.upper().encode("utf-8")):
                if len(encoded) >= 8:
                    needles.add(encoded)
    return sorted(needles - {CURSOR_TIME.date().isoformat().encode()})


def leaks(files: dict[str, bytes], needles: list[bytes]) -> list[tuple[str, bytes]]:
    """Every needle found in any file, by its first 8 bytes first (fast), then in whole."""
    found = []
    for name, data in files.items():
        windows = {data[i : i + 8] for i in range(len(data) - 7)}
        found += [(name, n) for n in needles if n[:8] in windows and n in data]
    return found


def sealed_records(path: Path) -> dict[bytes, bytes]:
    with sqlite3.connect(path) as raw:
        return dict(raw.execute("SELECT bidx, record FROM members").fetchall())


def test_members_round_trip(cache: Cache, rows: list[dict[str, str]]) -> None:
    members = members_for(cache, rows)
    result = cache.apply(members, CURSOR)
    assert (result.upserted, result.deleted) == (len(members), 0)
    assert cache.count() == len(members)
    for member in members[::97]:
        assert cache.get(member.nik) == member
    assert cache.get("3201010101900001") is None
    assert cache.cursor() == CURSOR
    assert sorted(m.nik for m in cache.persons()) == sorted(m.nik for m in members)


def test_no_personal_data_on_disk_checkpointed_or_not(
    cache: Cache, cache_path: Path, rows: list[dict[str, str]]
) -> None:
    needles = personal_strings(rows)
    assert len(needles) > 3 * len(rows)
    assert leaks({"probe": b"\x00" + needles[-1] + b"\x00"}, needles) == [("probe", needles[-1])]
    # A reader holding an old snapshot keeps the new pages in the WAL, un-checkpointed.
    reader = sqlite3.connect(cache_path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM members").fetchone()
    cache.apply(members_for(cache, rows), CURSOR)
    pending = files_of(cache_path)
    assert len(pending["-wal"]) > 100_000, "the records should still be in the WAL"
    assert leaks(pending, needles) == []
    reader.rollback()
    reader.close()
    cache.checkpoint()
    settled = files_of(cache_path)
    assert len(settled["db"]) > 100_000
    assert leaks(settled, needles) == []


def test_deleted_member_leaves_no_ciphertext(
    cache: Cache, cache_path: Path, rows: list[dict[str, str]]
) -> None:
    members = members_for(cache, rows)
    cache.apply(members)
    before = sealed_records(cache_path)
    victim = members[1234]
    cache.apply([dataclasses.replace(victim, deleted=True)])
    after = sealed_records(cache_path)
    (gone,) = set(before.values()) - set(after.values())
    assert cache.get(victim.nik) is None
    assert cache.count() == len(members) - 1
    # The probe is sound: a record still stored is found in the file by the same search.
    kept = next(iter(after.values()))
    on_disk = files_of(cache_path)
    assert kept in on_disk["db"]
    assert all(gone not in data for data in on_disk.values())


def test_upsert_replaces_and_last_word_wins(cache: Cache, rows: list[dict[str, str]]) -> None:
    first, second = members_for(cache, rows[:2])
    cache.apply([first, second])
    renamed = dataclasses.replace(first, name="Nama Baru", updated_at=datetime.now(UTC))
    deleted = dataclasses.replace(second, deleted=True)
    moved = dataclasses.replace(second, name="Nama Lain")
    result = cache.apply([deleted, renamed, moved])
    assert cache.get(first.nik) == renamed
    assert cache.get(second.nik) == moved
    assert (result.upserted, result.deleted) == (2, 0)


def test_failed_apply_changes_nothing(cache: Cache, rows: list[dict[str, str]]) -> None:
    members = members_for(cache, rows)
    cache.apply(members[:100], CURSOR)

    def broken_stream() -> Iterator[Person]:
        yield from members[100:2500]
        raise RuntimeError("feed cut off")

    later = FeedCursor(8, "delta-8", datetime.now(UTC))
    with pytest.raises(RuntimeError, match="feed cut off"):
        cache.apply(broken_stream(), later)
    assert cache.count() == 100
    assert cache.cursor() == CURSOR


def test_full_disk_is_a_clear_error_and_changes_nothing(
    cache: Cache, rows: list[dict[str, str]]
) -> None:
    members = members_for(cache, rows)
    cache.apply(members[:10], CURSOR)
    # SQLite reports a database that cannot grow exactly as it reports a full disk.
    pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
    cache._db.execute(f"PRAGMA max_page_count = {pages + 5}")
    with pytest.raises(CacheError, match="disk is full") as caught:
        cache.apply(members, FeedCursor(8, "delta-8", datetime.now(UTC)))
    assert type(caught.value) is CacheError
    assert cache.count() == 10
    assert cache.cursor() == CURSOR


def test_wrong_key_is_refused_and_writes_nothing(
    cache_path: Path, master_key: MasterKey, rows: list[dict[str, str]]
) -> None:
    with Cache.create(cache_path, master_key) as cache:
        members = members_for(cache, rows[:50])
        cache.apply(members, CURSOR)
    before = hashlib.sha256(cache_path.read_bytes()).hexdigest()
    with pytest.raises(WrongKeyError, match="Wrong master key") as caught:
        Cache.open(cache_path, new_key())
    assert master_key.subkeys().key_id in str(caught.value)
    assert hashlib.sha256(cache_path.read_bytes()).hexdigest() == before
    assert not cache_path.with_name("cache.db-wal").exists()
    with Cache.open(cache_path, master_key) as reopened:
        assert reopened.count() == len(members)


def test_ciphertext_moved_to_another_row_fails(
    cache: Cache, cache_path: Path, rows: list[dict[str, str]]
) -> None:
    first, second = members_for(cache, rows[:2])
    cache.apply([first, second])
    with sqlite3.connect(cache_path) as raw:
        (a, ra), (b, rb) = raw.execute("SELECT bidx, record FROM members").fetchall()
        raw.executemany("UPDATE members SET record = ? WHERE bidx = ?", [(rb, a), (ra, b)])
    raw.close()
    for member in (first, second):
        with pytest.raises(CacheCorruptError, match="tampered"):
            cache.get(member.nik)


def test_flipped_byte_in_a_record_fails(
    cache: Cache, cache_path: Path, rows: list[dict[str, str]]
) -> None:
    (member,) = members_for(cache, rows[:1])
    cache.apply([member])
    with sqlite3.connect(cache_path) as raw:
        index, record = raw.execute("SELECT bidx, record FROM members").fetchone()
        flipped = record[:20] + bytes([record[20] ^ 1]) + record[21:]
        raw.execute("UPDATE members SET record = ? WHERE bidx = ?", (flipped, index))
    raw.close()
    with pytest.raises(CacheCorruptError):
        cache.get(member.nik)
    with pytest.raises(CacheCorruptError):
        list(cache.persons())


def test_record_sealed_under_another_key_fails(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """Rows copied from another kiosk's cache do not open, even at the same NIK."""
    with (
        Cache.create(tmp_path / "a.db", new_key()) as a,
        Cache.create(tmp_path / "b.db", new_key()) as b,
    ):
        (member,) = members_for(a, rows[:1])
        a.apply([member])
        b.apply([member])
        ((index_b, _),) = sealed_records(tmp_path / "b.db").items()
        ((_, record_a),) = sealed_records(tmp_path / "a.db").items()
        with sqlite3.connect(tmp_path / "b.db") as raw:
            raw.execute("UPDATE members SET record = ? WHERE bidx = ?", (record_a, index_b))
        raw.close()
        with pytest.raises(CacheCorruptError):
            b.get(member.nik)


def corrupt_with_garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def truncate_to_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def overwrite_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xa5" * (len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [corrupt_with_garbage, truncate_to_half, overwrite_pages])
def test_damaged_file_is_a_clear_error(
    cache_path: Path, master_key: MasterKey, rows: list[dict[str, str]], damage: object
) -> None:
    with Cache.create(cache_path, master_key) as cache:
        cache.apply(members_for(cache, rows), CURSOR)
    assert callable(damage)
    damage(cache_path)

    def read_everything() -> None:
        with Cache.open(cache_path, master_key) as cache:
            cache.count()
            list(cache.persons())

    with pytest.raises(CacheCorruptError, match="damaged"):
        read_everything()


@pytest.mark.parametrize("content", [b"", None])
def test_empty_file_or_foreign_database_is_not_a_cache(
    cache_path: Path, master_key: MasterKey, content: bytes | None
) -> None:
    if content is None:
        with sqlite3.connect(cache_path) as raw:
            raw.execute("CREATE TABLE other (x)")
        raw.close()
    else:
        cache_path.write_bytes(content)
    with pytest.raises(CacheCorruptError, match="not a kiosk cache"):
        Cache.open(cache_path, master_key)


def test_missing_cache(cache_path: Path, master_key: MasterKey) -> None:
    with pytest.raises(CacheMissingError, match="no cache"):
        Cache.open(cache_path, master_key)
    assert not cache_path.exists()


def test_create_refuses_an_existing_cache(cache: Cache, master_key: MasterKey) -> None:
    with pytest.raises(CacheError, match="already exists"):
        Cache.create(cache.path, master_key)


def test_cache_from_a_newer_kiosk_is_refused(cache_path: Path, master_key: MasterKey) -> None:
    Cache.create(cache_path, master_key).close()
    with sqlite3.connect(cache_path) as raw:
        raw.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('kiosk-cache', 'm999_future', '2030-01-01')"
        )
    raw.close()
    with pytest.raises(CacheError, match="newer kiosk"):
        Cache.open(cache_path, master_key)


def test_cache_files_are_private(cache: Cache, rows: list[dict[str, str]]) -> None:
    cache.apply(members_for(cache, rows[:10]))
    reader = sqlite3.connect(cache.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM members").fetchone()
    cache.apply(members_for(cache, rows[10:20]))
    for file in cache.path.parent.glob("cache.db*"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    reader.close()


def test_info(cache: Cache, rows: list[dict[str, str]]) -> None:
    members = members_for(cache, rows[:10])
    cache.apply(members, CURSOR)
    info = cache.info()
    assert info.records == len(members)
    assert info.schema_version == 3
    assert info.cursor == CURSOR
    assert info.key_id == cache.key_id
    assert info.file_sizes["cache.db"] > 0


def test_rekey_reseals_every_record(
    cache_path: Path, master_key: MasterKey, rows: list[dict[str, str]]
) -> None:
    with Cache.create(cache_path, master_key) as cache:
        members = members_for(cache, rows)
        cache.apply(members, CURSOR)
    old_records = set(sealed_records(cache_path).values())
    replacement = new_key()
    with Cache.open(cache_path, master_key) as cache:
        assert cache.rekey(replacement) == len(members)
        assert cache.key_id == replacement.subkeys().key_id
    with pytest.raises(WrongKeyError):
        Cache.open(cache_path, master_key)
    with Cache.open(cache_path, replacement) as cache:
        assert cache.count() == len(members)
        assert cache.cursor() == CURSOR
        for member in members[::50]:
            assert cache.get(member.nik) == member
        verified = members[0]
        assert cache.verifier.matches(rows[0]["mother_name"], verified.mother_hash)
    on_disk = files_of(cache_path)
    assert not any(old in data for old in list(old_records)[:200] for data in on_disk.values())


def test_mother_name_is_verified_by_keyed_hash(cache: Cache, rows: list[dict[str, str]]) -> None:
    row = next(r for r in rows if "'" in r["mother_name"])
    (member,) = members_for(cache, [row])
    name = row["mother_name"]
    assert cache.verifier.matches(name, member.mother_hash)
    assert cache.verifier.matches(f"  {name.upper()}  ", member.mother_hash)
    assert cache.verifier.matches(name.replace("'", "").replace(" ", ""), member.mother_hash)
    assert not cache.verifier.matches(name + "x", member.mother_hash)
    assert not cache.verifier.matches("", member.mother_hash)
    assert not cache.verifier.matches(" '.- ", member.mother_hash)
    assert name.encode() not in member.mother_hash


def test_name_normalisation() -> None:
    assert normalise_name("Siti Nur'aini") == normalise_name("SITI NURAINI")
    assert normalise_name("Déwi Ṣāliḥah") == "dewisalihah"
    assert normalise_name("Dewi") != normalise_name("Dewa")


def test_confirming_the_data_current_moves_only_its_time(cache: Cache) -> None:
    cache.confirm_current(CURSOR_TIME)
    assert cache.cursor() is None, "nothing to confirm before a first sync"
    cache.apply([], CURSOR)
    later = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    cache.confirm_current(later)
    assert cache.cursor() == dataclasses.replace(CURSOR, synced_at=later)


def test_a_cache_of_the_one_membership_record_is_emptied_for_a_snapshot(
    cache_path: Path, master_key: MasterKey, rows: list[dict[str, str]]
) -> None:
    """Version 2 records cannot be rewritten into persons: the cache forgets them and its
    cursor, and the next sync takes the feed's newest snapshot."""
    with Cache.create(cache_path, master_key) as cache:
        cache.apply(members_for(cache, rows[:20]), CURSOR)
    with sqlite3.connect(cache_path) as raw:  # as a kiosk before record version 3 left it
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_persons'")
    with Cache.open(cache_path, master_key) as reopened:
        assert reopened.count() == 0
        assert reopened.cursor() is None
        assert reopened.info().schema_version == 3


def snapshot_frames(
    persons: list[Person], rows: list[dict[str, str]], per_frame: int
) -> list[list[Entry]]:
    """A snapshot bundle's frames, as a kiosk reads them, of ``per_frame`` entries each."""
    mothers = {row["nik"]: normalise_name(row["mother_name"]).encode() for row in rows}
    entries: list[Entry] = [
        (person.nik.encode(), mothers[person.nik], encode_body(person)) for person in persons
    ]
    return [entries[start : start + per_frame] for start in range(0, len(entries), per_frame)]


def cut_after(frames: list[list[Entry]], count: int) -> Iterator[list[Entry]]:
    """The frames until ``count`` are read, then the bundle ends as a truncated one does."""
    yield from frames[:count]
    raise BundleError(msg("feed.bundle_truncated"))


@pytest.fixture
def a_part_a_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of a snapshot's load as small as they come: each frame is committed."""
    monkeypatch.setattr(store, "PART_BYTES", 1)


@pytest.mark.usefixtures("a_part_a_frame")
def test_a_snapshot_load_cut_short_resumes_from_its_last_part(
    cache: Cache, rows: list[dict[str, str]]
) -> None:
    persons = members_for(cache, rows)
    frames = snapshot_frames(persons, rows, 100)  # 3,000 persons in frames of 100
    load = "snapshot-00000007.bundle state-7"
    with pytest.raises(BundleError):
        cache.load_snapshot(cut_after(frames, 25), CURSOR, load)
    assert cache.cursor() is None, "a first load cut short serves nothing yet"
    assert cache.count() == 0
    assert cache.info().loading == ("snapshot-00000007.bundle", 2500)
    result = cache.load_snapshot(iter(frames), CURSOR, load)
    assert cache.info().loading is None
    assert result.upserted == len(persons) - 2500, "the parts committed are not stored again"
    assert result.total == len(persons)
    assert cache.cursor() == CURSOR
    assert {cache.get(person.nik) for person in persons[::300]} == set(persons[::300])


@pytest.mark.usefixtures("a_part_a_frame")
def test_a_load_cut_short_is_started_afresh_for_another_bundle_or_key(
    cache: Cache, rows: list[dict[str, str]], master_key: MasterKey
) -> None:
    persons = members_for(cache, rows)
    frames = snapshot_frames(persons, rows, 100)
    load = "snapshot-00000007.bundle state-7"
    with pytest.raises(BundleError):
        cache.load_snapshot(cut_after(frames, 25), CURSOR, load)
    newer = "snapshot-00000009.bundle state-9"
    assert cache.load_snapshot(iter(frames), CURSOR, newer).upserted == len(persons)
    with pytest.raises(BundleError):
        cache.load_snapshot(cut_after(frames, 25), CURSOR, load)
    cache.rekey(new_key())
    assert cache.load_snapshot(iter(frames), CURSOR, load).upserted == len(persons)


def test_a_snapshot_replaces_what_the_cache_held(cache: Cache, rows: list[dict[str, str]]) -> None:
    persons = members_for(cache, rows)
    cache.apply(persons[:50], CURSOR)
    later = FeedCursor(9, "snapshot-9", CURSOR_TIME)
    load = "snapshot-00000009.bundle snapshot-9"
    result = cache.load_snapshot(iter(snapshot_frames(persons[40:1040], rows, 100)), later, load)
    assert result.total == 1000
    assert cache.get(persons[0].nik) is None
    assert cache.get(persons[45].nik) == persons[45]
    assert cache.cursor() == later
