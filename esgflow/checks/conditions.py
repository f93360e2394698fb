"""The rows a rule applies to, as columns of the check frame rather than Great Expectations row conditions.

Great Expectations evaluates a `row_condition` with a pandas `query` for every metric of every
expectation that carries one: about five dozen queries for a batch of one workbook, most of
the cost of validating it. Instead an expectation names a column that holds the figure only on
the rows its rule applies to: `value where row == "figure" and not has_note` is `value` on
those rows and missing elsewhere, and every column-map or column-pair expectation esgflow uses
skips missing values, so the rule judges exactly its rows, over the whole batch, in one pass.
`value where ... else 0` is filled with 0 elsewhere instead, for the one expectation whose
subject is the missing value itself (a required figure left blank).

The condition is the one the expectation used to carry, in the same small language (`and`,
`not`, a boolean column, `column == "text"`, `column == column` for present, `column in [...]`),
so the suites and their Data Docs still say which rows each rule judges. `with_conditions` adds
the columns a suite names to a frame with one polars expression each.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rules name these columns where polars is not needed (letters, the portal's words)
    import polars as pl

WHERE = " where "
ELSE_ZERO = " else 0"


def only(column: str, condition: str, filled: bool = False) -> str:
    """The name of the column holding `column` on the rows `condition` selects (0 elsewhere if filled)."""
    return f"{column}{WHERE}{condition}{ELSE_ZERO if filled else ''}"


def _part(text: str) -> pl.Expr:
    import polars as pl

    words = text.split(" ", 2)
    if words[0] == "not" and len(words) == 2:
        return ~pl.col(words[1]).fill_null(False)
    if len(words) == 1:
        return pl.col(text).fill_null(False)
    name, op, rest = words
    if op == "in":
        return pl.col(name).is_in(list(ast.literal_eval(rest))).fill_null(False)
    if op == "==" and rest == name:  # pandas' idiom for "present": a missing value equals nothing
        return pl.col(name).is_not_null()
    if op == "==" and rest[:1] in "\"'":
        return (pl.col(name) == ast.literal_eval(rest)).fill_null(False)
    raise ValueError(f"a row condition esgflow does not know: {text!r}")


def condition_expr(condition: str) -> pl.Expr:
    """The polars expression of a condition (its parts joined by `and`)."""
    parts = [_part(p.strip()) for p in condition.split(" and ")]
    out = parts[0]
    for p in parts[1:]:
        out = out & p
    return out


def masked(name: str) -> pl.Expr | None:
    """The expression of a column named by `only`, or None for a plain column of the frame."""
    import polars as pl

    if WHERE not in name:
        return None
    column, condition = name.split(WHERE, 1)
    filled = condition.endswith(ELSE_ZERO)
    if filled:
        condition = condition.removesuffix(ELSE_ZERO)
    outside = pl.lit(0.0) if filled else pl.lit(None)
    return pl.when(condition_expr(condition)).then(pl.col(column)).otherwise(outside).alias(name)


def with_conditions(frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """The frame with every masked column of `names` added (plain column names are left alone).

    A masked column whose figure or condition needs a column the frame lacks is left out, so its
    expectation fails to run and says so, as one with a row condition over a missing column did."""
    exprs = [
        e
        for e in (masked(n) for n in dict.fromkeys(names))
        if e is not None and set(e.meta.root_names()) <= set(frame.columns)
    ]
    return frame.with_columns(exprs) if exprs else frame


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite in plain form: its Great Expectations type, arguments and meta.

    The rules (esgflow.checks.rules) declare their checks in this form so that whoever only needs
    the declaration (the polars judge, esgflow.checks.judge) does not import Great Expectations;
    esgflow.checks.suites builds the Great Expectations objects from it."""

    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]

    @property
    def rule(self) -> str:
        return str(self.meta["rule"])

    @property
    def severity(self) -> str:
        return str(self.meta["severity"])

    @property
    def columns(self) -> list[str]:
        """The columns it names (the masked ones among them)."""
        return [self.kwargs[k] for k in ("column", "column_A", "column_B") if k in self.kwargs]
