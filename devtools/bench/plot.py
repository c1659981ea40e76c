"""Line charts as SVG, for the scale run: panels side by side, a log x axis, y from 0.

Small enough to write by hand, so the bench needs no plotting library: the chart
is a file a person opens in a browser, with a title, each panel's axis labels, a
tick at every measured size, a legend, and each point's value as its tooltip.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

PANEL_WIDTH, HEIGHT = 520, 590
LEFT, RIGHT, TOP, BOTTOM = 80, 30, 70, 120
"""Each panel's margins: its legend sits under its x axis."""
KIOSK, PLAIN = "#1f5fa8", "#c2410c"
"""The kiosk's colour and plain SQLite's, in every panel; plain is dashed too."""


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    """``(x, y)``, x > 0."""
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    x_label: str
    y_label: str
    series: Sequence[Series]


def members_label(count: float) -> str:
    """1,000,000 -> 1M, 50,000 -> 50k: tick labels."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if count >= size:
            return f"{count / size:g}{suffix}"
    return f"{count:g}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def chart(title: str, panels: Sequence[Panel]) -> str:
    """The whole SVG document: a title over the panels, left to right."""
    width = PANEL_WIDTH * len(panels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{width / 2}" y="28" text-anchor="middle" font-size="18" '
        f'font-weight="bold">{escape(title)}</text>',
    ]
    for number, panel in enumerate(panels):
        out.extend(_panel(panel, number * PANEL_WIDTH))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _panel(panel: Panel, origin: float) -> list[str]:
    xs = sorted({x for line in panel.series for x, _ in line.points})
    top = nice_ceiling(max(y for line in panel.series for _, y in line.points) * 1.05)
    left, plot_w, plot_h = origin + LEFT, PANEL_WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = math.log(xs[0]), math.log(xs[-1])
    span = high - low or 1.0
    pad = span * 0.08

    def px(x: float) -> float:
        return left + (math.log(x) - low + pad) / (span + 2 * pad) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - y / top * plot_h

    out = [
        f'<text x="{left + plot_w / 2}" y="{TOP - 12}" text-anchor="middle" font-size="15">'
        f"{escape(panel.title)}</text>"
    ]
    for step in range(6):
        y = top * step / 5
        out.append(
            f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + plot_w}" y2="{py(y):.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for x in xs:
        out.append(
            f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{TOP + plot_h}" '
            'stroke="#eee"/>'
        )
        out.append(
            f'<text x="{px(x):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">'
            f"{members_label(x)}</text>"
        )
    out.append(
        f'<rect x="{left}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{TOP + plot_h + 44}" text-anchor="middle">'
        f"{escape(panel.x_label)}</text>"
    )
    middle = TOP + plot_h / 2
    out.append(
        f'<text x="{origin + 24}" y="{middle}" text-anchor="middle" '
        f'transform="rotate(-90 {origin + 24} {middle})">{escape(panel.y_label)}</text>'
    )
    for number, line in enumerate(panel.series):
        dash = ' stroke-dasharray="7 5"' if line.dashed else ""
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in line.points)
        out.append(
            f'<polyline class="series" data-label="{escape(line.label)}" points="{points}" '
            f'fill="none" stroke="{line.colour}" stroke-width="2.5"{dash}/>'
        )
        for x, y in line.points:
            fill = "white" if line.dashed else line.colour
            out.append(
                f'<circle class="point" cx="{px(x):.1f}" cy="{py(y):.1f}" r="4.5" '
                f'fill="{fill}" stroke="{line.colour}" stroke-width="2">'
                f"<title>{escape(line.label)}: {members_label(x)} members, {y:,.2f}</title>"
                "</circle>"
            )
        legend_y = TOP + plot_h + 72 + number * 24
        out.append(
            f'<line x1="{left}" y1="{legend_y}" x2="{left + 34}" y2="{legend_y}" '
            f'stroke="{line.colour}" stroke-width="2.5"{dash}/>'
        )
        out.append(f'<text x="{left + 42}" y="{legend_y + 4}">{escape(line.label)}</text>')
    return out


def write_chart(path: Path, svg: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")
