"""Trend charts: figures printed at their points and on hover, a scale from zero, missing years named."""

from __future__ import annotations

import re
from decimal import Decimal

from esgflow.report.charts import HEIGHT, TOP, Point, Scale, trend_chart


def _points(*values: str | None) -> list[Point]:
    return [
        Point(str(2022 + i), None if v is None else Decimal(v.replace(",", "")), "–" if v is None else v)
        for i, v in enumerate(values)
    ]


def _heights(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', svg)]


def test_a_chart_needs_two_years_with_a_figure() -> None:
    assert trend_chart(_points(), Scale(0, 1), "t", "en") == ""
    assert trend_chart(_points(None, "1", None), Scale(0, 1), "t", "en") == ""
    assert trend_chart(_points("1", None, "3"), Scale(0, 3), "t", "en").count("<circle") == 2


def test_every_point_carries_its_figure_as_text_and_on_hover() -> None:
    svg = trend_chart(_points("1,200", "1,300"), Scale(0, 1300), "m³", "en")
    assert svg.count('<text class="value"') == 2 and ">1,200</text>" in svg and ">1,300</text>" in svg
    assert "<title>2022: 1,200 m³</title>" in svg and "<title>2023: 1,300 m³</title>" in svg
    assert "<script" not in svg


def test_the_scale_starts_at_zero_and_the_highest_figure_reaches_the_top() -> None:
    scale = Scale.over([Decimal(50), None, Decimal(100)])
    assert (scale.low, scale.high) == (0.0, 100.0)
    svg = trend_chart(_points("50", "100"), scale, "t", "en")
    low, high = _heights(svg)
    assert high == TOP and low == (TOP + (HEIGHT - 18)) / 2  # half the figure, half way down to zero


def test_charts_on_one_scale_compare_by_height() -> None:
    shared = Scale.over([Decimal(10), Decimal(10), Decimal(100), Decimal(100)])
    small = _heights(trend_chart(_points("10", "10"), shared, "t", "en"))
    own = _heights(trend_chart(_points("10", "10"), Scale.over([Decimal(10), Decimal(10)]), "t", "en"))
    assert small[0] > own[0]  # on the shared scale 10 sits near the bottom, on its own at the top


def test_a_missing_year_is_named_and_crossed_by_a_dashed_line() -> None:
    en = trend_chart(_points("1", None, "3"), Scale(0, 3), "t", "en")
    assert '<text class="missing"' in en and ">no figure</text>" in en
    assert '<line class="gap"' in en and '<line class="line"' not in en
    assert ">无数据</text>" in trend_chart(_points("1", None, "3"), Scale(0, 3), "t", "zh")
    whole = trend_chart(_points("1", "2", "3"), Scale(0, 3), "t", "en")
    assert "missing" not in whole and '<line class="gap"' not in whole and whole.count('<line class="line"') == 2


def test_a_negative_figure_lowers_the_scale_below_zero() -> None:
    scale = Scale.over([Decimal(-5), Decimal(5)])
    assert (scale.low, scale.high) == (-5.0, 5.0)
    assert scale.y(0) == (scale.y(-5) + scale.y(5)) / 2
