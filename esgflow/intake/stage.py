"""Staged observations: a batch of parsed returns as one polars frame in reporting units."""

from __future__ import annotations

import polars as pl

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.workbooks.returns import ParsedReturn

STAGED_SCHEMA = {
    "key": pl.Int64,
    "file": pl.Utf8,
    "entity": pl.Utf8,
    "period": pl.Utf8,
    "indicator": pl.Utf8,
    "input_value": VALUE_DTYPE,
    "original_value": pl.Utf8,
    "original_unit": pl.Utf8,
    "sheet": pl.Utf8,
    "cell": pl.Utf8,
    "note": pl.Utf8,
    "estimated": pl.Boolean,
}


def unit_factors(catalog: Catalog) -> pl.DataFrame:
    """indicator -> factor from the unit asked in templates to the reporting unit."""
    rows = [(i.code, units.factor(i.input_unit, i.unit)) for i in catalog.indicators if i.input_unit]
    return pl.DataFrame(rows, schema={"indicator": pl.Utf8, "factor": pl.Decimal(38, 12)}, orient="row")


def stage(returns: list[ParsedReturn], factors: pl.DataFrame, keys: list[int] | None = None) -> pl.DataFrame:
    """One row per reported value of every return, with `value` converted to the reporting unit.

    `keys` tell the returns apart (two files may share a name); by default their positions.
    The rows of one return are its observations as the warehouse stores them.
    """
    keys = keys if keys is not None else list(range(len(returns)))
    rows = [
        (key, r.file, r.entity, r.period, f.code, f.value, f.found, f.unit, f.sheet, f.cell, f.note, f.estimated)
        for key, r in zip(keys, returns, strict=True)
        for f in r.reported
    ]
    frame = pl.DataFrame(rows, schema=STAGED_SCHEMA, orient="row")
    return frame.join(factors, on="indicator", how="left").with_columns(
        (pl.col("input_value") * pl.col("factor")).cast(VALUE_DTYPE).alias("value")
    )


SPLIT_SCHEMA = {
    "indicator": pl.Utf8,
    "location": pl.Utf8,
    "input_value": VALUE_DTYPE,
    "original_value": pl.Utf8,
    "sheet": pl.Utf8,
    "cell": pl.Utf8,
}


def stage_splits(ret: ParsedReturn, factors: pl.DataFrame) -> pl.DataFrame:
    """A return's split rows (indicator, location, value in the reporting unit, original_value, sheet, cell)."""
    rows = [(r.code, r.location, r.value, r.found, r.sheet, r.cell) for r in ret.splits]
    frame = pl.DataFrame(rows, schema=SPLIT_SCHEMA, orient="row")
    return (
        frame.join(factors, on="indicator", how="left")
        .with_columns((pl.col("input_value") * pl.col("factor")).cast(VALUE_DTYPE).alias("value"))
        .drop("input_value", "factor")
    )
