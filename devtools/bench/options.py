"""What a benchmark run is given: its directory, its counts, and a way to say each phase."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devtools.demo import DemoLayout

Say = Callable[[str], None]
"""Told each phase as it starts: building a million members takes minutes."""


@dataclass(frozen=True)
class BenchLayout(DemoLayout):
    """The demo's tree, plus the baselines' databases."""

    @property
    def plain(self) -> Path:
        return self.root / "plain.db"

    @property
    def sqlcipher(self) -> Path:
        return self.root / "sqlcipher.db"

    @property
    def bytecode(self) -> Path:
        """The children's compiled modules (:mod:`devtools.bench.children`)."""
        return self.root / "bytecode"


@dataclass(frozen=True)
class BenchOptions:
    members: int
    changes: int
    lookups: int
    now: datetime
    ui_runs: int
    """Members taken from answer to status screen, and bare screen switches beside them."""


SCALE_SIZES = (1_000_000, 2_000_000, 4_000_000, 8_000_000)
"""The sizes ``kiosk bench --scale`` measures unless told others."""


@dataclass(frozen=True)
class ScaleOptions:
    """``kiosk bench --scale``: each size is a tree of its own under the bench directory."""

    sizes: tuple[int, ...]
    changes: int
    """The incremental delta's changes, at every size (the tenth's are a tenth of the size)."""
    lookups: int
    """Sampled members looked up warm, then cold, in each store."""
    now: datetime
    plot: Path | None
    """Where the SVG goes; None for ``scale.svg`` in the bench directory."""
    keep: bool
    """Keep each size's feed, cache and baseline; without it each goes once measured."""
