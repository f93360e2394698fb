"""Consolidation: entity observations -> figures for every subtree of the entity tree.

Sums run over the tree valid at the end of the period; group-only figures come from the
root entity; weighted averages use another indicator as weight; derived figures are
computed last, from the consolidated parts (an intensity is group energy / group revenue,
never an average of entity intensities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.entities import ancestry
from esgflow.factors import FactorRegistry
from esgflow.formulas import compile_formula
from esgflow.periods import Period

FIGURE_SCHEMA = {
    "scope": pl.Utf8,
    "indicator": pl.Utf8,
    "value": pl.Float64,
    "exact": VALUE_DTYPE,
    "method": pl.Utf8,
    "observation_ids": pl.List(pl.Int64),
}


def _with_float_value(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("exact").cast(pl.Float64).alias("value"))


def consolidate(
    observations: pl.DataFrame,
    parents: dict[str, str | None],
    root: str,
    catalog: Catalog,
    factors: FactorRegistry,
    on: date,
) -> pl.DataFrame:
    """Figures per (scope, indicator) from observations (observation_id, entity, indicator, value)."""
    kinds = pl.DataFrame(
        {
            "indicator": [i.code for i in catalog.indicators],
            "consolidation": [i.consolidation for i in catalog.indicators],
        }
    )
    pairs = ancestry(parents)
    scopes = pl.DataFrame({"entity": [p[0] for p in pairs], "scope": [p[1] for p in pairs]})
    obs = observations.join(kinds, on="indicator", how="inner")

    sums = (
        obs.filter(pl.col("consolidation") == "sum")
        .join(scopes, on="entity", how="inner")
        .group_by("scope", "indicator")
        .agg(
            pl.col("value").sum().alias("exact"),
            pl.col("observation_id").alias("observation_ids"),
            pl.len().alias("n"),
        )
        .with_columns(pl.format("sum of {} observations", pl.col("n")).alias("method"))
        .drop("n")
    )
    group_only = obs.filter((pl.col("consolidation") == "group") & (pl.col("entity") == root)).select(
        pl.col("entity").alias("scope"),
        "indicator",
        pl.col("value").alias("exact"),
        pl.lit(f"reported by {root} for the group").alias("method"),
        pl.concat_list("observation_id").alias("observation_ids"),
    )
    exact = _with_float_value(pl.concat([sums, group_only], how="diagonal"))

    weighted: list[pl.DataFrame] = []
    for ind in (i for i in catalog.indicators if i.consolidation == "weighted_average"):
        values = obs.filter(pl.col("indicator") == ind.code).select("observation_id", "entity", "value")
        weights = observations.filter(pl.col("indicator") == ind.weight).select(
            "entity", pl.col("value").alias("weight"), pl.col("observation_id").alias("weight_id")
        )
        weighted.append(
            values.join(weights, on="entity", how="inner")
            .join(scopes, on="entity", how="inner")
            .with_columns(pl.col("value").cast(pl.Float64), pl.col("weight").cast(pl.Float64))
            .group_by("scope")
            .agg(
                ((pl.col("value") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("value"),
                pl.col("observation_id").append(pl.col("weight_id")).alias("observation_ids"),
            )
            .with_columns(
                pl.lit(ind.code).alias("indicator"),
                pl.lit(f"weighted average by {ind.weight}").alias("method"),
                pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
            )
        )
    figures = pl.concat([exact, *weighted], how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)
    return pl.concat([figures, _derive(figures, catalog, factors, on)], how="vertical")


def _derive(figures: pl.DataFrame, catalog: Catalog, factors: FactorRegistry, on: date) -> pl.DataFrame:
    """Derived figures per scope, computed in dependency order from consolidated figures."""
    derived = catalog.derived_in_order()
    if figures.is_empty() or not derived:
        return pl.DataFrame(schema=FIGURE_SCHEMA)
    wide = figures.pivot(on="indicator", index="scope", values="value")
    ids = figures.pivot(on="indicator", index="scope", values="observation_ids")

    def factor_of(name: str) -> tuple[Decimal, str]:
        f = factors.resolve(name, on)
        return f.value, f.unit

    def unit_of(name: str) -> str | None:
        return catalog[name].unit if name in catalog else None

    out: list[pl.DataFrame] = []
    for ind in derived:
        inputs = [n for n in ind.formula_inputs() if n in catalog]
        for name in inputs:
            if name not in wide.columns:
                wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
                ids = ids.with_columns(pl.lit(None, dtype=pl.List(pl.Int64)).alias(name))
        assert ind.formula
        wide = wide.with_columns(compile_formula(ind.formula, ind.unit, unit_of, factor_of).alias(ind.code))
        ids = ids.with_columns(
            pl.concat_list([pl.col(n).fill_null(pl.lit([], dtype=pl.List(pl.Int64))) for n in inputs])
            .list.unique()
            .list.sort()
            .alias(ind.code)
        )
        out.append(
            wide.select("scope", pl.col(ind.code).alias("value"))
            .join(ids.select("scope", pl.col(ind.code).alias("observation_ids")), on="scope")
            .filter(pl.col("value").is_not_null())
            .with_columns(
                pl.lit(ind.code).alias("indicator"),
                pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
                pl.lit(f"formula: {ind.formula}").alias("method"),
            )
        )
    return pl.concat(out, how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)


def _as_decimal(exact: Decimal | None, value: float) -> Decimal:
    # Sums stay exact; averages and formulas keep 12 significant digits.
    return exact if exact is not None else Decimal(f"{value:.12g}")


def storable(figures: pl.DataFrame) -> pl.DataFrame:
    """Figures as the warehouse keeps them: scope, indicator, value (exact Decimal), method, observation_ids."""
    values = [_as_decimal(e, v) for e, v in zip(figures["exact"], figures["value"], strict=True)]
    return figures.select("scope", "indicator", "method", "observation_ids").with_columns(
        pl.Series("value", values, dtype=pl.Object)
    )


@dataclass(frozen=True)
class ConsolidationResult:
    period: str
    figure_count: int
    group_figure_count: int
    observation_count: int


def summary(period: Period, figures: pl.DataFrame, root: str, observations: pl.DataFrame) -> ConsolidationResult:
    """How many figures a consolidation made, for the group and in all, from how many observations."""
    return ConsolidationResult(
        period.code, figures.height, figures.filter(pl.col("scope") == root).height, observations.height
    )
