"""Figures computed for each entity from its own inputs and the factors of where it is.

An emission depends on the entity's location (a grid factor is provincial), so it cannot
be computed from group totals: Scope 2 is each entity's electricity times the factor of
its province or country, summed up the tree afterwards. A formula is a sum of terms
(`env_diesel * density_diesel * co2_diesel + env_gasoline * ...`); a term whose input the
entity left blank contributes nothing and is not a zero: an entity that reported none of
the inputs has no figure at all, as a sum of no observations has none.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.factors import FactorRegistry, Resolved
from esgflow.formulas import compile_formula

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


def factors_at(
    ind: Indicator, catalog: Catalog, factors: FactorRegistry, on: date, location: str | None
) -> dict[str, Resolved]:
    """Each factor a per-entity formula names, as chosen for a location."""
    return {name: factors.resolve_at(name, on, location) for t in terms_of(ind, catalog) for name in t.factors}


def _term_expr(term: Term, ind: Indicator, catalog: Catalog, chosen: Mapping[str, Resolved]) -> pl.Expr:
    def factor_of(name: str) -> tuple[Decimal, str]:
        f = chosen[name].factor
        return f.value, f.unit

    def unit_of(name: str) -> str | None:
        return catalog[name].unit if name in catalog else None

    return compile_formula(term.text, ind.unit, unit_of, factor_of) * term.sign


def entity_figures(
    observations: pl.DataFrame,
    catalog: Catalog,
    factors: FactorRegistry,
    locations: Mapping[str, str],
    on: date,
) -> pl.DataFrame:
    """(entity, indicator, value, observation_ids) of every per-entity indicator an entity has inputs for."""
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
    out: list[pl.DataFrame] = []
    for (location,), part in wide.partition_by("__location", as_dict=True).items():
        for ind in kinds:
            chosen = factors_at(ind, catalog, factors, on, location)
            terms = terms_of(ind, catalog)
            values = [_term_expr(t, ind, catalog, chosen).alias(f"__t{n}") for n, t in enumerate(terms)]
            used = [
                pl.when(pl.col(f"__t{n}").is_not_null())
                .then(pl.concat_list([pl.col(f"{c}__id") for c in t.inputs]))
                .otherwise(pl.lit([], dtype=pl.List(pl.Int64)))
                for n, t in enumerate(terms)
            ]
            names = [f"__t{n}" for n in range(len(terms))]
            out.append(
                part.with_columns(values)
                .select(
                    "entity",
                    pl.lit(ind.code).alias("indicator"),
                    pl.when(pl.any_horizontal(pl.col(names).is_not_null()))
                    .then(pl.sum_horizontal(names))
                    .alias("value"),
                    pl.concat_list(used).list.drop_nulls().list.sort().alias("observation_ids"),
                )
                .filter(pl.col("value").is_not_null())
            )
    return pl.concat(out).cast(ENTITY_FIGURE_SCHEMA) if out else pl.DataFrame(schema=ENTITY_FIGURE_SCHEMA)
