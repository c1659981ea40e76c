"""The scale run's projection: a power law fitted to the measured sizes, read at 61 M members.

``y = a * n ** b`` is a straight line in log-log, fitted by least squares: ``b``
near 1 is linear growth, above 1 the time per member grows with the members
(a B-tree deeper, a cache out of memory). Two points give the line through
them; more give the best one, and the figures say how many there were. A fixed
cost (a ``kiosk sync`` with nothing new: start-up, TUF refresh, measured on its
own) is taken out before fitting and added back: at small sizes it would pass
for slow growth.
"""

import math
from collections.abc import Sequence

from devtools.bench.figures import Fit

MEMBERS_2026 = 61_080_000
"""The members the design is sized for: what the scale run projects to."""


def fit_power(
    what: str, points: Sequence[tuple[float, float]], members: int, offset: float = 0.0
) -> Fit:
    """Least squares of ``log (y - offset)`` against ``log n`` over ``(n, y)`` points, two
    or more; the projection adds ``offset`` back. Every ``y`` must exceed ``offset``."""
    if len(points) < 2 or len({n for n, _ in points}) < 2:
        raise ValueError("a line needs two sizes")
    if min(y for _, y in points) <= offset:
        raise ValueError("every point must exceed the offset")
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(y - offset) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    a = math.exp(mean_y - b * mean_x)
    return Fit(what, a, b, len(points), members, offset)
