"""``kiosk bench --scale`` on small sizes: real components, no timing asserted.

What is checked: a feed built fast syncs through ``kiosk sync``'s real path and
the cache answers with the built records; a small scale run fills its table,
its JSON and an SVG with both lines of each panel and every point; the
projection's arithmetic; the page drop on real files.
"""

import json
import math
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from central.repository import init_feed
from devtools.bench import ScaleOptions, run_scale, scale_report
from devtools.bench.cold import drop_pages
from devtools.bench.cold import main as cold_main
from devtools.bench.fastfeed import Changes, FastFeed
from devtools.bench.feed import serving
from devtools.bench.projection import MEMBERS_2026, fit_power
from devtools.demo import install_kiosk
from kiosk.cache import Cache
from kiosk.card import CardVerdict, load_card_public_key, verify_card
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.keys import load_master_key
from kiosk.record import encode_body

SVG = "{http://www.w3.org/2000/svg}"


def test_a_fast_built_feed_syncs_through_kiosk_sync_with_the_records_it_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    layout = init_feed(tmp_path / "feed", now)
    feed = FastFeed(layout.root, now)
    feed.snapshot(600)
    with serving(layout) as url:
        config_path = install_kiosk(tmp_path / "kiosk", layout, url)
        assert main(["sync", "--config", str(config_path)], environ={}) == 0, capsys.readouterr()
        config = load_config(config_path)
        with Cache.open(config.cache_path, load_master_key(config, {})) as cache:
            assert cache.count() == 600
            for index in (0, 7, 599):
                nik, _, body = feed.entry(index)
                person = cache.get(nik.decode())
                assert person is not None
                assert encode_body(person) == body
                nik_date = f"{person.birth_date.day:02d}{person.birth_date.month:02d}"
                assert nik.decode()[6:10] in {
                    nik_date,
                    f"{person.birth_date.day + 40}{nik_date[2:]}",
                }
                card = verify_card(
                    person.memberships[0].card, load_card_public_key(layout.card_public_key), now
                )
                assert card.verdict is CardVerdict.VALID
                assert card.claims is not None
                assert card.claims.name == person.name

        feed.delta(Changes(edited=[7], deleted=[8]), version=1)
        assert main(["sync", "--config", str(config_path)], environ={}) == 0
        with Cache.open(config.cache_path, load_master_key(config, {})) as cache:
            assert cache.count() == 599
            assert cache.get(feed.nik(8)) is None
            edited = cache.get(feed.nik(7))
            assert edited is not None
            assert encode_body(edited) == feed.entry(7, 1)[2] != feed.entry(7)[2]


def test_a_small_scale_run_fills_the_table_the_json_and_the_plot(tmp_path: Path) -> None:
    sizes = (1000, 2000)
    options = ScaleOptions(
        sizes=sizes, changes=50, lookups=100, now=datetime.now(UTC), plot=None, keep=False
    )
    figures = run_scale(tmp_path / "scale", options, lambda _: None)

    data = json.loads(json.dumps(figures.as_dict()))
    assert [row["members"] for row in data["rows"]] == list(sizes)
    for row, members in zip(data["rows"], sizes, strict=True):
        assert row["warm"]["found"] == row["cold"]["found"] == 100
        assert row["plain_warm"]["found"] == row["plain_cold"]["found"] == 100
        gone = 50 // 10 + members // 10 // 10
        assert row["members_after"] == row["plain_members_after"] == members - gone
        assert row["full"]["peak_rss"] > 0
        assert row["size_bytes"] > 0
        assert row["plain_size_bytes"] > 0
    assert data["rows"][0]["us_per_member_to_smallest"] == 1.0
    assert {fit["points"] for fit in data["fits"]} == {2}
    assert all(fit["members"] == MEMBERS_2026 for fit in data["fits"])
    assert not (tmp_path / "scale" / "members-1000").exists(), "each size goes once measured"

    report = scale_report(figures)
    lines = report.splitlines()
    assert lines[0].startswith("members | full sync s | plain s")
    assert lines[2].startswith("1,000 ")
    assert lines[3].startswith("2,000 ")
    assert "POSIX_FADV_DONTNEED" in report
    assert "Projection to 61,080,000 members" in report

    svg = ET.parse(figures.plot).getroot()  # noqa: S314 - the file the run just wrote
    assert svg.tag == f"{SVG}svg"
    lines_drawn = svg.findall(f".//{SVG}polyline")
    labels = [line.get("data-label") for line in lines_drawn]
    assert labels == [
        "kiosk: kiosk sync",
        "plain SQLite, same bundle",
        "kiosk: background sync",
        "plain SQLite, same writes",
    ]
    for line in lines_drawn:
        assert len(str(line.get("points")).split()) == len(sizes)
    assert len(svg.findall(f".//{SVG}circle")) == len(sizes) * len(lines_drawn)
    texts = {text.text for text in svg.iter(f"{SVG}text")}
    assert {"1k", "2k", "µs per member", "members in the cache (log scale)"} <= texts


def test_sizes_and_plot_are_for_the_scale_run_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["bench", "--sizes", "1000,2000"], environ={})
    assert "--sizes and --plot are for --scale" in capsys.readouterr().err


def test_the_power_law_fit_finds_known_curves() -> None:
    points = [(n, 3.0 * n**1.2) for n in (1e3, 1e4, 1e5)]
    fit = fit_power("y", points, 1_000_000)
    assert math.isclose(fit.b, 1.2)
    assert math.isclose(fit.a, 3.0)
    assert math.isclose(fit.projected, 3.0 * 1e6**1.2)
    linear = fit_power("t", [(n, 2.0 + 5e-6 * n) for n in (1e5, 1e6)], MEMBERS_2026, offset=2.0)
    assert math.isclose(linear.b, 1.0)
    assert math.isclose(linear.projected, 2.0 + 5e-6 * MEMBERS_2026)
    with pytest.raises(ValueError, match="two sizes"):
        fit_power("y", [(1e3, 1.0)], 10)


def test_cold_lookups_drop_real_files_with_or_without_a_wal(tmp_path: Path) -> None:
    database = tmp_path / "plain.db"
    db = sqlite3.connect(database)
    db.execute("CREATE TABLE members (nik BLOB PRIMARY KEY, mother BLOB, record BLOB)")
    db.executemany("INSERT INTO members VALUES (?, x'', x'00')", [(b"1" * 16,), (b"2" * 16,)])
    db.commit()
    db.close()
    drop_pages(database)  # no -wal beside it
    assert not database.with_name("plain.db-wal").exists()
    database.with_name("plain.db-wal").write_bytes(b"")
    drop_pages(database)

    niks, out = tmp_path / "niks.txt", tmp_path / "cold.json"
    niks.write_text(f"{'1' * 16}\n{'3' * 16}\n", encoding="ascii")
    argv = ["--plain", str(database), "--niks", str(niks), "--today", "2026-12-01"]
    assert cold_main([*argv, "--out", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["found"] == 1
    assert len(figures["times_ns"]) == 2


def test_the_scale_run_refuses_counts_it_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "--scale", "--sizes", "1000,2000", "--changes", "600", "--dir"]
    assert main([*argv, str(tmp_path / "s")], environ={}) != 0
    assert "Invalid counts for --scale" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
