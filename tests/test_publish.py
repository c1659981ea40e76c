"""``kiosk central publish``: whole files validated first, deltas, renewals and recovery."""

import contextlib
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.central.publish import CARD_LIFETIME, CARD_RENEWAL
from kiosk.cli import main
from kiosk.demo import build_demo, write_members
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
