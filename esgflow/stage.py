"""Staged observations: a batch of parsed returns as one polars frame in reporting units."""

from __future__ import annotations

import polars as pl

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.decimals import tidy
from esgflow.observations import VALUE_DTYPE, ObservationIn
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
}


def unit_factors(catalog: Catalog) -> pl.DataFrame:
    """indicator -> factor from the unit asked in templates to the reporting unit."""
    rows = [(i.code, units.factor(i.input_unit, i.unit)) for i in catalog.indicators if i.input_unit]
    return pl.DataFrame(rows, schema={"indicator": pl.Utf8, "factor": pl.Decimal(38, 12)}, orient="row")


def stage(returns: list[ParsedReturn], factors: pl.DataFrame, keys: list[int] | None = None) -> pl.DataFrame:
    """One row per figure of every return, with `value` converted to the reporting unit.

    `keys` tell the returns apart (two files may share a name); by default their positions.
    """
    keys = keys if keys is not None else list(range(len(returns)))
    rows = [
        (key, r.file, r.entity, r.period, f.code, f.value, f.found, f.unit, f.sheet, f.cell, f.note)
        for key, r in zip(keys, returns, strict=True)
        for f in r.figures
    ]
    frame = pl.DataFrame(rows, schema=STAGED_SCHEMA, orient="row")
    return frame.join(factors, on="indicator", how="left").with_columns(
        (pl.col("input_value") * pl.col("factor")).cast(VALUE_DTYPE).alias("value")
    )


def observations_of(staged: pl.DataFrame) -> list[ObservationIn]:
    """Staged rows (of one file) as observations to record."""
    return [
        ObservationIn(
            code=r["indicator"],
            value=None if r["value"] is None else tidy(r["value"]),
            original_value=r["original_value"],
            original_unit=r["original_unit"],
            sheet=r["sheet"],
            cell=r["cell"],
            note=r["note"],
        )
        for r in staged.iter_rows(named=True)
    ]
