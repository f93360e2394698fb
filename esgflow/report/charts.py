"""Trend charts of the report page: inline SVG that shows its figures without scripts or a network.

Every point carries its figure as printed text (so a printed page shows it) and as an SVG <title>
(so hovering shows the year, the figure and its unit). A chart starts at zero, and charts that
share a `Scale` have the same top, so that rows in one unit can be compared by height.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from itertools import pairwise

WIDTH, HEIGHT = 300, 58
MARGIN_X = 46  # half of the widest label, so that a figure at the first or last point is not cut
TOP, BOTTOM = 14, 18  # room for the figure above the highest point and the year under the axis
NO_FIGURE = {"zh": "无数据", "en": "no figure"}


@dataclass(frozen=True)
class Scale:
    low: float
    high: float

    @classmethod
    def over(cls, values: list[Decimal | None]) -> Scale:
        """A scale from zero (or the lowest negative figure) to the highest figure of the values."""
        present = [float(v) for v in values if v is not None]
        return cls(min([0.0, *present]), max([0.0, *present]))

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return TOP + (1 - (value - self.low) / span) * (HEIGHT - TOP - BOTTOM)


@dataclass(frozen=True)
class Point:
    year: str
    value: Decimal | None
    label: str  # the figure as the table shows it


def trend_chart(points: list[Point], scale: Scale, unit: str, lang: str) -> str:
    """An SVG line through the years' figures; a year without a figure is named as such, and the
    line crosses it dashed. Empty when fewer than two years have a figure: there is no trend."""
    present = [p for p in points if p.value is not None]
    if len(present) < 2:
        return ""
    step = (WIDTH - 2 * MARGIN_X) / max(len(points) - 1, 1)
    at = {p.year: (MARGIN_X + i * step, scale.y(float(p.value))) for i, p in enumerate(points) if p.value is not None}
    parts = [
        f'<svg class="trend" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f'<line class="axis" x1="{MARGIN_X - 8}" y1="{scale.y(0):.1f}" x2="{WIDTH - MARGIN_X + 8}" '
        f'y2="{scale.y(0):.1f}"/>',
    ]
    for before, after in pairwise(present):
        (x1, y1), (x2, y2) = at[before.year], at[after.year]
        gap = points.index(after) - points.index(before) > 1
        parts.append(
            f'<line class="{"gap" if gap else "line"}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
        )
    for i, p in enumerate(points):
        x = MARGIN_X + i * step
        parts.append(f'<text class="year" x="{x:.1f}" y="{HEIGHT - 3}">{escape(p.year)}</text>')
        if p.value is None:
            parts.append(f'<text class="missing" x="{x:.1f}" y="{scale.y(0) - 4:.1f}">{NO_FIGURE[lang]}</text>')
            continue
        _, y = at[p.year]
        parts.append(
            f"<g><title>{escape(p.year)}: {escape(p.label)} {escape(unit)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/>'
            f'<text class="value" x="{x:.1f}" y="{y - 5:.1f}">{escape(p.label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
