"""Compile catalog formulas into polars expressions with unit algebra from esgflow.units.

A formula such as `env_gasoline * density_gasoline * sce_gasoline + env_electricity *
sce_electricity` names indicators (columns) and factors (constants). Each term carries
its unit; sums convert their right side to the left side's unit, and the result is
converted to the indicator's unit, so no conversion factor is written in a formula.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import pint
import polars as pl

from esgflow import EsgflowError, units

if TYPE_CHECKING:
    from esgflow.catalog import Catalog, Indicator
    from esgflow.factors import Factor

Term = tuple[pl.Expr, pint.Unit]


def asked_formula(ind: Indicator, catalog: Catalog, present: Collection[str]) -> str | None:
    """ind's formula without the summed terms that name an input no return of the period was asked for.

    An input first asked by a newer template (template_version above "1", such as the fuels of
    version 4 in the energy total) has no figure at all in a period whose returns predate it: its
    terms drop out of the sums it sits in, so the older periods keep the figures they had. A
    figure missing where others of the period have one still leaves the formula without a
    value (a blank is never zero). None when nothing of the formula is left.
    """
    assert ind.formula

    def is_unasked(name: str) -> bool:
        # a computed figure all of whose inputs are unasked is unasked too (mobile combustion before version 4)
        if name not in catalog or name in present:
            return False
        if catalog[name].is_input:
            return catalog[name].template_version != "1"
        inputs = [n for n in catalog[name].formula_inputs() if n in catalog]
        return bool(inputs) and all(is_unasked(n) for n in inputs)

    unasked = {n for n in ind.formula_inputs() if is_unasked(n)}
    if not unasked:
        return ind.formula

    def prune(node: ast.expr) -> ast.expr | None:
        if isinstance(node, ast.Name):
            return None if node.id in unasked else node
        if isinstance(node, ast.UnaryOp):
            operand = prune(node.operand)
            return None if operand is None else ast.UnaryOp(node.op, operand)
        if isinstance(node, ast.BinOp):
            left, right = prune(node.left), prune(node.right)
            if isinstance(node.op, ast.Add | ast.Sub) and (left is None or right is None):
                if left is None and right is not None and isinstance(node.op, ast.Sub):
                    return ast.UnaryOp(ast.USub(), right)
                return left if right is None else right
            return None if left is None or right is None else ast.BinOp(left, node.op, right)
        return node

    pruned = prune(ast.parse(ind.formula, mode="eval").body)
    return None if pruned is None else ast.unparse(pruned)


def formula_names(formula: str) -> set[str]:
    """Every name a formula refers to."""
    return {n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name)}


def catalog_formula(formula: str, target_unit: str, catalog: Catalog, factor: Callable[[str], Factor]) -> pl.Expr:
    """compile_formula with indicators in their catalog units and factors as `factor(name)` gives them."""

    def factor_of(name: str) -> tuple[Decimal, str]:
        f = factor(name)
        return f.value, f.unit

    def unit_of(name: str) -> str | None:
        return catalog[name].unit if name in catalog else None

    return compile_formula(formula, target_unit, unit_of, factor_of)


def compile_formula(
    formula: str,
    target_unit: str,
    unit_of: Callable[[str], str | None],
    factor_of: Callable[[str], tuple[Decimal, str]],
) -> pl.Expr:
    """A Float64 expression for `formula` in `target_unit`.

    unit_of(name) gives an indicator's unit (None when the name is not an indicator);
    factor_of(name) gives a factor's value and unit.
    """

    def walk(node: ast.AST) -> Term:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Name):
            unit = unit_of(node.id)
            if unit is not None:
                return pl.col(node.id).cast(pl.Float64), units.pint_unit(unit)
            value, factor_unit = factor_of(node.id)
            return pl.lit(float(value)), units.pint_unit(factor_unit)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return pl.lit(float(node.value)), units.DIMENSIONLESS
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            expr, unit = walk(node.operand)
            return -expr, unit
        if isinstance(node, ast.BinOp):
            (left, lu), (right, ru) = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                right = right * units.unit_factor(ru, lu)
                return (left + right if isinstance(node.op, ast.Add) else left - right), lu
            if isinstance(node.op, ast.Mult):
                return left * right, units.combine(lu, ru, "*")
            if isinstance(node.op, ast.Div):
                return left / right, units.combine(lu, ru, "/")
        raise EsgflowError(f"formula {formula!r}: unsupported expression {ast.dump(node)}")

    try:
        expr, unit = walk(ast.parse(formula, mode="eval"))
        scale = units.unit_factor(unit, units.pint_unit(target_unit))
    except ValueError as exc:
        raise EsgflowError(f"formula {formula!r}: {exc}") from exc
    result = expr * scale
    # Division by a zero denominator gives no figure, not an infinite one.
    return pl.when(result.is_finite()).then(result).otherwise(None)


@cache
def _subtracted(formula: str) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(formula, mode="eval")):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            names |= {n.id for n in ast.walk(node.right) if isinstance(n, ast.Name)}
    return frozenset(names)


def parts_needing_whole(catalog: Catalog) -> list[str]:
    """The inputs some formula subtracts while it also adds their typed whole (rules: not_above): given
    with that whole blank, the formula would take them from nothing (esgflow.checks.wholes refuses it)."""
    out: set[str] = set()
    for ind in catalog.indicators:
        if not ind.formula:
            continue
        used = set(ind.formula_inputs())
        for name in _subtracted(ind.formula):
            whole = catalog[name].rules.not_above if name in catalog else None
            if whole in used and catalog[whole].is_input and catalog[name].is_input:
                out.add(name)
    return sorted(out)
