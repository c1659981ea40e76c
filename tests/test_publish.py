"""``kiosk central publish``: whole files validated first, deltas, renewals and recovery."""

import contextlib
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from central.publish import CARD_LIFETIME, CARD_RENEWAL
from devtools.demo import build_demo, write_members
from kiosk.cli import main
from kiosk.keys import write_new_key
from tests.sites import Site, expected_contents
from tests.test_sync import changed

MEMBERS = 400


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("publish") / "template"
    build_demo(root, MEMBERS, datetime.now(UTC))
    return Site(root)


@pytest.fixture
def site(template: Site, tmp_path: Path) -> Site:
    return template.copy_to(tmp_path / "site")


def publish_cli(site: Site, members: Path, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["central", "publish", "--dir", str(site.feed.root), "--members", str(members)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, *options], environ={})
    return code, out.getvalue(), err.getvalue()


def listing(site: Site) -> list[str]:
    return sorted(path.name for path in site.feed.repository.rglob("*"))


def test_bad_rows_are_reported_by_line_and_nothing_is_published(site: Site) -> None:
    rows = changed(site.rows(), 3)
    rows[4] = {**rows[4], "nik": "1234"}
    rows[9] = {**rows[9], "segment": "XYZ"}
    rows[12] = {**rows[12], "nik": rows[2]["nik"], "birth_date": rows[2]["birth_date"]}
    write_members(site.members_file, rows)
    before = listing(site)
    code, out, err = publish_cli(site, site.members_file)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    # Line 1 is the header: row i is on line i + 2.
    assert lines[0].startswith("line 6: nik: ")
    assert lines[1].startswith("line 11: segment: ")
    assert lines[2].startswith("line 14: nik: ")
    assert "line 4" in lines[2]
    assert "3 rows are invalid; nothing was published" in lines[-1]
    assert rows[4]["name"] not in err
    assert listing(site) == before


def test_skip_invalid_publishes_the_valid_rows(site: Site) -> None:
    original = site.rows()
    rows = changed(original, 3)
    rows[4] = {**rows[4], "birth_date": "2001-02-30"}
    write_members(site.members_file, rows)
    code, out, err = publish_cli(site, site.members_file, "--skip-invalid", "--json")
    assert code == 0, err
    problem = json.loads(err.splitlines()[0])
    assert (problem["line"], problem["column"], problem["code"]) == (6, "birth_date", "row.date")
    report = json.loads(out)
    assert (report["sequence"], report["kind"], report["invalid_rows"]) == (2, "delta", 1)
    assert (report["stored"], report["removed"]) == (3, 0)
    assert site.sync()[0] == 0
    # The skipped row's member keeps what was published before.
    assert site.contents() == expected_contents([*rows[:4], original[4], *rows[5:]])


def test_json_lines_with_native_types_publish_like_csv(site: Site, tmp_path: Path) -> None:
    rows = changed(site.rows(), 2)
    path = tmp_path / "members.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            native = {
                **row,
                "programs": row["programs"].split(),
                "jht_balance": int(row["jht_balance"]),
                "deleted": row["deleted"] == "true",
            }
            handle.write(json.dumps(native, ensure_ascii=False) + "\n")
        handle.write("[1, 2]\n")
    code, _, err = publish_cli(site, path)
    assert code == 2
    assert "line 401: -: " in err
    assert "one JSON object" in err
    lines = path.read_text(encoding="utf-8").splitlines()[:-1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = publish_cli(site, path)
    assert code == 0, err
    assert "Published delta 2: 2 stored, 0 removed" in out


def test_full_prunes_older_bundles(site: Site) -> None:
    write_members(site.members_file, changed(site.rows(), 1))
    assert publish_cli(site, site.members_file)[0] == 0
    code, out, _ = publish_cli(site, site.members_file, "--full")
    assert code == 0
    assert f"Published snapshot 3: 0 stored, 0 removed; {MEMBERS:,} members" in out
    assert "Pruned 2 older bundle(s)." in out
    bundles = sorted(p.name.split(".", 1)[1] for p in site.feed.targets.glob("*.bundle"))
    assert bundles == ["snapshot-00000003.bundle"]


def test_cards_near_expiry_are_signed_again(site: Site) -> None:
    later = datetime.now(UTC) + CARD_LIFETIME - CARD_RENEWAL + timedelta(days=1)
    result = site.publish(now=later)
    assert (result.sequence, result.upserted) == (2, MEMBERS)
    assert site.publish(now=later).sequence is None


def test_an_interrupted_publish_is_caught_and_full_recovers(site: Site, tmp_path: Path) -> None:
    state = site.feed.central / "state.db"
    shutil.copyfile(state, tmp_path / "state.db")
    site.publish(changed(site.rows(), 2))
    # As if the publisher died after the feed took the bundle but before its state committed.
    shutil.copyfile(tmp_path / "state.db", state)
    code, _, err = publish_cli(site, site.members_file)
    assert code == 1
    assert "disagree" in err
    assert "--full" in err
    code, out, err = publish_cli(site, site.members_file, "--full")
    assert code == 0, err
    assert "Published snapshot 3" in out
    assert site.sync()[0] == 0
    assert site.contents() == expected_contents(site.rows())


def test_the_publisher_state_holds_no_member_data_in_the_clear(site: Site) -> None:
    data = b"".join(p.read_bytes() for p in site.feed.central.glob("state.db*"))
    rows = site.rows()
    needles = [row[column] for row in rows[:50] for column in ("nik", "name", "mother_name")]
    assert rows[0]["nik"].encode() in (site.members_file.read_bytes())
    assert not [needle for needle in needles if needle.encode() in data]


def test_a_missing_members_file_is_one_sentence(site: Site, tmp_path: Path) -> None:
    code, out, err = publish_cli(site, tmp_path / "nope.csv")
    assert (code, out) == (2, "")
    assert err.startswith("kiosk: ")
    assert "does not exist" in err


def test_a_state_written_under_another_fleet_key_is_one_sentence(site: Site) -> None:
    fleet = site.feed.fleet_key
    fleet.unlink()
    write_new_key(fleet)
    write_members(site.members_file, site.rows()[1:])
    code, out, err = publish_cli(site, site.members_file)
    assert (code, out) == (1, "")
    assert "another fleet key" in err
    assert "Traceback" not in err


def test_a_damaged_publisher_state_is_one_sentence(site: Site) -> None:
    state = site.feed.central / "state.db"
    for stale in site.feed.central.glob("state.db-*"):
        stale.unlink()
    state.write_bytes(b"not a database, " * 256)
    before = listing(site)
    code, out, err = publish_cli(site, site.members_file)
    assert (code, out) == (1, "")
    assert f"The publisher's record {state} is damaged" in err
    assert "--full" in err
    assert "Traceback" not in err
    assert listing(site) == before


def test_overlong_and_invisible_text_is_refused_by_line_and_column(site: Site) -> None:
    rows = site.rows()
    marker = "Rahasia"
    rows[0] = {**rows[0], "name": marker * 715}  # 5,005 characters
    rows[1] = {**rows[1], "name": marker * 14_286}  # 100,002 characters
    rows[2] = {**rows[2], "name": f"Siti\u200b{marker}"}
    rows[3] = {**rows[3], "mother_name": f"{marker}\u00ad"}
    rows[5] = {**rows[5], "status_reason": f"{marker}\U000e0041"}
    rows[6] = {**rows[6], "segment": "PU", "npp": "12345678", "employer_name": "PT " * 40}
    write_members(site.members_file, rows)
    before = listing(site)
    code, out, err = publish_cli(site, site.members_file)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert [line.split(": ", 2)[:2] for line in lines[:-1]] == [
        ["line 2", "name"],
        ["line 3", "name"],
        ["line 4", "name"],
        ["line 5", "mother_name"],
        ["line 7", "status_reason"],
        ["line 8", "employer_name"],
    ]
    assert "at most 69 bytes" in lines[0]
    assert "invisible characters" in lines[2]
    assert "6 rows are invalid; nothing was published" in lines[-1]
    assert marker not in err
    assert listing(site) == before


def test_a_csv_row_with_too_many_fields_is_named_by_line(site: Site) -> None:
    text = site.members_file.read_text(encoding="utf-8").splitlines()
    text[3] += ",extra"
    site.members_file.write_text("\n".join(text) + "\n", encoding="utf-8")
    code, _, err = publish_cli(site, site.members_file)
    assert code == 2
    assert "line 4: -: " in err
    assert "(16 columns)" in err
    assert "Traceback" not in err


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv), environ={})
    return code, out.getvalue(), err.getvalue()


def restore(backup: Path, site: Site, *parts: str) -> None:
    """Put ``parts`` of the feed directory (all of it when none) back as the backup holds them."""
    for part in parts or ("",):
        shutil.rmtree(site.feed.root / part)
        shutil.copytree(backup / part, site.feed.root / part)


def test_a_feed_forked_by_a_restored_backup_recovers_for_every_kiosk(
    site: Site, tmp_path: Path
) -> None:
    """The whole feed directory, keys and high-water mark included, comes back from a backup.

    Nothing left on the central side remembers what was lost, so the restored
    feed signs its next versions again; the recovery numbers everything past it.
    """
    now = datetime.now(UTC)
    rows = site.rows()
    backup = tmp_path / "backup"
    shutil.copytree(site.feed.root, backup)
    lost = changed(rows, 2)
    site.publish(lost, now=now + timedelta(minutes=1))
    assert site.sync()[0] == 0
    seen = (site.feed.metadata / "timestamp.json").read_bytes()
    assert site.contents() == expected_contents(lost)

    restore(backup, site)
    genuine = changed(rows, 3)
    assert site.publish(genuine, now=now + timedelta(minutes=2)).sequence == 2
    forked = (site.feed.metadata / "timestamp.json").read_bytes()
    assert forked != seen
    assert json.loads(forked)["signed"]["version"] == json.loads(seen)["signed"]["version"]
    site.sync()
    assert site.contents() == expected_contents(lost), "the kiosk still holds the lost history"

    code, out, err = publish_cli(site, site.members_file, "--recover")
    assert code == 0, err
    assert "Published snapshot 1003: 0 stored, 0 removed" in out
    code, out, err = site.sync()
    assert code == 0, err
    assert "snapshot 1003" in out
    assert site.contents() == expected_contents(genuine)
    following = changed(rows, 4)
    assert site.publish(following, now=now + timedelta(minutes=3)).sequence == 1004
    assert site.sync()[0] == 0
    assert site.contents() == expected_contents(following)


def test_a_restore_that_leaves_the_keys_is_refused_until_recovered(
    site: Site, tmp_path: Path
) -> None:
    """The keys directory, with its high-water mark, outlives the restored repository and state."""
    now = datetime.now(UTC)
    rows = site.rows()
    backup = tmp_path / "backup"
    shutil.copytree(site.feed.root, backup)
    for count in (2, 3):
        site.publish(changed(rows, count), now=now + timedelta(minutes=count))
    assert site.sync()[0] == 0
    restore(backup, site, "repository", "central")
    before = listing(site)

    genuine = changed(rows, 5)
    write_members(site.members_file, genuine)
    code, out, err = publish_cli(site, site.members_file)
    assert (code, out) == (1, "")
    assert "restored from a backup" in err
    assert "--recover" in err
    code, _, err = cli("central", "refresh", "--dir", str(site.feed.root))
    assert code == 1
    assert "restored from a backup" in err
    assert listing(site) == before

    code, out, err = publish_cli(site, site.members_file, "--recover")
    assert code == 0, err
    assert "Published snapshot 1004" in out
    assert site.sync()[0] == 0
    assert site.contents() == expected_contents(genuine)
    code, out, _ = cli("central", "refresh", "--dir", str(site.feed.root))
    assert (code, out.splitlines()[0]) == (0, "Re-signed: nothing was due.")
