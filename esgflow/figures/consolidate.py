"""Consolidation: entity observations -> figures for every subtree of the entity tree.

Sums run over the tree valid at the end of the period; group-only figures come from the
root entity; weighted averages use another indicator as weight; derived figures are
computed last, from the consolidated parts (an intensity is group energy / group revenue,
never an average of entity intensities). Per-entity figures (emissions, whose factors
depend on where each entity is) are computed for each entity first and summed like
reported ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.entities import ancestry
from esgflow.factors import Factor, FactorRegistry
from esgflow.figures.formulas import asked_formula, catalog_formula, formula_names
from esgflow.figures.per_entity import entity_figures
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
    locations: Mapping[str, str] | None = None,
    splits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Figures per (scope, indicator) from observations (observation_id, entity, indicator, value).

    `locations` places entities for factors that depend on where they are (default: China);
    `splits` (observation_id, indicator, location, value) place parts of an input elsewhere.
    """
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
    per_entity = (
        entity_figures(observations, catalog, factors, locations or {}, on, splits)
        .join(scopes, on="entity", how="inner")
        .group_by("scope", "indicator")
        .agg(pl.col("value").sum(), pl.col("observation_ids").explode().drop_nulls().sort(), pl.len().alias("n"))
        .with_columns(
            pl.format("sum of {} entity figures, each computed with the factors of its location", pl.col("n")).alias(
                "method"
            ),
            pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
        )
        .drop("n")
    )

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
    figures = pl.concat([exact, per_entity, *weighted], how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)
    return pl.concat([figures, _derive(figures, catalog, factors, on)], how="vertical")


def _derive(figures: pl.DataFrame, catalog: Catalog, factors: FactorRegistry, on: date) -> pl.DataFrame:
    """Derived figures per scope, computed in dependency order from consolidated figures.

    A derived figure's observations are those of every figure its formula uses, in that
    scope: kept long (scope, observation_id) per indicator, so that the union is a concat
    and a unique rather than a set operation per scope.
    """
    derived = catalog.derived_in_order()
    needed = {n for ind in derived for n in ind.formula_inputs() if n in catalog}
    parts = figures.filter(pl.col("indicator").is_in(sorted(needed)))
    if parts.is_empty() or not derived:
        return pl.DataFrame(schema=FIGURE_SCHEMA)
    wide = parts.pivot(on="indicator", index="scope", values="value")
    sources = {
        code: frame.drop("indicator")
        for (code,), frame in parts.select("scope", "indicator", pl.col("observation_ids").alias("observation_id"))
        .explode("observation_id")
        .drop_nulls("observation_id")
        .partition_by("indicator", as_dict=True)
        .items()
    }
    no_sources = pl.DataFrame(schema={"scope": pl.Utf8, "observation_id": pl.Int64})

    def factor(name: str) -> Factor:
        return factors.resolve(name, on)

    out: list[pl.DataFrame] = []
    for ind in derived:
        formula = asked_formula(ind, catalog, wide.columns)
        if formula is None:
            continue
        inputs = [n for n in ind.formula_inputs() if n in catalog and n in formula_names(formula)]
        missing = [n for n in inputs if n not in wide.columns]
        wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(n) for n in missing)
        wide = wide.with_columns(catalog_formula(formula, ind.unit, catalog, factor).alias(ind.code))
        values = wide.select("scope", pl.col(ind.code).alias("value")).filter(pl.col("value").is_not_null())
        used = (
            pl.concat([sources.get(n, no_sources) for n in inputs])
            .join(values.select("scope"), on="scope", how="semi")
            .unique()
        )
        sources[ind.code] = used
        ids = used.group_by("scope").agg(pl.col("observation_id").sort().alias("observation_ids"))
        out.append(
            values.join(ids, on="scope", how="left", maintain_order="left").with_columns(
                pl.col("observation_ids").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
                pl.lit(ind.code).alias("indicator"),
                pl.lit(None, dtype=VALUE_DTYPE).alias("exact"),
                pl.lit(f"formula: {formula}").alias("method"),
            )
        )
    return pl.concat(out, how="diagonal").select(list(FIGURE_SCHEMA)).cast(FIGURE_SCHEMA)


# Below a millionth, str(Decimal) of a sum with 12 decimals switches to an exponent (0E-12, 1.5E-7).
_PLAIN_FROM = Decimal("0.000001")


def _decimal_texts(figures: pl.DataFrame) -> pl.Series:
    """The text of each figure's stored value, as str(Decimal) writes it.

    Sums stay exact (the Decimal(38, 12) sum, written by polars); averages and formulas
    keep 12 significant digits. Only the few values whose text differs from polars' (tiny
    sums, floats with an exponent) go through Python's Decimal.
    """
    exact, value = figures["exact"], figures["value"]
    is_exact = exact.is_not_null()
    texts = exact.cast(pl.Utf8)
    tiny = (is_exact & (exact.abs() < _PLAIN_FROM)).arg_true()
    if tiny.len():
        texts = texts.scatter(tiny, [str(d) for d in exact.gather(tiny).to_list()])
    floats = (~is_exact).arg_true()
    if floats.len():
        texts = texts.scatter(floats, [_twelve_digits(v) for v in value.gather(floats).to_list()])
    return texts


def _twelve_digits(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        raise ValueError(f"not a finite quantity: {value}")
    text = f"{value:.12g}"
    return str(Decimal(text)) if "e" in text else text  # 1e-07 -> 1E-7, 1e+16 -> 1E+16, as Decimal writes them


def storable(figures: pl.DataFrame) -> pl.DataFrame:
    """Figures as the warehouse takes them: scope, indicator, method, observation_ids, value (its decimal's text)."""
    return figures.select("scope", "indicator", "method", "observation_ids").with_columns(
        _decimal_texts(figures).alias("value")
    )


@dataclass(frozen=True)
class ConsolidationResult:
    period: str
    figure_count: int
    group_figure_count: int
    observation_count: int
    signed_off_by: str | None = None  # the period is signed off: its figures were left as signed


def summary(period: Period, figures: pl.DataFrame, root: str, observations: pl.DataFrame) -> ConsolidationResult:
    """How many figures a consolidation made, for the group and in all, from how many observations."""
    return ConsolidationResult(
        period.code, figures.height, figures.filter(pl.col("scope") == root).height, observations.height
    )
