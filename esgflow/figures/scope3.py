"""Scope 3 by category: the office's screening decides which category figures count.

The GHG Protocol's Scope 3 Standard has fifteen categories; each period the ESG office
screens every one relevant or not, with the reason and the method, and another person
approves the screening. A category figure (`env_ghg_scope3_catN`) is kept only when its
category is screened relevant and approved: an unscreened, unapproved or not relevant
category has no figure at all, never a zero, and its state is shown in its place. The
Scope 3 total is the sum of the category figures kept, in each scope (a category without a
figure adds nothing to it and is not counted as a zero either).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.records import Scope3ScreeningRecord

CATEGORIES = range(1, 16)
TOTAL = "env_ghg_scope3_total"
# What answers the framework items of the Scope 3 total (HKEX D28(c)) besides the figures: the period's
# screening, once every one of the fifteen categories is screened and approved.
SCREENING = "scope3_screening"
_CATEGORY_CODE = re.compile(r"env_ghg_scope3_cat([1-9]|1[0-5])")

# The Scope 3 Standard's category names (Greenhouse Gas Protocol, Corporate Value Chain (Scope 3)
# Accounting and Reporting Standard, 2011, table 5.3), with the usual Chinese rendering.
CATEGORY_NAMES: dict[int, tuple[str, str]] = {
    1: ("外购商品和服务", "Purchased goods and services"),
    2: ("资本货物", "Capital goods"),
    3: ("燃料和能源相关活动", "Fuel- and energy-related activities"),
    4: ("上游运输和配送", "Upstream transportation and distribution"),
    5: ("运营中产生的废弃物", "Waste generated in operations"),
    6: ("商务差旅", "Business travel"),
    7: ("员工通勤", "Employee commuting"),
    8: ("上游租赁资产", "Upstream leased assets"),
    9: ("下游运输和配送", "Downstream transportation and distribution"),
    10: ("售出产品的加工", "Processing of sold products"),
    11: ("售出产品的使用", "Use of sold products"),
    12: ("售出产品的寿命终止处理", "End-of-life treatment of sold products"),
    13: ("下游租赁资产", "Downstream leased assets"),
    14: ("特许经营", "Franchises"),
    15: ("投资", "Investments"),
}

# A category's state, and how it is shown where its figure would be.
STATES: dict[str, tuple[str, str]] = {
    "relevant": ("相关（已批准）", "relevant (approved)"),
    "pending_approval": ("已筛选，待批准", "screened, awaiting approval"),
    "not_relevant": ("不相关（已批准）", "not relevant (approved)"),
    "unscreened": ("未筛选", "not screened"),
}


def category_of(code: str) -> int | None:
    """The category number of a category figure's code (`env_ghg_scope3_cat6` -> 6), else None."""
    match = _CATEGORY_CODE.fullmatch(code)
    return int(match.group(1)) if match else None


def state_of(screening: Scope3ScreeningRecord | None) -> str:
    """unscreened, pending_approval, relevant or not_relevant."""
    if screening is None:
        return "unscreened"
    if screening.approved_by is None:
        return "pending_approval"
    return "relevant" if screening.relevant else "not_relevant"


def counted(screenings: Iterable[Scope3ScreeningRecord]) -> set[int]:
    """The categories whose figures count: screened relevant and approved."""
    return {s.category for s in screenings if state_of(s) == "relevant"}


@dataclass(frozen=True)
class Line:
    """One activity line of a category: the input, its method and whether its data are primary."""

    category: int
    indicator: Indicator
    method: str
    primary: bool


def line_label(catalog: Catalog, inputs: Iterable[str]) -> str:
    """How a Scope 3 line was made, as explain says it: its method and whether its data are primary
    ("spend-based, data not primary"); empty for a term of no Scope 3 activity input (category 3's fuels)."""
    marked = [catalog[n].scope3 for n in inputs if n in catalog and catalog[n].scope3 is not None]
    return "; ".join(
        dict.fromkeys(f"{m.method}, data {'primary' if m.primary else 'not primary'}" for m in marked if m)
    )


def lines(catalog: Catalog) -> list[Line]:
    """Every Scope 3 activity input of the catalog, by category."""
    found = [
        Line(i.scope3.category, i, i.scope3.method, i.scope3.primary)
        for i in catalog.indicators
        if i.scope3 is not None
    ]
    return sorted(found, key=lambda line: line.category)


def gate(figures: pl.DataFrame, relevant: set[int]) -> pl.DataFrame:
    """Figures with the category figures of categories not counted removed and the total recomputed.

    figures: consolidate()'s frame (scope, indicator, value, exact, method, observation_ids).
    """
    category = pl.col("indicator").str.extract(r"^env_ghg_scope3_cat(\d+)$", 1).cast(pl.Int64)
    is_category = category.is_not_null()
    kept = figures.filter((~is_category | category.is_in(sorted(relevant))) & (pl.col("indicator") != TOTAL))
    parts = kept.filter(pl.col("indicator").str.contains(r"^env_ghg_scope3_cat\d+$"))
    if parts.is_empty():
        return kept
    total = (
        parts.group_by("scope", maintain_order=True)
        .agg(
            pl.col("value").sum(),
            pl.col("indicator").sort().str.join(" + ").alias("parts"),
            pl.col("observation_ids").explode().drop_nulls().unique().sort(),
        )
        .with_columns(
            pl.lit(TOTAL).alias("indicator"),
            pl.lit(None, dtype=figures.schema["exact"]).alias("exact"),
            pl.format("sum of the categories screened relevant and approved: {}", pl.col("parts")).alias("method"),
        )
        .drop("parts")
    )
    return pl.concat([kept, total.select(figures.columns).cast(figures.schema)], how="vertical")


def category_rows(screenings: Mapping[int, Scope3ScreeningRecord]) -> list[dict[str, object]]:
    """One row per category for `scope3 show` and the report: its names, state and screening."""
    rows: list[dict[str, object]] = []
    for n in CATEGORIES:
        s = screenings.get(n)
        rows.append(
            {
                "category": n,
                "code": f"env_ghg_scope3_cat{n}",
                "name_zh": CATEGORY_NAMES[n][0],
                "name_en": CATEGORY_NAMES[n][1],
                "state": state_of(s),
                "relevant": None if s is None else s.relevant,
                "reason": None if s is None else s.reason,
                "method": None if s is None else s.method,
                "screened_by": None if s is None else s.screened_by,
                "screened_at": None if s is None else s.screened_at.isoformat(),
                "approved_by": None if s is None else s.approved_by,
                "approved_at": None if s is None or s.approved_at is None else s.approved_at.isoformat(),
            }
        )
    return rows


def screening_complete(screenings: Iterable[Scope3ScreeningRecord]) -> bool:
    """Whether every one of the fifteen categories is screened (relevant or not) and approved."""
    return {s.category for s in screenings if s.approved_by is not None} >= set(CATEGORIES)


def answering(with_figure: set[str], screenings: Iterable[Scope3ScreeningRecord]) -> set[str]:
    """What of the period answers framework items, the Scope 3 part judged by its screening.

    A complete, approved screening answers the Scope 3 item itself (with the figures of the relevant
    categories beside it, or none when no category is relevant); an incomplete one answers nothing,
    so a figure of one screened category cannot make the whole item look answered.
    """
    if screening_complete(screenings):
        return with_figure | {SCREENING}
    return {code for code in with_figure if not code.startswith("env_ghg_scope3_")}
