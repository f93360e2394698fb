"""Turn failing check rows into findings people can act on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from esgflow.catalog import Catalog
from esgflow.checks.gx_run import Failure
from esgflow.decimals import tidy
from esgflow.findings import Finding, Severity


def _num(x: float | None, digits: int = 12) -> str:
    """A figure as written (up to 12 significant digits), with thousands separators."""
    if x is None:
        return "–"
    if x in (float("inf"), float("-inf")):
        return str(x)
    return format(tidy(Decimal(f"{x:.{digits}g}")), ",f")


def _dec(x: float | None) -> Decimal | None:
    return None if x is None else Decimal(f"{x:.12g}")


def message(rule: str, row: dict[str, Any], catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(sentence, indicators involved) for one failing row."""
    code = row["indicator"]
    ind = catalog[code]
    label = f"{code} ({ind.name_en})"
    value = _num(row["value"])
    if rule == "required":
        return f"{label} is missing; enter the figure, or explain in its note why there is none", (code,)
    if rule == "type":
        return f"{label}: {row['text']!r} is not a number", (code,)
    if rule == "range":
        low, high = meta.get("min"), meta.get("max")
        bound = (
            f"between {low:g} and {high:g}"
            if low is not None and high is not None
            else f"at least {low:g}"
            if low is not None
            else f"at most {high:g}"
        )
        return f"{label} is {value} {ind.unit}; it must be {bound}", (code,)
    if rule == "whole_number":
        return f"{label} is {row['text']}; it must be a whole number", (code,)
    if rule == "part_not_above_whole":
        whole = catalog[row["whole"]]
        return (
            f"{label} is {value} {ind.unit}, more than {whole.code} ({whole.name_en}) allows "
            f"({_num(row['whole_value'])} {ind.unit}); a part cannot exceed its whole",
            (code, whole.code),
        )
    if rule == "parts_sum_to_total":
        parts = tuple(row["parts"].split("+"))
        return (
            f"{' + '.join(parts)} add up to {_num(row['recomputed'], 10)}, but {label} is {value}; "
            "the parts must add up to the total",
            (code, *parts),
        )
    if rule == "yoy_change_needs_note":
        change = row["yoy_change"]
        pct = "from zero" if change == float("inf") else f"by {change:.0%}"
        return (
            f"{label} changed {pct} (last period {_num(row['prior'])}, now {value}); "
            f"a change beyond {row['yoy_threshold']:.0%} needs an explanation in its note",
            (code,),
        )
    if rule in ("derived_recomputed", "derived_recomputed_with_factors"):
        parts = tuple(row["parts"].split("+")) if row["parts"] else ()
        how = " with the factor registry's conversion factors" if rule.endswith("factors") else ""
        return (
            f"{label} is {value} {ind.unit}, but {ind.formula} gives {_num(row['recomputed'], 10)}{how}",
            (code, *parts),
        )
    if rule == "published_vs_computed":
        return f"{label}: published {value} {ind.unit}, the entity data give {_num(row['recomputed'], 10)}", (code,)
    return f"{label}: rule {rule} failed", (code,)


def expected_actual(rule: str, row: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    if rule in ("parts_sum_to_total",):
        return _dec(row["value"]), _dec(row["recomputed"])
    if rule in ("derived_recomputed", "derived_recomputed_with_factors", "published_vs_computed"):
        return _dec(row["recomputed"]), _dec(row["value"])
    if rule == "part_not_above_whole":
        return _dec(row["whole_value"]), _dec(row["value"])
    if rule == "yoy_change_needs_note":
        return _dec(row["prior"]), _dec(row["value"])
    return None, _dec(row["value"])


def findings_from(
    failures: list[Failure], frame: pl.DataFrame | dict[int, dict[str, Any]], catalog: Catalog
) -> dict[str, list[Finding]]:
    """Findings per key of the check frame; only the failing rows are looked at."""
    if isinstance(frame, pl.DataFrame):
        ids = list({f.row_id for f in failures})
        rows = {r["row_id"]: r for r in frame.filter(pl.col("row_id").is_in(ids)).iter_rows(named=True)}
    else:
        rows = frame
    out: dict[str, list[Finding]] = {}
    for failure in sorted(failures, key=lambda f: f.row_id):
        row = rows[failure.row_id]
        text, indicators = message(failure.rule, row, catalog, failure.meta)
        expected, actual = expected_actual(failure.rule, row)
        severity: Severity = "error" if failure.severity == "error" else "warning"
        out.setdefault(row["key"], []).append(
            Finding(
                rule=failure.rule,
                severity=severity,
                message=text,
                indicators=indicators,
                expected=expected,
                actual=actual,
            )
        )
    return out
