"""The benchmark's report: each measure beside its baselines and the design's target.

Plain text under a ruled heading, figures right-aligned, so that two runs
compare line by line; ``--json`` prints the figures themselves instead.
"""

from collections.abc import Callable

from devtools.bench.figures import (
    BenchFigures,
    Column,
    Latency,
    PublishFigures,
    Spread,
    UiFigures,
)

FULL_RATIO_TARGET = 2.0
RSS_TARGET_MB = 200
INCREMENTAL_TARGET_S = 1.0
LOOKUP_P99_TARGET_US = 1000
START_TARGET_S = 0.5
STATUS_TARGET_MS = 100
CORES_RATIO_TARGET = 0.6
"""All cores' snapshot from PostgreSQL over one process's."""
DELTA_SHARE_TARGET = 0.05
"""A 10,000-change delta from PostgreSQL over the all-cores snapshot."""
NONE = "-"

Row = tuple[str, ...]
"""A measure, its figures (right-aligned), then its target."""


def report(figures: BenchFigures) -> str:
    """The sync, lookup and size table, then the UI's."""
    return f"{format_table(table(figures))}\n\n{ui_report(figures.ui)}"


def ui_report(ui: UiFigures) -> str:
    return format_table(ui_table(ui))


def table(figures: BenchFigures) -> list[Row]:
    """The rows of the report: measure, kiosk, plain SQLite, SQLCipher, target."""
    kiosk, plain, cipher = figures.kiosk, figures.plain, figures.sqlcipher
    missing = "not installed (pip install '.[bench]')"

    def each(show: Callable[[Column], str]) -> tuple[str, str, str]:
        return show(kiosk), show(plain), missing if cipher is None else show(cipher)

    def latency(pick: Callable[[Latency], float]) -> Callable[[Column], str]:
        return lambda column: f"{pick(column.lookup):,.1f} µs"

    name = "SQLCipher" if figures.sqlcipher_version is None else figures.sqlcipher_version
    changes = f"{figures.edited:,} edited + {figures.deleted:,} deleted"
    return [
        ("measure", "kiosk", "plain SQLite", f"SQLCipher ({name})", "target"),
        ("members stored by the full sync", *each(lambda c: f"{c.members:,}"), ""),
        ("full sync time", *each(lambda c: _seconds(c.full_seconds)), ""),
        ("full sync rate", *each(lambda c: f"{c.records_per_second:,.0f} records/s"), ""),
        (
            "full sync / plain SQLite",
            *each(lambda c: f"{figures.full_ratio(c):.2f}x"),
            f"<= {FULL_RATIO_TARGET:.1f}x",
        ),
        ("  of which: opening the bundle", NONE, _seconds(figures.read_seconds), NONE, "info"),
        ("peak RSS, full sync", _mb(figures.sync_peak_rss), NONE, NONE, f"< {RSS_TARGET_MB} MB"),
        (
            f"incremental: {changes} (kiosk: its background sync)",
            *each(lambda c: _seconds(c.incremental_seconds)),
            f"< {INCREMENTAL_TARGET_S:.0f} s",
        ),
        (
            "  a `kiosk sync` process adds its start-up",
            _seconds(figures.startup_seconds),
            NONE,
            NONE,
            "info",
        ),
        ("peak RSS, incremental", _mb(figures.incremental_peak_rss), NONE, NONE, "info"),
        ("members after the incremental", *each(lambda c: f"{c.members_after:,}"), ""),
        (f"lookup p50 ({figures.lookups:,} NIKs)", *each(latency(lambda t: t.p50)), ""),
        ("lookup p99", *each(latency(lambda t: t.p99)), f"< {LOOKUP_P99_TARGET_US:,} µs"),
        ("lookup max", *each(latency(lambda t: t.max)), ""),
        ("  found", *each(lambda c: f"{c.lookup.found:,}"), f"{figures.lookups:,}"),
        ("size on disk (db + WAL)", *each(lambda c: _mib(c.size_bytes)), ""),
        ("snapshot bundle", _mib(figures.snapshot_bytes), NONE, NONE, "info"),
        ("delta bundle", _mib(figures.delta_bytes), NONE, NONE, "info"),
        ("publish the snapshot", _seconds(figures.publish_seconds), NONE, NONE, "info"),
        ("publish the delta", _seconds(figures.delta_publish_seconds), NONE, NONE, "info"),
        ("write the members file", _seconds(figures.generate_seconds), NONE, NONE, "info"),
        ("peak RSS of the bench itself", _mb(figures.bench_peak_rss), NONE, NONE, "info"),
    ]


def ui_table(ui: UiFigures) -> list[Row]:
    """The UI's rows: measure, kiosk, bare Textual app, target; headless, 100x30 cells."""

    def spread(pick: Callable[[Spread], float]) -> tuple[str, str]:
        return _ms(pick(ui.flow_ms)), _ms(pick(ui.baseline_ms))

    submitted = f"answer submitted -> status painted p50 ({ui.runs:,} of {ui.members:,} members)"
    return [
        ("UI, headless 100x30", "kiosk", "bare Textual app", "target"),
        ("import textual (left out below)", _seconds3(ui.import_textual_seconds), NONE, "info"),
        (
            f"start -> interactive welcome (best of {ui.starts})",
            _seconds3(ui.start_seconds),
            _seconds3(ui.bare_start_seconds),
            f"< {START_TARGET_S} s",
        ),
        (
            "  kiosk beyond the bare app",
            _seconds3(ui.start_seconds - ui.bare_start_seconds),
            NONE,
            "info",
        ),
        (submitted, *spread(lambda s: s.p50), ""),
        ("  p95", *spread(lambda s: s.p95), f"< {STATUS_TARGET_MS} ms"),
        ("  max", *spread(lambda s: s.max), ""),
        ("  reached the status screen", f"{ui.reached:,}", NONE, f"{ui.runs:,}"),
    ]


def publish_report(figures: PublishFigures) -> str:
    return format_table(publish_table(figures))


def publish_table(figures: PublishFigures) -> list[Row]:
    """The publisher's rows: measure, value, its baseline, their ratio, the target and whether
    it was met; every baseline is measured in the same run. A publish's memory is that of
    its processes together, the publisher's and its workers'."""
    single, cores = figures.snapshot_single, figures.snapshot_cores
    database, file = figures.delta_database, figures.delta_file
    changes = f"{figures.edited:,} edited + {figures.deleted:,} deleted"
    ratio = figures.cores_ratio
    share = figures.delta_share
    return [
        ("publisher", "value", "baseline", "ratio", "target"),
        ("members (persons)", f"{figures.members:,}", NONE, NONE, "info"),
        ('cores ("all cores" below)', f"{figures.cores}", NONE, NONE, "info"),
        ("write the members file", _seconds(figures.generate_seconds), NONE, NONE, "info"),
        ("import it into PostgreSQL", _seconds(figures.import_all.seconds), NONE, NONE, "info"),
        ("  peak RSS", _mb(figures.import_all.peak_rss), NONE, NONE, "info"),
        ("snapshot from PostgreSQL, 1 process", _seconds(single.seconds), NONE, NONE, "baseline"),
        (
            "snapshot from PostgreSQL, all cores",
            _seconds(cores.seconds),
            _seconds(single.seconds),
            f"{ratio:.2f}x",
            _met(f"<= {CORES_RATIO_TARGET:.1f}x", ratio <= CORES_RATIO_TARGET),
        ),
        (
            "peak RSS (all its processes), snapshot 1 process",
            _mb(single.tree_rss),
            NONE,
            NONE,
            "info",
        ),
        (
            "peak RSS (all its processes), snapshot all cores",
            _mb(cores.tree_rss),
            _mb(single.tree_rss),
            f"{cores.tree_rss / single.tree_rss:.2f}x",
            "info",
        ),
        ("  entries, the same in both", f"{figures.snapshot_entries:,}", NONE, NONE, "checked"),
        (
            "import the changes into PostgreSQL",
            _seconds(figures.import_changes.seconds),
            NONE,
            NONE,
            "info",
        ),
        (
            f"delta from PostgreSQL ({changes}), all cores",
            _seconds(database.seconds),
            _seconds(cores.seconds),
            f"{share:.1%}",
            _met(f"<= {DELTA_SHARE_TARGET:.0%} of the snapshot", share <= DELTA_SHARE_TARGET),
        ),
        (
            "peak RSS (all its processes), delta from PostgreSQL",
            _mb(database.tree_rss),
            NONE,
            NONE,
            "info",
        ),
        (
            "delta from the CSV file, all cores",
            _seconds(file.seconds),
            _seconds(database.seconds),
            f"{file.seconds / database.seconds:.2f}x",
            "info",
        ),
        (
            "peak RSS (all its processes), delta from the CSV file",
            _mb(file.tree_rss),
            _mb(database.tree_rss),
            f"{file.tree_rss / database.tree_rss:.2f}x",
            "info",
        ),
        (
            "  entries, the same records in both",
            f"{figures.delta_entries:,}",
            NONE,
            NONE,
            "checked",
        ),
        ("peak RSS of the bench itself", _mb(figures.bench_peak_rss), NONE, NONE, "info"),
        (
            "PostgreSQL without durability (a throwaway cluster)",
            figures.database_settings.replace("-c ", ""),
            NONE,
            NONE,
            "info",
        ),
    ]


def _met(target: str, met: bool) -> str:
    return f"{target}: {'met' if met else 'NOT met'}"


def format_table(rows: list[Row]) -> str:
    """Plain text under a ruled heading; figures (between measure and target) right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    last = len(widths) - 1

    def line(row: Row, figures: bool) -> str:
        cells = (
            cell.rjust(width) if figures and 1 <= i < last else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        return " | ".join(cells).rstrip()

    heading, *body = rows
    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(heading, False), rule, *(line(row, True) for row in body)])


def _seconds(value: float) -> str:
    return f"{value:,.2f} s"


def _seconds3(value: float) -> str:
    """Starts take fractions of a second: milliseconds show how near the budget they are."""
    return f"{value:,.3f} s"


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _mb(value: int) -> str:
    return f"{value / 1e6:,.1f} MB"


def _mib(value: int) -> str:
    return f"{value / 2**20:,.1f} MiB"
