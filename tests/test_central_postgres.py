"""The central store in a real PostgreSQL: import a members file, publish from the database
(snapshots and deltas, commits out of order, a connection killed mid-read, bad rows, an older
schema), and kiosks that sync the result."""

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from central import person_work, postgres
from central.importer import import_members
from central.postgres import SCHEMA_VERSION, DatabaseSource, migrate
from central.publish import PublishResult, publish
from central.repository import FeedLayout, init_feed
from devtools.demo import build_demo, install_kiosk, write_members
from devtools.synthetic import synthetic_rows
from kiosk.cli import main
from kiosk.errors import KioskError
from kiosk.feed.bundle import BundleKind
from tests.postgres import Server, running_server
from tests.sites import Contents, Site, bundle_entries, expected_contents

MEMBERS = 300
"""Persons; about 1.3 rows each."""
WRONG = "not-the-" + "password"
"""A password no test database has: it must never be echoed either."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("pg")) as started:
        yield started


@pytest.fixture
def url(server: Server) -> str:
    """A new, empty database of the module's server."""
    return server.url(server.new_database())


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A feed never published and a kiosk installed for it, beside a members file."""
    site = Site(tmp_path_factory.mktemp("blank") / "site")
    site.root.mkdir()
    now = datetime.now(UTC)
    write_members(site.members_file, synthetic_rows(MEMBERS, seed=15, today=now.date()))
    layout = init_feed(site.feed.root, now)
    install_kiosk(site.kiosk, layout, "../feed/repository")
    return site


@pytest.fixture
def site(blank: Site, tmp_path: Path) -> Site:
    return blank.copy_to(tmp_path / "site")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv), environ={})
    return code, out.getvalue(), err.getvalue()


def import_file(site: Site, url: str, path: Path | None = None) -> None:
    import_members(path or site.members_file, url, now=datetime.now(UTC))


def publish_db(site: Site, url: str, **options: Any) -> PublishResult:
    source = DatabaseSource(url, on_row=options.pop("on_row", None))
    return publish(site.feed.root, source, now=options.pop("now", datetime.now(UTC)), **options)


def synced(site: Site) -> Contents:
    code, _, err = site.sync()
    assert code == 0, err
    return site.contents()


def database_contents(url: str) -> Contents:
    """What the database says each person holds: their memberships not deleted."""
    found: dict[str, tuple[str, list[tuple[str, int, str]]]] = {}
    with psycopg.connect(url) as connection:
        for nik, name, kpj, balance, status in connection.execute(
            "SELECT p.nik, p.name, m.kpj, m.jht_balance, m.status FROM persons p "
            "JOIN memberships m ON m.nik = p.nik WHERE NOT m.deleted"
        ):
            found.setdefault(nik, (name, []))[1].append((kpj, balance, status))
    return {nik: (name, tuple(sorted(kept))) for nik, (name, kept) in found.items()}


def feed_files(layout: FeedLayout) -> dict[str, str]:
    """Every file the kiosks may fetch and the publisher's state, by path and content hash."""
    files = [*layout.repository.rglob("*"), *layout.central.glob("state.db*")]
    return {
        str(path.relative_to(layout.root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
        if path.is_file()
    }


def some_niks(url: str, count: int, offset: int = 0) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT nik FROM persons ORDER BY nik OFFSET %s LIMIT %s", (offset, count)
        ).fetchall()
    return [nik for (nik,) in rows]


def rows_of(url: str, niks: list[str]) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM memberships WHERE nik = ANY(%s)", (niks,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_import_publish_and_sync_give_the_kiosk_the_database(site: Site, url: str) -> None:
    code, out, err = cli("central", "import", "--members", str(site.members_file), "--into", url)
    assert code == 0, err
    assert "Created the members schema." in out
    code, out, err = cli("central", "publish", "--dir", str(site.feed.root), "--from", url)
    assert code == 0, err
    assert "Published snapshot 1" in out
    rows = list(synthetic_rows(MEMBERS, seed=15, today=datetime.now(UTC).date()))
    assert synced(site) == expected_contents(rows) == database_contents(url)
    # Importing the same file again changes no row: the next publish reads nothing.
    import_file(site, url)
    source = DatabaseSource(url)
    result = publish(site.feed.root, source, now=datetime.now(UTC))
    assert (result.sequence, source.fetched) == (None, 0)


def test_import_checks_the_file_as_publish_does(site: Site, url: str) -> None:
    rows = site.rows()
    bad = {**rows[0], "name": "x" * 70}
    jsonl = site.root / "members.jsonl"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in [bad, *rows[1:]]))
    argv = ("central", "import", "--members", str(jsonl), "--into", url)
    code, _, err = cli(*argv)
    assert code != 0
    assert "line 1: name:" in err
    assert "nothing was imported" in err
    assert bad["nik"] not in err
    code, _, err = cli(*argv, "--skip-invalid")
    assert code == 0, err
    # The person with the bad row is left out whole, as a publish would hold them.
    wanted = {nik: kept for nik, kept in expected_contents(rows).items() if nik != bad["nik"]}
    assert database_contents(url) == wanted


def test_the_feed_from_the_database_is_the_feed_from_the_file(
    tmp_path: Path, url: str, server: Server
) -> None:
    now = datetime.now(UTC)
    template = Site(tmp_path / "template")
    build_demo(template.root, MEMBERS, now, sync=False)
    by_file, by_database = template.copy_to(tmp_path / "file"), template.copy_to(tmp_path / "db")
    later = now + timedelta(minutes=5)
    from_file = publish(by_file.feed.root, by_file.members_file, full=True, now=later)
    import_file(by_database, url)
    from_database = publish_db(by_database, url, full=True, now=later)
    assert from_file.sequence == from_database.sequence == 2
    assert from_file.members == from_database.members
    assert bundle_entries(by_file.feed, 2, BundleKind.SNAPSHOT) == bundle_entries(
        by_database.feed, 2, BundleKind.SNAPSHOT
    )
    # And the database's first delta on the file's feed finds nothing to publish.
    other = template.copy_to(tmp_path / "other")
    assert publish_db(other, url, now=later).sequence is None


def test_a_delta_reads_only_the_changed_persons(site: Site, url: str) -> None:
    import_file(site, url)
    assert publish_db(site, url).kind is BundleKind.SNAPSHOT
    synced(site)
    touched = some_niks(url, 3)
    gone = some_niks(url, 1, offset=10)
    with psycopg.connect(url) as connection:
        connection.execute(
            "UPDATE memberships SET jht_balance = jht_balance + 1 WHERE nik = ANY(%s)", (touched,)
        )
        # A DELETE keeps a tombstone: the kiosks forget the person.
        connection.execute("DELETE FROM memberships WHERE nik = %s", (gone[0],))
        connection.execute("UPDATE persons SET name = 'Nama Baru' WHERE nik = %s", (touched[0],))
    counted: list[int] = []
    result = publish_db(site, url, on_row=counted.append)
    assert result.kind is BundleKind.DELTA
    assert (result.upserted, result.deleted) == (3, 1)
    assert len(counted) == rows_of(url, touched + gone)
    contents = synced(site)
    assert contents == database_contents(url)
    assert gone[0] not in contents
    assert contents[touched[0]][0] == "Nama Baru"


def test_a_transaction_committed_after_a_later_one_is_not_lost(site: Site, url: str) -> None:
    import_file(site, url)
    publish_db(site, url)
    first, second = some_niks(url, 1), some_niks(url, 1, offset=1)
    with psycopg.connect(url) as early, psycopg.connect(url, autocommit=True) as late:
        early.execute("UPDATE memberships SET jht_balance = 1 WHERE nik = %s", first)
        late.execute("UPDATE memberships SET jht_balance = 2 WHERE nik = %s", second)
        counted: list[int] = []
        assert publish_db(site, url, on_row=counted.append).upserted == 1
        assert len(counted) == rows_of(url, second)
        early.commit()
    counted.clear()
    assert publish_db(site, url, on_row=counted.append).upserted == 1
    assert len(counted) == rows_of(url, first)
    contents = synced(site)
    assert contents == database_contents(url)
    assert {balance for _, balance, _ in contents[first[0]][1]} == {1}
    assert {balance for _, balance, _ in contents[second[0]][1]} == {2}


def test_a_connection_killed_mid_publish_leaves_the_feed_as_it_was(
    site: Site, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(site, url)
    publish_db(site, url)
    synced(site)
    with psycopg.connect(url) as connection:
        connection.execute("UPDATE memberships SET jht_balance = jht_balance + 7")
    before = feed_files(site.feed)
    monkeypatch.setattr(postgres, "CURSOR_ROWS", 10)
    killed = threading.Event()

    def kill(count: int) -> None:
        if count == 5 and not killed.is_set():
            with psycopg.connect(url, autocommit=True) as other:
                # With a timeout, pg_terminate_backend returns once the backend is gone.
                row = other.execute(
                    "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (postgres.APPLICATION_NAME,),
                ).fetchone()
            assert row == (True,)
            killed.set()

    with pytest.raises(KioskError) as raised:
        publish_db(site, url, on_row=kill)
    assert killed.is_set()
    assert "connection to the database" in str(raised.value)
    assert feed_files(site.feed) == before
    result = publish_db(site, url)
    assert result.kind is BundleKind.DELTA
    assert result.upserted == MEMBERS
    assert synced(site) == database_contents(url)


def test_bad_rows_are_reported_by_row_key_and_skipped_on_request(site: Site, url: str) -> None:
    import_file(site, url)
    publish_db(site, url)
    bad, other = some_niks(url, 1), some_niks(url, 1, offset=1)
    published = synced(site)[bad[0]]
    with psycopg.connect(url) as connection:
        name_row = connection.execute(
            "UPDATE persons SET name = 'Bad' || chr(7) || 'Name' WHERE nik = %s RETURNING nik",
            bad,
        ).fetchone()
        assert name_row is not None
        ids = [
            row_id
            for (row_id,) in connection.execute(
                "SELECT id FROM memberships WHERE nik = %s ORDER BY kpj", bad
            )
        ]
        connection.execute(
            "UPDATE memberships SET jht_balance = jht_balance + 1 WHERE nik = %s", other
        )
    argv = ("central", "publish", "--dir", str(site.feed.root), "--from", url)
    code, _, err = cli(*argv)
    assert code != 0
    assert f"row {ids[0]}: name:" in err
    assert bad[0] not in err
    assert "Bad" not in err
    code, out, err = cli(*argv, "--skip-invalid")
    assert code == 0, err
    assert "1 stored" in out
    contents = synced(site)
    # The bad person keeps what the kiosks had; the other one's change arrives.
    assert contents[bad[0]] == published
    assert contents[other[0]] == database_contents(url)[other[0]]


def insert_rows(connection: psycopg.Connection[Any], rows: list[dict[str, str]]) -> None:
    """Members file rows written with plain SQL, as a central application would."""
    for row in rows:
        connection.execute(
            "INSERT INTO persons (nik, name, birth_date, mother_name, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (nik) DO NOTHING",
            [row[column] for column in ("nik", "name", "birth_date", "mother_name", "updated_at")],
        )
        connection.execute(
            "INSERT INTO memberships (kpj, nik, segment, status, status_code, employer_name, npp, "
            "programs, membership_start, membership_end, last_paid_period, paid_periods, "
            "jht_balance, jht_as_of, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                *(row[c] for c in ("kpj", "nik", "segment", "status", "status_code")),
                *(row[c] for c in ("employer_name", "npp")),
                row["programs"].split(),
                row["membership_start"],
                row["membership_end"] or None,
                row["last_paid_period"],
                row["paid_periods"].split(),
                int(row["jht_balance"]),
                row["jht_as_of"] or None,
                row["updated_at"],
            ],
        )


def test_an_older_schema_is_migrated_by_import(site: Site, url: str) -> None:
    rows = site.rows()
    first = [row for row in rows if row["nik"] == rows[0]["nik"]]
    with psycopg.connect(url) as connection:
        assert migrate(connection, up_to=1) == 0
        insert_rows(connection, first)
    code, _, err = cli("central", "publish", "--dir", str(site.feed.root), "--from", url)
    assert code != 0
    assert f"version 1 and this publisher reads version {SCHEMA_VERSION}" in err
    # The file lacks the person written under version 1: the migration keeps them.
    write_members(site.members_file, rows[len(first) :])
    import_file(site, url)
    with psycopg.connect(url) as connection:
        assert postgres.schema_version(connection) == SCHEMA_VERSION
    assert publish_db(site, url).kind is BundleKind.SNAPSHOT
    assert synced(site) == database_contents(url) == expected_contents(rows)


@pytest.mark.parametrize(
    ("make_url", "words"),
    [
        (lambda s: "postgresql://kiosk:" + WRONG + "@[broken/db", "not valid"),
        (lambda s: "mysql://kiosk:" + WRONG + "@localhost/db", "not valid"),
        (lambda s: s.url("postgres", password=WRONG), "refused the user or its password"),
        (lambda s: s.url("absent"), "does not exist on that server"),
        (
            lambda s: s.url("postgres").replace("socket", "nowhere") + "&password=" + WRONG,
            "cannot be reached",
        ),
        (lambda s: s.url(s.new_database()), "has no members schema yet"),
    ],
)
def test_database_errors_are_one_sentence_without_the_password(
    site: Site, server: Server, make_url: Callable[[Server], str], words: str
) -> None:
    database = make_url(server)
    code, out, err = cli("central", "publish", "--dir", str(site.feed.root), "--from", database)
    assert code != 0
    assert words in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    for secret in (WRONG, server.password):
        assert secret not in out + err


def test_every_core_publishes_from_the_database_what_one_process_does(
    site: Site, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(site, url)
    twin = site.copy_to(tmp_path / "twin")
    monkeypatch.setattr(person_work, "BATCH_PERSONS", 16)
    now = datetime.now(UTC)
    assert publish_db(site, url, now=now, workers=1) == publish_db(twin, url, now=now, workers=2)
    assert bundle_entries(site.feed, 1, BundleKind.SNAPSHOT) == bundle_entries(
        twin.feed, 1, BundleKind.SNAPSHOT
    )


def test_a_worker_killed_mid_publish_is_one_sentence_and_the_feed_stays(
    site: Site, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(site, url)
    publish_db(site, url)
    with psycopg.connect(url) as connection:
        connection.execute("UPDATE memberships SET jht_balance = jht_balance + 7")
    before = feed_files(site.feed)
    monkeypatch.setattr(person_work, "BATCH_PERSONS", 8)
    monkeypatch.setattr(postgres, "CURSOR_ROWS", 10)
    killed: list[int] = []

    def kill(count: int) -> None:
        workers = multiprocessing.active_children()
        if not killed and len(workers) == 2:
            killed.append(workers[0].pid or 0)
            os.kill(killed[0], signal.SIGKILL)

    with pytest.raises(KioskError) as raised:
        publish_db(site, url, on_row=kill, workers=2)
    assert killed
    assert "worker processes stopped" in str(raised.value)
    assert feed_files(site.feed) == before
    assert publish_db(site, url, workers=2).upserted == MEMBERS
    assert synced(site) == database_contents(url)
