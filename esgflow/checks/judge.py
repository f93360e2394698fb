"""The answer's engine: a plain suite (esgflow.checks.suites.plain_suites) judged on a check frame in polars.

Great Expectations spends about a second on every checkpoint run building its metric graph,
whatever the rows, and three seconds to be imported; a reporter waiting for findings pays for
neither. The judge evaluates the very expectations the suites declare, with Great Expectations
1.x's own semantics for the pandas engine, read from its source:

- a column-map expectation skips missing values (None, and NaN as pandas has it), except
  `not_be_null` and `be_null`, whose subject is the missing value;
- `between` is inclusive unless `strict_min` / `strict_max`; either bound may be None;
- `match_regex` is `str.contains`: re.search anywhere in the value, not a match from its start;
- `not_in_set` is pandas' `isin`;
- the column-pair `a_to_be_greater_than_b` drops rows by `ignore_row_if` (default: both values
  missing), then wants A > B (A >= B with `or_equal`); a comparison with a missing value fails.

Great Expectations still runs the same suite on the same frame for every validation and stays
the record (esgflow.checks.recorder compares its failures with these). An expectation type or an
argument the judge does not know raises: a check it cannot judge must never pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from esgflow.checks.conditions import Expectation, with_conditions

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Failure:
    """A failing row of a check frame: the rule it broke and the expectation's meta."""

    row_id: int
    rule: str
    severity: str
    meta: dict[str, Any]


class CannotJudge(RuntimeError):
    """An expectation the judge does not know, or one that cannot run on the frame."""


_COLUMN = {"column"}
_KNOWN: dict[str, set[str]] = {
    "expect_column_values_to_not_be_null": _COLUMN,
    "expect_column_values_to_be_null": _COLUMN,
    "expect_column_values_to_be_between": _COLUMN | {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_values_to_match_regex": _COLUMN | {"regex"},
    "expect_column_values_to_not_be_in_set": _COLUMN | {"value_set"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if"},
}


def _value(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A column with NaN as missing, as pandas has it (polars orders NaN above every number instead)."""
    import polars as pl

    column = pl.col(name)
    return column.fill_nan(None) if frame.schema[name].is_float() else column


def _unexpected(e: Expectation, frame: pl.DataFrame) -> pl.Expr | pl.Series:
    """The rows an expectation fails on, as a boolean expression (True: unexpected)."""
    import polars as pl

    kw = e.kwargs
    if e.type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _value(frame, kw["column_A"]), _value(frame, kw["column_B"])
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        kept = {
            "both_values_are_missing": a.is_not_null() | b.is_not_null(),
            "either_value_is_missing": a.is_not_null() & b.is_not_null(),
            "neither": pl.lit(True),
        }.get(ignore)
        if kept is None:
            raise CannotJudge(f"expectation {e.rule}: ignore_row_if {ignore!r} is not known")
        kept_ok = (a >= b) if kw.get("or_equal") else (a > b)
        return kept & ~kept_ok.fill_null(False)
    value = _value(frame, kw["column"])
    if e.type == "expect_column_values_to_not_be_null":
        return value.is_null()
    if e.type == "expect_column_values_to_be_null":
        return value.is_not_null()
    present = value.is_not_null()
    if e.type == "expect_column_values_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        if low is None and high is None:
            raise CannotJudge(f"expectation {e.rule}: between without a bound")
        if not frame.schema[kw["column"]].is_numeric():
            raise CannotJudge(f"expectation {e.rule}: between on a column that is not numeric")
        ok = pl.lit(True)
        if low is not None:
            ok = ok & ((value > low) if kw.get("strict_min") else (value >= low))
        if high is not None:
            ok = ok & ((value < high) if kw.get("strict_max") else (value <= high))
        return present & ~ok
    if e.type == "expect_column_values_to_not_be_in_set":
        return present & value.is_in(list(kw["value_set"]))
    if e.type == "expect_column_values_to_match_regex":
        if frame.schema[kw["column"]] != pl.String:
            raise CannotJudge(f"expectation {e.rule}: a regex on a column that is not text")
        pattern = re.compile(kw["regex"])  # Python's re, as pandas' str.contains uses
        texts = frame[kw["column"]].to_list()
        return pl.Series([v is not None and not pattern.search(v) for v in texts], dtype=pl.Boolean)
    raise CannotJudge(f"expectation type {e.type!r} is not known to the judge")


def judge(plain: list[Expectation], frame: pl.DataFrame) -> list[Failure]:
    """The failing rows of a check frame, expectation by expectation in suite order, rows in frame order."""
    if frame.is_empty():
        return []
    frame = with_conditions(frame, [c for e in plain for c in e.columns])
    failures: list[Failure] = []
    for e in plain:
        unknown = set(e.kwargs) - _KNOWN.get(e.type, set())
        if e.type not in _KNOWN or unknown:
            raise CannotJudge(f"expectation {e.rule} ({e.type}) has what the judge does not know: {sorted(unknown)}")
        absent = [c for c in e.columns if c not in frame.columns]
        if absent:  # as Great Expectations' run would, say so rather than pass
            raise CannotJudge(f"expectation {e.rule} could not run: the frame has no column {absent}")
        rows = frame.filter(_unexpected(e, frame))["row_id"].to_list()
        failures += [Failure(int(r), e.rule, e.severity, dict(e.meta)) for r in rows]
    return failures
