"""``kiosk central publish``: whole files validated first, persons from their rows, deltas,
renewals, recovery and the forced snapshot after an older publisher."""

import contextlib
import io
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from central.person_work import BATCH_PERSONS, CARD_LIFETIME, CARD_RENEWAL
from central.publish import PublishRefused, publish
from central.repository import init_feed
from devtools.demo import build_demo, write_members
from kiosk.card import CardVerdict, load_card_public_key, verify_card
from kiosk.cli import main
from kiosk.feed.bundle import FORMAT, BundleKind
from kiosk.keys import write_new_key
from kiosk.member import DataFlag, current_first
from kiosk.record import RECORD_VERSION
from tests.sites import Site, bundle_entries, changed, expected_contents

MEMBERS = 400
"""Persons; about 1.3 rows each."""


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


def line(index: int) -> int:
    """The line of ``rows[index]`` in the CSV file: line 1 is the header."""
    return index + 2


def persons_by_size(rows: list[dict[str, str]]) -> dict[int, list[list[int]]]:
    """The row indexes of each person, by how many rows (memberships) the person has."""
    indexes: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        indexes.setdefault(row["nik"], []).append(index)
    sizes: dict[int, list[list[int]]] = {}
    for person in indexes.values():
        sizes.setdefault(len(person), []).append(person)
    return sizes


def test_bad_rows_are_reported_by_line_and_nothing_is_published(site: Site) -> None:
    rows = changed(site.rows(), 3)
    rows[4] = {**rows[4], "nik": "1234"}
    rows[9] = {**rows[9], "segment": "XYZ"}
    rows[12] = {**rows[2], "jht_balance": "5"}
    write_members(site.members_file, rows)
    before = listing(site)
    code, out, err = publish_cli(site, site.members_file)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("line 6: nik: ")
    assert lines[1].startswith("line 11: segment: ")
    assert lines[2].startswith("line 14: kpj: ")
    assert "line 4" in lines[2]
    assert "3 rows are invalid; nothing was published" in lines[-1]
    assert rows[4]["name"] not in err
    assert listing(site) == before


def test_skip_invalid_publishes_the_valid_rows(site: Site) -> None:
    original = site.rows()
    rows = changed(original, 3)
    held = rows[4]["nik"]
    rows[4] = {**rows[4], "birth_date": "2001-02-30"}
    write_members(site.members_file, rows)
    code, out, err = publish_cli(site, site.members_file, "--skip-invalid", "--json")
    assert code == 0, err
    problem = json.loads(err.splitlines()[0])
    assert (problem["line"], problem["column"], problem["code"]) == (6, "birth_date", "row.date")
    report = json.loads(out)
    assert (report["sequence"], report["kind"], report["invalid_rows"]) == (2, "delta", 1)
    first_three = set(list(dict.fromkeys(row["nik"] for row in original))[:3])
    assert (report["stored"], report["removed"]) == (len(first_three - {held}), 0)
    assert site.sync()[0] == 0
    # Every row of the skipped row's person keeps what was published before.
    kept = [old if old["nik"] == held else new for old, new in zip(original, rows, strict=True)]
    assert site.contents() == expected_contents(kept)


def test_json_lines_with_native_types_publish_like_csv(site: Site, tmp_path: Path) -> None:
    rows = changed(site.rows(), 2)
    path = tmp_path / "members.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            native = {
                **row,
                "status_code": row["status_code"] or None,
                "programs": row["programs"].split(),
                "membership_end": row["membership_end"] or None,
                "paid_periods": row["paid_periods"].split(),
                "jht_balance": int(row["jht_balance"]),
                "deleted": row["deleted"] == "true",
            }
            handle.write(json.dumps(native, ensure_ascii=False) + "\n")
        handle.write("[1, 2]\n")
    code, _, err = publish_cli(site, path)
    assert code == 2
    assert f"line {len(rows) + 1}: -: " in err
    assert "one JSON object" in err
    lines = path.read_text(encoding="utf-8").splitlines()[:-1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = publish_cli(site, path)
    assert code == 0, err
    assert "Published delta 2: 2 stored, 0 removed" in out


def test_a_person_s_memberships_are_one_record_with_a_card_each(site: Site) -> None:
    everyone = site.rows()
    rows = [everyone[index] for index in persons_by_size(everyone)[3][0]]
    assert site.sync()[0] == 0
    card_key = load_card_public_key(site.kiosk / "trust" / "card-public.pem")
    with site.open_cache() as cache:
        person = cache.get(rows[0]["nik"])
    assert person is not None
    assert person.memberships == current_first(person.memberships)
    assert sorted(m.kpj for m in person.memberships) == sorted(row["kpj"] for row in rows)
    for membership in person.memberships:
        check = verify_card(membership.card, card_key, datetime.now(UTC))
        assert check.verdict is CardVerdict.VALID
        assert check.claims is not None
        assert (check.claims.kpj, check.claims.name) == (membership.kpj, person.name)
        assert check.claims.status is membership.status
        assert check.claims.programs == membership.programs


def test_a_deleted_membership_changes_its_person_and_the_last_one_removes_them(
    site: Site,
) -> None:
    rows = site.rows()
    sizes = persons_by_size(rows)
    several, alone = sizes[2][0], sizes[1][0]
    for index in (several[0], *alone):
        rows[index] = {**rows[index], "deleted": "true", "name": "", "mother_name": ""}
    result = site.publish(rows)
    assert (result.kind, result.upserted, result.deleted) == (BundleKind.DELTA, 1, 1)
    assert result.members == MEMBERS - 1
    assert site.sync()[0] == 0
    contents = site.contents()
    assert contents == expected_contents(rows)
    assert rows[alone[0]]["nik"] not in contents
    ((kpj, _, _),) = contents[rows[several[1]]["nik"]][1]
    assert kpj == rows[several[1]]["kpj"]


def test_rows_of_a_person_that_disagree_are_refused_naming_both_lines(site: Site) -> None:
    original = site.rows()
    first, second, *_ = persons_by_size(original)[2][0]
    rows = changed(original, MEMBERS)
    rows[second] = {**rows[second], "name": rows[second]["name"] + " Putra"}
    write_members(site.members_file, rows)
    code, _, err = publish_cli(site, site.members_file)
    assert code == 2
    problem = err.strip().splitlines()[0]
    assert problem.startswith(f"line {line(second)}: name: ")
    assert f"line {line(first)}" in problem
    assert "Putra" not in err

    code, out, err = publish_cli(site, site.members_file, "--skip-invalid", "--json")
    assert code == 0, err
    assert json.loads(out)["stored"] == MEMBERS - 1
    assert site.sync()[0] == 0
    held = original[first]["nik"]
    kept = [old if old["nik"] == held else new for old, new in zip(original, rows, strict=True)]
    assert site.contents() == expected_contents(kept)


def test_the_new_columns_are_checked_by_line_and_column(site: Site) -> None:
    rows = site.rows()
    active = [i for i, row in enumerate(rows) if row["status"] == "AKTIF" and row["paid_periods"]]
    coded, ahead, backwards, listed = active[:4]
    rows[coded] = {**rows[coded], "status_code": "PHK"}
    last = rows[ahead]["last_paid_period"]
    following = f"{int(last[:4]) + int(last[5:] == '12')}-{int(last[5:]) % 12 + 1:02d}"
    rows[ahead] = {**rows[ahead], "paid_periods": f"{rows[ahead]['paid_periods']} {following}"}
    start = date.fromisoformat(rows[backwards]["membership_start"])
    rows[backwards] = {**rows[backwards], "membership_end": str(start - timedelta(days=1))}
    rows[listed] = {**rows[listed], "status": "NONAKTIF", "status_code": "DIPECAT"}
    write_members(site.members_file, rows)
    code, _, err = publish_cli(site, site.members_file)
    assert code == 2
    reported = [problem.split(": ", 2)[:2] for problem in err.strip().splitlines()[:-1]]
    assert reported == [
        [f"line {line(coded)}", "status_code"],
        [f"line {line(ahead)}", "paid_periods"],
        [f"line {line(backwards)}", "membership_end"],
        [f"line {line(listed)}", "status_code"],
    ]
    assert "DIPECAT" not in err
    assert "TUNGGAKAN, BERHENTI_BEKERJA" in err


def test_a_birth_date_that_differs_from_the_nik_s_is_published_with_a_flag(site: Site) -> None:
    rows = site.rows()
    (index,), *_ = persons_by_size(rows)[1]
    rows[index] = {**rows[index], "birth_date": "1950-06-15"}  # every NIK is of 1960-2007
    result = site.publish(rows)
    assert (result.upserted, result.invalid_rows) == (1, 0)
    assert site.sync()[0] == 0
    with site.open_cache() as cache:
        person = cache.get(rows[index]["nik"])
    assert person is not None
    assert person.flags == {DataFlag.BIRTH_DATE_MISMATCH}
    assert person.birth_date.isoformat() == rows[index]["birth_date"]


def meta(site: Site) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(site.feed.central / "state.db")) as db:
        return dict(db.execute("SELECT name, value FROM meta").fetchall())


@pytest.mark.parametrize(
    "written_by",
    [
        "DELETE FROM meta WHERE name IN ('record_version', 'bundle_format')",
        "UPDATE meta SET value = '2' WHERE name = 'record_version'",
        "UPDATE meta SET value = '1' WHERE name = 'bundle_format'",
    ],
    ids=["before-the-layout-was-kept", "record-2", "format-1"],
)
def test_a_state_of_an_older_layout_leads_to_a_snapshot_by_itself(
    site: Site, written_by: str
) -> None:
    """The publisher before issue 14 kept neither: its entries were record 2, bundle format 1."""
    assert meta(site)["record_version"] == str(RECORD_VERSION)
    assert meta(site)["bundle_format"] == str(FORMAT)
    assert site.sync()[0] == 0
    with contextlib.closing(sqlite3.connect(site.feed.central / "state.db")) as db, db:
        db.execute(written_by)
    result = site.publish()
    assert (result.sequence, result.kind) == (2, BundleKind.SNAPSHOT)
    assert (result.upserted, result.deleted, result.members) == (MEMBERS, 0, MEMBERS)
    assert result.pruned == ["snapshot-00000001.bundle"]
    assert meta(site)["record_version"] == str(RECORD_VERSION)
    assert meta(site)["bundle_format"] == str(FORMAT)
    code, out, err = site.sync()
    assert code == 0, err
    assert "snapshot 2" in out
    assert site.contents() == expected_contents(site.rows())
    assert site.publish().sequence is None


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
    # Months paid are only published for the year before publication: leave them out, so
    # that the same file is still valid two months later.
    assert site.publish([{**row, "paid_periods": ""} for row in site.rows()]).sequence == 2
    later = datetime.now(UTC) + CARD_LIFETIME - CARD_RENEWAL + timedelta(days=1)
    result = site.publish(now=later)
    assert (result.sequence, result.upserted) == (3, MEMBERS)
    assert site.publish(now=later).sequence is None


def test_months_paid_too_long_before_the_publication_are_refused(site: Site) -> None:
    """A file exported for one month is stale by the next: the year it shows has moved on."""
    later = datetime.now(UTC) + timedelta(days=62)
    with pytest.raises(PublishRefused) as refused:
        site.publish(now=later)
    assert {problem.column for problem in refused.value.problems} == {"paid_periods"}
    assert {problem.message.key for problem in refused.value.problems} == {
        "row.paid_periods_too_old"
    }


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


PERSONAL = (
    "nik",
    "kpj",
    "name",
    "birth_date",
    "mother_name",
    "employer_name",
    "npp",
    "membership_start",
    "membership_end",
    "paid_periods",
    "jht_balance",
)
"""Every column that says something of a person; the codes (segment, status, programmes) do not."""


def test_the_publisher_state_and_the_bundles_hold_no_member_data_in_the_clear(
    site: Site,
) -> None:
    """A plaintext scan over every personal column, new ones included, of state and feed."""
    site.publish(changed(site.rows(), 5))
    files = [*site.feed.central.rglob("state.db*"), *site.feed.targets.glob("*.bundle")]
    assert len(files) >= 3
    data = b"\x00".join(path.read_bytes() for path in files)
    rows = site.rows()
    needles = {
        row[column].encode() for row in rows[:200] for column in PERSONAL if len(row[column]) >= 6
    }
    members_file = site.members_file.read_bytes()
    assert all(needle in members_file for needle in needles)
    for column in PERSONAL:
        assert any(len(row[column]) >= 6 for row in rows[:200]), column
    assert [needle for needle in needles if needle in data] == []


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
    rows[5] = {**rows[5], "employer_name": f"{marker}\U000e0041"}
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
        ["line 7", "employer_name"],
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
    assert "(19 columns)" in err
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


def twin_feeds(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[Site, Site]:
    """Two new feeds of the same keys, never published, each with the same members file."""
    first = Site(tmp_path / "one")
    first.root.mkdir()
    init_feed(first.feed.root, datetime.now(UTC))
    write_members(first.members_file, rows)
    return first, first.copy_to(tmp_path / "two")


def test_every_core_publishes_what_one_process_does(template: Site, tmp_path: Path) -> None:
    """Persons in several batches on two processes: the same entries, problems and counts."""
    rows = template.rows()
    one, two = twin_feeds(tmp_path, rows)
    now = datetime.now(UTC)
    assert len({row["nik"] for row in rows}) > BATCH_PERSONS
    first = [publish(site.feed.root, site.members_file, now=now, workers=workers)
             for site, workers in ((one, 1), (two, 2))]  # fmt: skip
    assert first[0] == first[1]
    assert first[0].upserted == MEMBERS
    snapshot = bundle_entries(one.feed, 1, BundleKind.SNAPSHOT)
    assert snapshot == bundle_entries(two.feed, 1, BundleKind.SNAPSHOT)
    assert len(snapshot) == MEMBERS

    # A KPJ claimed by persons of the first and the last batch holds both; a bad row its own.
    rows = changed(rows, 5)
    rows[-1] = {**rows[-1], "kpj": rows[0]["kpj"]}
    rows[7] = {**rows[7], "segment": "XYZ"}
    later = now + timedelta(minutes=1)
    second = []
    for site, workers in ((one, 1), (two, 2)):
        write_members(site.members_file, rows)
        result = publish(
            site.feed.root, site.members_file, skip_invalid=True, now=later, workers=workers
        )
        second.append(result)
    assert second[0] == second[1]
    assert [(problem.line, problem.column) for problem in second[0].problems] == [
        (line(7), "segment"),
        (line(len(rows) - 1), "kpj"),
    ]
    assert second[0].problems[1].message.params["first"] == line(0)
    delta = bundle_entries(one.feed, 2, BundleKind.DELTA)
    assert delta == bundle_entries(two.feed, 2, BundleKind.DELTA)
    assert 0 < len(delta) < 5


def test_a_card_key_that_is_not_a_key_is_one_sentence_before_any_worker(site: Site) -> None:
    site.feed.card_private_key.write_text("not a key\n")
    before = listing(site)
    write_members(site.members_file, changed(site.rows(), MEMBERS))
    code, _, err = publish_cli(site, site.members_file, "--workers", "2")
    assert code == 1
    assert "Ed25519" in err
    assert "Traceback" not in err
    assert listing(site) == before


@pytest.mark.parametrize("workers", ["-1", "65", "two"])
def test_a_number_of_workers_out_of_range_is_refused(site: Site, workers: str) -> None:
    with pytest.raises(SystemExit) as exited:
        publish_cli(site, site.members_file, "--workers", workers)
    assert exited.value.code == 2
