"""Figures computed for each entity from its own inputs and the factors of where it is.

An emission depends on the entity's location (a grid factor is provincial), so it cannot
be computed from group totals: Scope 2 is each entity's electricity times the factor of
its province or country, summed up the tree afterwards. A formula is a sum of terms
(`env_diesel * density_diesel * co2_diesel + env_gasoline * ...`); a term whose input the
entity left blank contributes nothing and is not a zero: an entity that reported none of
the inputs has no figure at all, as a sum of no observations has none.

An entity working in several places may split an input by place (`split` in the catalog:
electricity by province). Its formula is then evaluated once per split row at that row's
place: a term with the split input takes the row's amount; every other term takes the row's
share of the split (green electricity, whose place is not reported, is taken to be used
where the electricity was, in proportion; the registered place could make market-based
Scope 2 negative). Terms are linear in their inputs, so the rows add up to the entity's
figure. Without a split, the entity's registered location applies.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.factors import FactorRegistry, Resolved
from esgflow.figures.formulas import catalog_formula

ENTITY_FIGURE_SCHEMA = {
    "entity": pl.Utf8,
    "indicator": pl.Utf8,
    "value": pl.Float64,
    "observation_ids": pl.List(pl.Int64),
}


@dataclass(frozen=True)
class Term:
    sign: int  # +1 or -1
    text: str  # the term's own formula, e.g. "env_diesel * density_diesel * co2_diesel"
    inputs: tuple[str, ...]  # indicator codes in it
    factors: tuple[str, ...]  # factor names in it


def terms_of(ind: Indicator, catalog: Catalog) -> list[Term]:
    """The signed terms of a per-entity formula."""
    assert ind.formula

    def flatten(node: ast.expr, sign: int) -> list[tuple[int, ast.expr]]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            right_sign = sign if isinstance(node.op, ast.Add) else -sign
            return flatten(node.left, sign) + flatten(node.right, right_sign)
        return [(sign, node)]

    terms = []
    for sign, node in flatten(ast.parse(ind.formula, mode="eval").body, 1):
        names = list(dict.fromkeys(n.id for n in ast.walk(node) if isinstance(n, ast.Name)))
        terms.append(
            Term(
                sign,
                ast.unparse(node),
                tuple(n for n in names if n in catalog),
                tuple(n for n in names if n not in catalog),
            )
        )
    return terms


def known_terms(terms: list[Term], factors: FactorRegistry) -> list[Term]:
    """The terms whose every factor the registry has: a period pinned to a registry older than the
    catalog (before CH4 and N2O from combustion were counted) keeps the method it was made with,
    the terms its registry cannot weigh dropping out, until `esgflow restate` moves it on."""
    return [t for t in terms if all(factors.knows(name) for name in t.factors)]


def factors_at(
    ind: Indicator,
    catalog: Catalog,
    factors: FactorRegistry,
    on: date,
    location: str | None,
    terms: list[Term] | None = None,
) -> dict[str, Resolved]:
    """Each factor a per-entity formula (or the given terms of it) names, as chosen for a location.

    Only the terms with inputs need their factors: a period pinned to an older factor set has none
    for the inputs a newer template added (refrigerants' GWPs), and nobody reported those inputs then.
    """
    chosen = terms_of(ind, catalog) if terms is None else terms
    return {name: factors.resolve_at(name, on, location) for t in chosen for name in t.factors}


def split_input(ind: Indicator, catalog: Catalog) -> str | None:
    """The input of a per-entity formula that returns may split by place (the catalog allows one)."""
    return next((n for n in ind.formula_inputs() if n in catalog and catalog[n].split), None)


def split_shares(splits: pl.DataFrame) -> pl.DataFrame:
    """Split rows with each row's share of its observation's split (equal shares when all are zero)."""
    value = pl.col("value").cast(pl.Float64)
    total = value.sum().over("observation_id")
    share = pl.when(total > 0).then(value / total).otherwise(1.0 / pl.len().over("observation_id"))
    return splits.with_columns(share.alias("share"))


def _term_expr(term: Term, ind: Indicator, catalog: Catalog, chosen: Mapping[str, Resolved]) -> pl.Expr:
    return catalog_formula(term.text, ind.unit, catalog, lambda name: chosen[name].factor) * term.sign


def entity_figures(
    observations: pl.DataFrame,
    catalog: Catalog,
    factors: FactorRegistry,
    locations: Mapping[str, str],
    on: date,
    splits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(entity, indicator, value, observation_ids) of every per-entity indicator an entity has inputs for.

    splits: split rows (observation_id, indicator, location, value), as observations.accepted_splits gives them.
    """
    kinds = [i for i in catalog.indicators if i.consolidation == "per_entity"]
    needed = sorted({n for i in kinds for n in i.formula_inputs() if n in catalog})
    obs = observations.filter(pl.col("indicator").is_in(needed) & pl.col("value").is_not_null())
    if not kinds or obs.is_empty():
        return pl.DataFrame(schema=ENTITY_FIGURE_SCHEMA)
    wide = obs.with_columns(pl.col("value").cast(pl.Float64)).pivot(on="indicator", index="entity", values="value")
    ids = obs.pivot(on="indicator", index="entity", values="observation_id")
    ids = ids.rename({c: f"{c}__id" for c in ids.columns if c != "entity"})
    wide = wide.join(ids, on="entity").with_columns(
        pl.col("entity").replace_strict(dict(locations), default=None, return_dtype=pl.Utf8).alias("__location")
    )
    missing = [n for n in needed if n not in wide.columns]
    wide = wide.with_columns(
        *(pl.lit(None, dtype=pl.Float64).alias(n) for n in missing),
        *(pl.lit(None, dtype=pl.Int64).alias(f"{n}__id") for n in missing),
    )
    shares = split_shares(splits) if splits is not None and splits.height else None
    out: list[pl.DataFrame] = []
    for ind in kinds:
        terms = known_terms(terms_of(ind, catalog), factors)
        split = split_input(ind, catalog)
        frame = wide.with_columns(pl.lit(1.0).alias("__share"))
        if split and shares is not None:
            rows = shares.filter(pl.col("indicator") == split).select(
                pl.col("observation_id").alias(f"{split}__id"),
                pl.col("location").alias("__split_location"),
                pl.col("value").cast(pl.Float64).alias("__split_value"),
                pl.col("share").alias("__split_share"),
            )
            expanded = frame.join(rows, on=f"{split}__id", how="inner").with_columns(
                pl.col("__split_location").alias("__location"),
                pl.col("__split_value").alias(split),
                pl.col("__split_share").alias("__share"),
            )
            frame = pl.concat(
                [frame.join(rows, on=f"{split}__id", how="anti"), expanded.select(frame.columns)], how="vertical"
            )
        for (location,), part in frame.partition_by("__location", as_dict=True).items():
            # a term with an input no entity here reported adds nothing: its factors are not looked up
            live = [t for t in terms if all(part[c].is_not_null().any() for c in t.inputs)]
            if not live:
                continue
            chosen = factors_at(ind, catalog, factors, on, location, live)
            values = [
                (_term_expr(t, ind, catalog, chosen) * (1 if split in t.inputs else pl.col("__share"))).alias(f"__t{n}")
                for n, t in enumerate(live)
            ]
            used = [
                pl.when(pl.col(f"__t{n}").is_not_null())
                .then(pl.concat_list([pl.col(f"{c}__id") for c in t.inputs]))
                .otherwise(pl.lit([], dtype=pl.List(pl.Int64)))
                for n, t in enumerate(live)
            ]
            names = [f"__t{n}" for n in range(len(live))]
            out.append(
                part.with_columns(values)
                .select(
                    "entity",
                    pl.lit(ind.code).alias("indicator"),
                    pl.when(pl.any_horizontal(pl.col(names).is_not_null()))
                    .then(pl.sum_horizontal(names))
                    .alias("value"),
                    pl.concat_list(used).list.drop_nulls().alias("observation_ids"),
                )
                .filter(pl.col("value").is_not_null())
            )
    if not out:
        return pl.DataFrame(schema=ENTITY_FIGURE_SCHEMA)
    # A split entity has a row per place: one figure each, from the observations of all its rows.
    return (
        pl.concat(out)
        .group_by("entity", "indicator", maintain_order=True)
        .agg(
            pl.col("value").sum(),
            pl.col("observation_ids").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        )
        .cast(ENTITY_FIGURE_SCHEMA)
    )
