"""``kiosk bench --publish-only`` end to end on a small membership, against a real PostgreSQL.

Times are too noisy here to assert on; what is checked is that every publish
ran and was measured, and that the check of identical bundles really compares.
"""

import contextlib
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from central.repository import FeedLayout
from devtools.bench.children import Child
from devtools.bench.feed import newest_bundle
from devtools.bench.figures import PublishFigures
from devtools.bench.publishing import PublishLayout, publish_argv, same_entries
from devtools.bench.tables import publish_report
from kiosk.cli import main
from kiosk.errors import KioskError
from kiosk.feed.bundle import BundleKind, BundleReader, BundleWriter, Entry
from kiosk.keys import read_key_file
from tests.postgres import postgres_bin

MEMBERS = 300
CHANGES = 30
CHILDREN = (
    "import_all",
    "import_changes",
    "snapshot_single",
    "snapshot_cores",
    "delta_database",
    "delta_file",
)


@dataclass(frozen=True)
class Run:
    layout: PublishLayout
    figures: dict[str, Any]
    progress: str


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Run:
    postgres_bin()  # A skip without PostgreSQL on a developer's machine, as its tests do.
    root = tmp_path_factory.mktemp("publish") / "b"
    argv = ["bench", "--publish-only", "--members", str(MEMBERS), "--changes", str(CHANGES)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--json", "--dir", str(root)], environ={})
    assert code == 0, err.getvalue()
    return Run(PublishLayout(root), json.loads(out.getvalue()), err.getvalue())


def test_every_publish_is_measured_and_both_pairs_hold_the_same_entries(bench: Run) -> None:
    figures = bench.figures
    assert figures["members"] == MEMBERS
    assert figures["deleted"] == CHANGES // 10
    assert figures["edited"] == CHANGES - figures["deleted"]
    assert figures["snapshot_entries"] == MEMBERS
    assert figures["delta_entries"] == CHANGES
    assert figures["cores"] >= 1
    assert "fsync=off" in figures["database_settings"]
    for name in CHILDREN:
        assert figures[name]["seconds"] > 0, name
        assert figures[name]["peak_rss"] > 0, name
    assert figures["cores_ratio"] > 0
    assert figures["delta_share"] > 0
    assert "snapshot from PostgreSQL by one process" in bench.progress
    assert "fsync=off" in bench.progress


def test_the_table_puts_each_figure_beside_its_baseline(bench: Run) -> None:
    derived = ("cores_ratio", "delta_share")
    fields: dict[str, Any] = {
        name: Child(**value) if name in CHILDREN else value
        for name, value in bench.figures.items()
        if name not in derived
    }
    table = publish_report(PublishFigures(**fields))
    heading, rule, *rows = (line.split("|") for line in table.splitlines())
    assert [cell.strip() for cell in heading] == [
        "publisher",
        "value",
        "baseline",
        "ratio",
        "target",
    ]
    assert set("".join(rule)) == {"-", "+"}
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    cores = cells["snapshot from PostgreSQL, all cores"]
    assert cores[1] == cells["snapshot from PostgreSQL, 1 process"][0]
    assert cores[3].startswith("<= 0.6x: ")
    (delta,) = (cells[name] for name in cells if name.startswith("delta from PostgreSQL"))
    assert delta[1] == cores[0]
    assert delta[3].startswith("<= 5% of the snapshot: ")
    assert cells["delta from the CSV file, all cores"][1] == delta[0]
    assert cells["entries, the same in both"][0] == f"{MEMBERS:,}"


def test_bundles_that_differ_stop_the_bench(bench: Run, tmp_path: Path) -> None:
    layout = bench.layout
    key = read_key_file(layout.cores.fleet_key).secret
    single = newest_bundle(layout.single, BundleKind.SNAPSHOT)
    assert same_entries(single, newest_bundle(layout.cores, BundleKind.SNAPSHOT), key) == MEMBERS
    entries = _entries(single, key)
    nik, mother, body = entries[-1]
    changed = _rewritten(single, key, [*entries[:-1], (nik, mother, body + b" ")], tmp_path)
    missing = _rewritten(single, key, entries[:-1], tmp_path)
    for other, differing in ((changed, 2), (missing, 1)):
        with pytest.raises(KioskError) as refused:
            same_entries(single, other, key)
        assert f"({differing} differ)" in refused.value.message.text("en")
    # The database gives each updated_at back in its own zone, the file in the writer's.
    database = newest_bundle(layout.cores, BundleKind.DELTA)
    file = newest_bundle(layout.from_file, BundleKind.DELTA)
    assert same_entries(database, file, key) == CHANGES


def test_workers_is_passed_only_when_set(tmp_path: Path) -> None:
    feed = FeedLayout(tmp_path)
    assert publish_argv(feed, ["--from", "URL"], None)[-2:] == ["--from", "URL"]
    assert publish_argv(feed, ["--from", "URL"], 1)[-2:] == ["--workers", "1"]


def test_the_publish_and_ui_runs_are_not_given_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--publish-only", "--ui-only", "--dir", str(tmp_path)], environ={})
    assert exit_.value.code == 2
    assert "give one" in capsys.readouterr().err


def _entries(bundle: Path, key: bytes) -> list[Entry]:
    with bundle.open("rb") as stream:
        return [entry for frame in BundleReader(stream, key).frames() for entry in frame]


def _rewritten(bundle: Path, key: bytes, entries: list[Entry], directory: Path) -> Path:
    """A bundle of the same header holding ``entries`` instead."""
    with bundle.open("rb") as stream:
        header = BundleReader(stream, key).header
    path = directory / f"other-{len(list(directory.iterdir()))}.bundle"
    with path.open("wb") as out:
        writer = BundleWriter(out, key, replace(header, records=len(entries)))
        for nik, mother, body in entries:
            writer.upsert(nik, mother, body)
        writer.close()
    return path
