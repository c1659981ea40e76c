"""``kiosk bench``: the design's performance targets, all measured in one run.

The kiosk's side is the real thing: ``python -m kiosk sync`` as a child process,
fetching over HTTP from 127.0.0.1, so its time and peak memory are what a
deployed kiosk would see, interpreter start-up included. The baselines read the
very same snapshot bundle and store its rows with no crypto of their own (plain
SQLite) or with page encryption (SQLCipher, the peer a user might pick), with
the cache's own pragmas: the ratio is what fetching, verifying and sealing add.
Every file is streamed: a million members never sit in memory, here or in the child.

Layout of the benchmark directory (see :class:`BenchLayout`)::

    members.csv     the synthetic membership file last published
    feed/           the central feed, served over HTTP while the benchmark runs
    kiosk/          kiosk.toml, master.key, trust/, cache.db, feed-work/
    plain.db        the plain SQLite baseline
    sqlcipher.db    the SQLCipher peer, when sqlcipher3 is installed

The UI's two targets come last, on the cache just synced (:func:`ui_figures`).
The publisher has a run of its own (``--publish-only``, :mod:`devtools.bench.publishing`):
snapshots and deltas from PostgreSQL and from a file. So has the scale run (``--scale``,
:mod:`devtools.bench.scale`): 1 M to 8 M members on feeds built fast, a table, a plot and
the 61 M projection.

This package is what ``kiosk bench`` imports (import-linter lets the command
import ``devtools.bench`` alone), so the names it uses are the package's own.
"""

from devtools.bench.options import SCALE_SIZES, BenchLayout, BenchOptions, ScaleOptions
from devtools.bench.publishing import PublishLayout, run_publish_bench
from devtools.bench.run import run_bench
from devtools.bench.scale import run_scale
from devtools.bench.tables import publish_report, report, scale_report, ui_report
from devtools.bench.ui import ui_figures

__all__ = [
    "SCALE_SIZES",
    "BenchLayout",
    "BenchOptions",
    "PublishLayout",
    "ScaleOptions",
    "publish_report",
    "report",
    "run_bench",
    "run_publish_bench",
    "run_scale",
    "scale_report",
    "ui_figures",
    "ui_report",
]
