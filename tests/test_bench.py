"""``kiosk bench`` end to end on a small feed: the figures are real, and the cache stays sealed.

Times are too noisy here to assert on; what is checked is that every phase ran
against the same members and counted what it should. The UI figures come from
child processes (``python -m devtools.ui_bench``), a few runs only, to keep this quick.
"""

import json
from datetime import UTC, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from central.rows import parse_row
from devtools.bench import BenchLayout
from devtools.bench.feed import edited_row
from devtools.demo import DEMO_SEED, read_members
from devtools.synthetic import synthetic_rows
from kiosk.cli import main
from tests.conftest import TODAY

MEMBERS = 1500
CHANGES = 150
LOOKUPS = 200
UI_RUNS = 5


def test_bench_measures_every_store_on_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "b"
    argv = ["bench", "--members", str(MEMBERS), "--changes", str(CHANGES), "--json"]
    argv += ["--lookups", str(LOOKUPS), "--ui-runs", str(UI_RUNS), "--dir", str(root)]
    code = main(argv, environ={})
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "kiosk sync" in err
    figures = json.loads(out)

    deleted = figures["deleted"]
    assert deleted == CHANGES // 10
    assert figures["edited"] == CHANGES - deleted
    assert figures["lookups"] == LOOKUPS
    columns = [figures["kiosk"], figures["plain"]]
    assert figures["sqlcipher"] is not None, "the test extra installs sqlcipher3"
    columns.append(figures["sqlcipher"])
    for column in columns:
        assert column["members"] == MEMBERS
        assert column["members_after"] == MEMBERS - deleted
        assert column["size_bytes"] > 0
        assert column["full_seconds"] > 0
        assert column["records_per_second"] > 0
        lookup = column["lookup"]
        assert lookup["found"] == LOOKUPS
        assert 0 < lookup["p50"] <= lookup["p99"] <= lookup["max"]
    assert figures["ratios"]["kiosk_to_plain"] > 0
    assert figures["snapshot_bytes"] > figures["delta_bytes"] > 0
    assert figures["sync_peak_rss"] > 0
    assert figures["incremental_peak_rss"] > 0
    assert figures["sqlcipher_version"]
    check_ui(figures["ui"], MEMBERS - deleted)

    layout = BenchLayout(root)
    assert list(layout.bytecode.rglob("sync*.pyc")), "the children compiled the kiosk there"
    niks = [row["nik"].encode() for row in islice(read_members(layout.members_file), LOOKUPS)]
    plain = layout.plain.read_bytes()
    assert all(nik in plain for nik in niks), "the baseline stores NIKs as they are"
    cache = layout.kiosk / "cache.db"
    for stored in (cache, cache.with_name("cache.db-wal")):
        if stored.exists():
            data = stored.read_bytes()
            assert not [nik for nik in niks if nik in data]


def check_ui(ui: dict[str, Any], members: int) -> None:
    """Every UI figure was measured, and every sampled member reached the status screen."""
    assert ui["members"] == members
    assert ui["runs"] == UI_RUNS
    assert ui["reached"] == UI_RUNS
    assert ui["starts"] >= 1
    for name in ("import_textual_seconds", "start_seconds", "bare_start_seconds"):
        assert ui[name] > 0, name
    for name in ("flow_ms", "baseline_ms"):
        spread = ui[name]
        assert 0 < spread["p50"] <= spread["p95"] <= spread["max"], name


def test_bench_ui_only_measures_a_tree_built_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo built without the UI, then only the UI figures on it, as a table."""
    root = tmp_path / "demo"
    assert main(["demo", "--no-ui", "--members", "300", "--dir", str(root)], environ={}) == 0
    capsys.readouterr()
    runs = 2
    argv = ["bench", "--ui-only", "--ui-runs", str(runs), "--dir", str(root)]
    assert main(argv, environ={}) == 0
    out, err = capsys.readouterr()
    assert "UI: starting the kiosk" in err
    heading, rule, *rows = (line.split("|") for line in out.splitlines())
    assert [cell.strip() for cell in heading] == [
        "UI, headless 100x30",
        "kiosk",
        "bare Textual app",
        "target",
    ]
    assert set("".join(rule)) == {"-", "+"}
    cells = {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows}
    assert cells["reached the status screen"] == [str(runs), "-", str(runs)]
    assert cells["p95"][2] == "< 100 ms"
    assert not list(root.glob("*.tsv")), "the samples stay out of the tree"


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        ([], "--ui-only needs --dir"),
        (["--dir", "."], "has no kiosk/kiosk.toml or members.csv"),
        (["--dir", ".", "--ui-runs", "0"], "at least 1"),
    ],
)
def test_bench_ui_only_refuses_what_it_cannot_measure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    argv = [str(tmp_path) if arg == "." else arg for arg in argv]
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--ui-only", *argv], environ={})
    assert exit_.value.code == 2
    assert complaint in capsys.readouterr().err


def test_bench_refuses_a_directory_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "something").write_text("")
    code = main(["bench", "--members", "10", "--changes", "1", "--dir", str(tmp_path)], environ={})
    assert code == 2
    assert "is not empty" in capsys.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["something"]


@pytest.mark.parametrize(
    ("members", "changes", "lookups"), [(0, 1, 1), (10, 0, 1), (10, 11, 1), (10, 1, 0)]
)
def test_bench_refuses_counts_it_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], members: int, changes: int, lookups: int
) -> None:
    argv = ["bench", "--members", str(members), "--changes", str(changes)]
    code = main([*argv, "--lookups", str(lookups), "--dir", str(tmp_path / "b")], environ={})
    assert code == 2
    assert "Invalid counts" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(("began", "paid"), [("2026-11-02", False), ("2026-10-31", True)])
def test_a_payment_edit_pays_no_month_before_the_membership_began(began: str, paid: bool) -> None:
    """On 24 November October is due: a membership begun in November has nothing to pay yet."""
    row = next(synthetic_rows(1, seed=DEMO_SEED, today=TODAY))
    row |= {"membership_start": began, "last_paid_period": "", "paid_periods": ""}
    row |= {"status": "AKTIF", "status_code": "", "membership_end": ""}
    changed = edited_row(row, 1, datetime.combine(TODAY, time(9), tzinfo=UTC))
    assert (changed["paid_periods"] == "2026-10") is paid
    months = {"2026-10"} if paid else set()
    parsed = parse_row(changed, lambda name: bytes(32), TODAY).membership
    assert {str(month) for month in parsed.paid_periods} == months
