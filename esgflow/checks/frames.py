"""Long check frames, built in polars from figures and the catalog.

Every row carries what its expectation compares, already in one unit and with the
tolerance that the precision of the figures allows:
  figure     one per figure: value, text as written, whole_bound (its whole plus rounding),
             yoy_change against last period and the catalog's yoy_threshold, has_note
  breakdown  one per breakdown of a total: gap = |sum of parts - total|, tolerance
  derived    (group) one per derived figure: gap = |figure - recomputed from its parts|
  versus     (group) one per figure both published and computed: gap and tolerance
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.checks.precision import half_unit, half_unit_at
from esgflow.decimals import tidy
from esgflow.factors import Factor, FactorRegistry
from esgflow.figures.formulas import asked_formula, catalog_formula, formula_names, parts_needing_whole

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.Int64(),
    "row": pl.Utf8(),
    "key": pl.Utf8(),
    "indicator": pl.Utf8(),
    "value": pl.Float64(),
    "text": pl.Utf8(),
    "required": pl.Boolean(),
    "has_note": pl.Boolean(),
    "whole": pl.Utf8(),
    "whole_value": pl.Float64(),  # the whole, in the part's unit
    "whole_bound": pl.Float64(),  # ... plus the rounding both were written with
    "whole_blank": pl.Boolean(),  # a part a formula subtracts from its whole, and that whole left blank
    "prior": pl.Float64(),
    "previous": pl.Float64(),  # the entity's figure in its previous version of the same period
    "slip": pl.Float64(),  # k where the figure is about 10^k times its previous version's (or last period's)
    "slip_ref": pl.Utf8(),  # which of the two it was compared with
    "yoy_change": pl.Float64(),
    "yoy_threshold": pl.Float64(),
    "parts": pl.Utf8(),
    "recomputed": pl.Float64(),
    "gap": pl.Float64(),
    "tolerance": pl.Float64(),
    "factor_based": pl.Boolean(),
}


@dataclass(frozen=True)
class CheckedValue:
    """One figure to check: `key` names what it belongs to (a submission, or a basis of the group)."""

    key: str
    indicator: str
    value: Decimal | None  # reporting unit
    written: Decimal | None = None  # as written, in the unit it was asked in
    half: float = 0.0  # rounding of the written figure, in the reporting unit
    note: str | None = None
    required: bool = False
    prior: Decimal | None = None
    previous: Decimal | None = None


def checked_value(
    key: str,
    indicator: str,
    value: Decimal | None,
    catalog: Catalog,
    *,
    written: Decimal | None = None,
    note: str | None = None,
    required: bool = False,
    prior: Decimal | None = None,
    previous: Decimal | None = None,
) -> CheckedValue:
    """A CheckedValue with its rounding worked out from how it was written."""
    ind = catalog[indicator]
    written = value if written is None else written
    half = 0.0
    if written is not None and ind.dtype != "integer":  # counts are exact; measured figures are rounded
        half = (
            half_unit(written) * float(units.factor(ind.input_unit, ind.unit)) if ind.input_unit else half_unit(written)
        )
    return CheckedValue(key, indicator, value, written, half, note, required, prior, previous)


BASE_SCHEMA = {
    "key": pl.Utf8,
    "indicator": pl.Utf8,
    "value": pl.Float64,
    "text": pl.Utf8,
    "half": pl.Float64,
    "required": pl.Boolean,
    "has_note": pl.Boolean,
    "prior": pl.Float64,
    "previous": pl.Float64,
}
SLIPS = (1, 3, 4)  # x10, x1000, x10000: a decimal point, 千 (k-, t/kg, MWh/kWh) and 万 (10k) units
SLIP_TOLERANCE = 0.08  # in log10: within about 20 % of the power of ten


def base_frame(values: list[CheckedValue]) -> pl.DataFrame:
    """The values as a frame with BASE_SCHEMA columns."""
    return pl.DataFrame(
        {
            "key": [f.key for f in values],
            "indicator": [f.indicator for f in values],
            "value": [None if f.value is None else float(f.value) for f in values],
            "text": [None if f.written is None else format(tidy(f.written), "f") for f in values],
            "half": [f.half for f in values],
            "required": [f.required for f in values],
            "has_note": [bool(f.note) for f in values],
            "prior": [None if f.prior is None else float(f.prior) for f in values],
            "previous": [None if f.previous is None else float(f.previous) for f in values],
        },
        schema=BASE_SCHEMA,
    )


def _figure_rows(base: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    needing = set(parts_needing_whole(catalog))
    rules = pl.DataFrame(
        {
            "indicator": [i.code for i in catalog.indicators],
            "whole": [i.rules.not_above for i in catalog.indicators],
            "whole_factor": [
                float(units.factor(catalog[i.rules.not_above].unit, i.unit)) if i.rules.not_above else None
                for i in catalog.indicators
            ],
            "yoy_threshold": [i.yoy_threshold for i in catalog.indicators],
            "needs_whole": [i.code in needing for i in catalog.indicators],
        },
        schema={
            "indicator": pl.Utf8,
            "whole": pl.Utf8,
            "whole_factor": pl.Float64,
            "yoy_threshold": pl.Float64,
            "needs_whole": pl.Boolean,
        },
    )
    wholes = base.select(
        "key",
        pl.col("indicator").alias("whole"),
        pl.col("value").alias("whole_value"),
        pl.col("half").alias("whole_half"),
        # a whole left blank without a note is refused as missing already, and one whose cell could not be
        # read has no row here (its parse error says what is wrong): either is said once, at the whole
        (pl.col("required") & ~pl.col("has_note")).alias("whole_missing"),
    )
    change = (pl.col("value") - pl.col("prior")).abs()
    reference = pl.coalesce(pl.col("previous"), pl.col("prior"))
    ratio = (pl.col("value") / reference).abs().log10()
    power = ratio.round(0)
    slip = (
        pl.when((pl.col("value") != 0) & (reference != 0) & ((ratio - power).abs() <= SLIP_TOLERANCE))
        .then(pl.when(power.abs().is_in([float(k) for k in SLIPS])).then(power))
        .otherwise(None)
    )
    return (
        base.join(rules, on="indicator", how="left")
        .join(wholes, on=["key", "whole"], how="left")
        .with_columns(
            (
                pl.col("whole_value") * pl.col("whole_factor")
                + (pl.col("whole_half") * pl.col("whole_factor"))
                + pl.col("half")
            ).alias("whole_bound"),
            pl.when(pl.col("prior").is_null() | pl.col("value").is_null())
            .then(None)
            .when(pl.col("prior") == 0)
            .then(pl.when(change == 0).then(0.0).otherwise(float("inf")))
            .otherwise(change / pl.col("prior").abs())
            .alias("yoy_change"),
            slip.alias("slip"),
            pl.when(pl.col("previous").is_not_null())
            .then(pl.lit("previous version"))
            .when(pl.col("prior").is_not_null())
            .then(pl.lit("last period"))
            .alias("slip_ref"),
            pl.lit("figure").alias("row"),
            (pl.col("needs_whole") & pl.col("whole_value").is_null() & ~pl.col("whole_missing").fill_null(True)).alias(
                "whole_blank"
            ),
            (pl.col("whole_value") * pl.col("whole_factor")).alias("whole_value"),
        )
    )


def _breakdown_rows(figures: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    groups = [
        (ind.code, "+".join(parts), part) for ind in catalog.indicators for parts in ind.breakdowns for part in parts
    ]
    if not groups:
        return pl.DataFrame()
    parts = pl.DataFrame(groups, schema={"total": pl.Utf8, "parts": pl.Utf8, "part": pl.Utf8}, orient="row")
    sizes = parts.group_by("total", "parts").agg(pl.len().alias("size"))
    summed = (
        figures.filter(pl.col("value").is_not_null())
        .join(parts, left_on="indicator", right_on="part", how="inner")
        .group_by("key", "total", "parts")
        .agg(
            pl.col("value").sum().alias("parts_sum"),
            pl.col("half").sum().alias("parts_half"),
            pl.len().alias("present"),
        )
        .join(sizes, on=["total", "parts"])
        .filter(pl.col("present") == pl.col("size"))  # a breakdown with a part missing cannot be added up
    )
    totals = figures.filter(pl.col("value").is_not_null()).select(
        "key", pl.col("indicator").alias("total"), "value", "half"
    )
    return summed.join(totals, on=["key", "total"], how="inner").select(
        pl.lit("breakdown").alias("row"),
        "key",
        pl.col("total").alias("indicator"),
        "value",
        "parts",
        pl.col("parts_sum").alias("recomputed"),
        (pl.col("parts_sum") - pl.col("value")).abs().alias("gap"),
        (pl.col("parts_half") + pl.col("half") + 1e-9 * pl.col("value").abs()).alias("tolerance"),
    )


def _finish(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frame = (
        pl.concat([f for f in frames if f.height], how="diagonal_relaxed")
        if any(f.height for f in frames)
        else pl.DataFrame()
    )
    for name, dtype in FRAME_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    frame = frame.select(list(FRAME_SCHEMA)).cast(FRAME_SCHEMA)
    return frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row_id"),
        pl.col("required").fill_null(False),
        pl.col("has_note").fill_null(False),
        pl.col("factor_based").fill_null(False),
        pl.col("whole_blank").fill_null(False),
    )


def _sum_wholes(base: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """A return's figure for each whole of a not_above rule that is a plain sum of its inputs.

    Discharge cannot exceed withdrawal, whose total no one types: it is the sum of the sources,
    added here so that a return is checked against it before it is accepted (the group checks
    see the consolidated total). Only when every source is given: a blank is never zero.
    """
    frames = []
    for code in sorted({i.rules.not_above for i in catalog.indicators if i.rules.not_above}):
        ind = catalog[code]
        parts = [n for n in ind.formula_inputs() if n in catalog and catalog[n].unit == ind.unit]
        terms = (ind.formula or "").replace(" ", "").split("+")
        if ind.consolidation != "derived" or sorted(terms) != sorted(parts):
            continue
        given = base.filter(pl.col("indicator").is_in(parts) & pl.col("value").is_not_null())
        frames.append(
            given.group_by("key")
            .agg(pl.col("value").sum(), pl.col("half").sum(), pl.len().alias("n"))
            .filter(pl.col("n") == len(parts))
            .select("key", pl.lit(code).alias("indicator"), "value", "half")
        )
    return pl.concat([base, *frames], how="diagonal_relaxed").with_columns(
        pl.col("required").fill_null(False), pl.col("has_note").fill_null(False)
    )


def submission_frame(values: list[CheckedValue] | pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Check rows for the figures of entity returns (key: one per return), from Figures or a BASE_SCHEMA frame."""
    base = values if isinstance(values, pl.DataFrame) else base_frame(values)
    rows = _figure_rows(_sum_wholes(base, catalog), catalog)
    return _finish([rows, _breakdown_rows(rows, catalog)])


def _derived_rows(figures: pl.DataFrame, catalog: Catalog, factors: FactorRegistry, on: date) -> pl.DataFrame:
    """Each derived figure against the value its formula gives from the other figures of the same key."""
    wide = figures.filter(pl.col("value").is_not_null()).pivot(on="indicator", index="key", values="value")
    halves = figures.filter(pl.col("value").is_not_null()).pivot(on="indicator", index="key", values="half")

    def factor(name: str) -> Factor:
        return factors.resolve(name, on)

    out = []
    for ind in catalog.derived_in_order():
        formula = asked_formula(ind, catalog, wide.columns)
        if formula is None:
            continue
        inputs = [n for n in ind.formula_inputs() if n in catalog and n in formula_names(formula)]
        if ind.code not in wide.columns or not all(n in wide.columns for n in inputs):
            continue
        expr = catalog_formula(formula, ind.unit, catalog, factor)
        base = wide.select("key", pl.col(ind.code).alias("value"), *inputs)
        recomputed = base.select(expr.alias("recomputed")).to_series()
        spread = pl.zeros(base.height, dtype=pl.Float64, eager=True)
        for name in inputs:  # first-order spread from the rounding of each input
            bumped = base.with_columns(pl.col(name) + halves[name])
            spread = spread + (bumped.select(expr).to_series() - recomputed).abs().fill_null(0)
        out.append(
            base.select("key", "value")
            .with_columns(
                pl.lit("derived").alias("row"),
                pl.lit(ind.code).alias("indicator"),
                recomputed.alias("recomputed"),
                pl.lit(any(n not in catalog for n in ind.formula_inputs())).alias("factor_based"),
                pl.lit("+".join(inputs)).alias("parts"),
            )
            .join(halves.select("key", pl.col(ind.code).alias("half")), on="key", how="left")
            .with_columns(
                (pl.col("value") - pl.col("recomputed")).abs().alias("gap"),
                (pl.col("half") + spread + 1e-9 * pl.col("value").abs()).alias("tolerance"),
            )
            .filter(pl.col("value").is_not_null() & pl.col("recomputed").is_not_null())
            .drop("half")
        )
    return pl.concat(out, how="diagonal_relaxed") if out else pl.DataFrame()


def _versus_rows(figures: pl.DataFrame, computed_key: str, published_keys: list[str]) -> pl.DataFrame:
    computed = figures.filter(pl.col("key") == computed_key).select("indicator", pl.col("value").alias("recomputed"))
    published = figures.filter(pl.col("key").is_in(published_keys) & pl.col("value").is_not_null())
    return published.join(computed, on="indicator", how="inner").select(
        pl.lit("versus").alias("row"),
        "key",
        "indicator",
        "value",
        "recomputed",
        (pl.col("value") - pl.col("recomputed")).abs().alias("gap"),
        (pl.col("half") + 1e-9 * pl.col("value").abs()).alias("tolerance"),
    )


def group_frame(
    by_basis: Mapping[str, Mapping[str, Decimal]],
    prior: Mapping[str, Decimal],
    catalog: Catalog,
    factors: FactorRegistry,
    on: date,
) -> pl.DataFrame:
    """Check rows for a period's group figures, one key per basis (published, published_restated, computed).

    A restated basis is completed with the published figures it did not restate, so that
    identities can be checked on it.
    """
    figures: list[CheckedValue] = []
    for basis, values in by_basis.items():
        merged = {**by_basis.get("published", {}), **values} if basis == "published_restated" else dict(values)
        figures += [  # group figures are written in their reporting unit
            CheckedValue(
                basis,
                code,
                value,
                value,
                0.0 if catalog[code].dtype == "integer" else half_unit(value),
                prior=prior.get(code),
            )
            for code, value in merged.items()
            if code in catalog
        ]
    rows = _figure_rows(base_frame(figures), catalog)
    # whole numbers are asked of what people write, not of what esgflow derives
    rows = rows.with_columns(
        pl.when(pl.col("indicator").is_in([i.code for i in catalog.indicators if not i.is_input]))
        .then(None)
        .otherwise(pl.col("text"))
        .alias("text")
    )
    published = [k for k in ("published", "published_restated") if k in by_basis]
    versus = _versus_rows(rows, "computed", published) if "computed" in by_basis else pl.DataFrame()
    return _finish([rows, _breakdown_rows(rows, catalog), _derived_rows(rows, catalog, factors, on), versus])


def staged_base(
    staged: pl.DataFrame,
    asked: pl.DataFrame,
    prior: pl.DataFrame,
    unreadable: pl.DataFrame,
    catalog: Catalog,
) -> pl.DataFrame:
    """The base frame of a batch of returns, built in polars.

    staged: the batch's staged figures (esgflow.intake.stage); asked: key, entity, indicator for
    every figure each return's template asks for; prior: entity, indicator, prior;
    unreadable: key, indicator of figures whose cell could not be parsed (already an error).
    """
    kinds = pl.DataFrame(
        {"indicator": [i.code for i in catalog.indicators], "exact": [i.dtype == "integer" for i in catalog.indicators]}
    )
    # the figure as written: the exact decimal without the staging scale's padding zeros
    written = pl.col("input_value").cast(pl.Utf8).str.strip_chars_end("0").str.strip_chars_end(".")
    decimals = (
        pl.when(written.str.contains(".", literal=True))
        .then(written.str.split(".").list.last().str.len_chars())
        .otherwise(0)
    )
    figures = staged.select(
        pl.col("key").cast(pl.Utf8),
        "entity",
        "indicator",
        pl.col("value").cast(pl.Float64),
        written.alias("text"),
        decimals.alias("decimals"),
        pl.col("note").is_not_null().alias("has_note"),
        pl.col("factor").cast(pl.Float64).alias("to_reporting"),  # input unit -> reporting unit, from staging
    )
    base = (
        asked.with_columns(pl.col("key").cast(pl.Utf8), pl.lit(True).alias("required"))
        .join(figures, on=["key", "entity", "indicator"], how="full", coalesce=True)
        .join(
            unreadable.with_columns(pl.col("key").cast(pl.Utf8), pl.lit(True).alias("unreadable")),
            on=["key", "indicator"],
            how="left",
        )
        .filter(pl.col("unreadable").is_null())
        .join(kinds, on="indicator", how="left")
        .join(_with_previous(prior), on=["entity", "indicator"], how="left")
    )
    half = (
        pl.when(pl.col("exact") | pl.col("text").is_null())
        .then(0.0)
        .otherwise(half_unit_at(-pl.col("decimals").cast(pl.Float64)) * pl.col("to_reporting"))
    )
    return base.select(
        "key",
        "indicator",
        "value",
        pl.when(pl.col("text") == "").then(pl.lit("0")).otherwise(pl.col("text")).alias("text"),
        half.alias("half"),
        pl.col("required").fill_null(False),
        pl.col("has_note").fill_null(False),
        "prior",
        "previous",
    ).cast(BASE_SCHEMA)


def _with_previous(prior: pl.DataFrame) -> pl.DataFrame:
    """entity, indicator, prior (last period) and previous (the version a new return replaces), as floats."""
    if "previous" not in prior.columns:
        prior = prior.with_columns(pl.lit(None, dtype=pl.Float64).alias("previous"))
    return prior.with_columns(pl.col("prior").cast(pl.Float64), pl.col("previous").cast(pl.Float64))
