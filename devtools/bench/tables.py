"""The benchmark's report: each measure beside its baselines and the design's target.

Plain text under a ruled heading, figures right-aligned, so that two runs
compare line by line; ``--json`` prints the figures themselves instead.
"""

from collections.abc import Callable

from devtools.bench.cold import BATCH as COLD_BATCH
from devtools.bench.fastfeed import POOL
from devtools.bench.figures import (
    BenchFigures,
    Column,
    Fit,
    Latency,
    PublishFigures,
    ScaleFigures,
    ScaleRow,
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


def scale_report(figures: ScaleFigures) -> str:
    """One row per size, then how the figures were taken, the 61 M projection and the plot."""
    return "\n".join([format_table(scale_table(figures)), "", *scale_notes(figures)])


def scale_table(figures: ScaleFigures) -> list[Row]:
    """Each kiosk figure beside plain SQLite's (``kiosk / plain``), same bundles, same run."""
    rows = figures.rows
    first = rows[0]

    def pair(kiosk: float, plain: float, digits: int = 2) -> str:
        return f"{kiosk:,.{digits}f} / {plain:,.{digits}f}"

    def size(row: ScaleRow) -> list[str]:
        warm, plain_warm = row.warm, row.plain_warm
        cold, plain_cold = row.cold, row.plain_cold
        return [
            f"{row.members:,}",
            f"{row.full.seconds:,.2f}",
            f"{row.plain_full_seconds:,.2f}",
            f"{row.full_ratio:.2f}x",
            f"{row.us_per_member:,.1f} ({row.us_per_member / first.us_per_member:.2f}x)",
            pair(row.incremental.seconds, row.plain_incremental_seconds, 3),
            pair(row.tenth.seconds, row.plain_tenth_seconds),
            pair(warm.p50, plain_warm.p50, 1),
            pair(warm.p99, plain_warm.p99, 1),
            pair(warm.max, plain_warm.max, 0),
            pair(cold.p50, plain_cold.p50, 0),
            pair(cold.p99, plain_cold.p99, 0),
            pair(row.size_bytes / 2**20, row.plain_size_bytes / 2**20, 1),
            pair(row.bytes_per_member, row.plain_bytes_per_member, 0),
            f"{row.full.peak_rss / 1e6:,.1f} / {row.tenth.peak_rss / 1e6:,.1f}",
        ]

    heading = (
        "members",
        "full sync s",
        "plain s",
        "ratio",
        "µs/member (x smallest)",
        f"incremental {first.changes:,} s / plain",
        "10 % delta s / plain",
        "warm p50 µs / plain",
        "warm p99 / plain",
        "warm max / plain",
        "cold p50 µs / plain",
        "cold p99 / plain",
        "size MiB / plain",
        "bytes/member / plain",
        "peak RSS MB full / 10 %",
    )
    return [heading, *(tuple(size(row)) for row in rows)]


def scale_notes(figures: ScaleFigures) -> list[str]:
    first = figures.rows[0]
    lines = [
        f"Feed: built at {figures.build_rate:,.0f} members/s (real bundles and TUF metadata; "
        f"{POOL} persons' signed cards reused, each member its own NIK).",
        "Full sync: `kiosk sync` in a child, over HTTP from 127.0.0.1, start-up included; "
        "plain SQLite: the same bundle's rows in one transaction and checkpoint, with the "
        "cache's pragmas (WAL, synchronous=FULL). Peak RSS is the sync process's own. "
        "A `kiosk sync` with nothing new (start-up, TUF refresh) took "
        + ", ".join(f"{row.startup_seconds:.2f} s" for row in figures.rows)
        + ": the fixed part of the full sync.",
        f"Incremental: {first.changes:,} changes (a tenth deletes), and a delta changing a tenth "
        "of the members; the kiosk's as its running App's background sync takes them, plain "
        "SQLite's as the same upserts and deletes in one transaction.",
        f"Lookups: {first.lookups:,} sampled members per store. Warm: the store read into the "
        "page cache first, kiosk = find + open + evaluate, plain = one primary-key SELECT. "
        f"Cold: in a child; before each batch of {COLD_BATCH} the store is closed, its file "
        "and WAL dropped from the page cache (posix_fadvise POSIX_FADV_DONTNEED, which drops "
        "clean, unmapped pages only; the bench syncs first) and opened again.",
        "Size on disk: the database file and its WAL after the full sync.",
        "Found (warm, cold): "
        + ", ".join(
            f"{row.members:,}: {row.warm.found:,}/{row.cold.found:,} of {row.lookups:,}"
            for row in figures.rows
        )
        + "; members after both deltas (kiosk, plain): "
        + ", ".join(f"{row.members_after:,}/{row.plain_members_after:,}" for row in figures.rows),
    ]
    if figures.fits:
        lines.append("")
        lines.extend(projection_lines(figures.fits))
    else:
        lines.append("No projection: it needs two sizes or more.")
    lines.append(f"Plot: {figures.plot}")
    return lines


def projection_lines(fits: list[Fit]) -> list[str]:
    fit = fits[0]
    lines = [
        f"Projection to {fit.members:,} members: y = a * members^b, least squares of log y "
        f"against log members over {fit.points} sizes (b = 1 is linear growth):"
    ]
    for each in fits:
        what, unit = each.what.rsplit(", ", 1)
        value = (
            f"{each.projected / 2**30:,.1f} GiB"
            if unit == "bytes"
            else f"{each.projected:,.1f} s ({each.projected / 60:,.1f} min)"
        )
        offset = f", fitted after taking out {each.offset:.2f} s fixed" if each.offset else ""
        lines.append(f"  {what}: {value} (b = {each.b:.3f}{offset})")
    return lines


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
