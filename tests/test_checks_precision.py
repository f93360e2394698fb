"""Precision: half a unit in the last written place, for single figures and for polars frames alike."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from esgflow.checks.precision import half_unit, half_unit_at


@pytest.mark.parametrize(
    ("written", "half"),
    [
        ("0.25", 0.005),
        ("42099", 0.5),
        ("7.17E-8", 5e-11),
        ("0.0192", 0.00005),
        ("1500.50", 0.005),  # a written trailing zero is a written place
        ("1E+2", 50.0),  # written to the hundreds
        ("-3.5", 0.05),
    ],
)
def test_half_unit_is_half_a_unit_in_the_last_written_place(written: str, half: float) -> None:
    assert half_unit(Decimal(written)) == pytest.approx(half, rel=1e-12)


def test_a_figure_agrees_with_another_within_its_half_unit() -> None:
    # 0.25 stands for [0.245, 0.255): it agrees with 0.2457; 0.0192 stands for [0.01915, 0.01925): not with 0.0175
    assert abs(0.25 - 0.2457) <= half_unit(Decimal("0.25"))
    assert abs(0.0192 - 0.0175) > half_unit(Decimal("0.0192"))


@pytest.mark.parametrize(("exponent", "half"), [(-2.0, 0.005), (0.0, 0.5), (3.0, 500.0), (-12.0, 5e-13)])
def test_half_unit_at_a_place(exponent: float, half: float) -> None:
    assert half_unit_at(exponent) == pytest.approx(half, rel=1e-12)


def test_half_unit_of_a_polars_expression_matches_the_decimal_one() -> None:
    written = ["0.25", "42099", "7.17E-8", "1500.50", "1E+2"]
    exponents = [float(Decimal(w).as_tuple().exponent) for w in written]
    frame = pl.DataFrame({"exponent": exponents})
    halves = frame.select(half_unit_at(pl.col("exponent")).alias("half"))["half"].to_list()
    assert halves == pytest.approx([half_unit(Decimal(w)) for w in written], rel=1e-12)
    assert halves == pytest.approx([half_unit_at(e) for e in exponents], rel=1e-12)


def test_half_unit_at_keeps_a_polars_expression_lazy() -> None:
    expr = half_unit_at(-pl.col("decimals"))
    assert isinstance(expr, pl.Expr)
    frame = pl.DataFrame({"decimals": [0, 2, 4]}, schema={"decimals": pl.Float64})
    assert frame.select(expr.alias("half"))["half"].to_list() == pytest.approx([0.5, 0.005, 0.00005], rel=1e-12)
