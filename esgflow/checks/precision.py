"""Precision: a figure agrees with another when they match at the precision it was written with.

A ratio published as 0.25 stands for anything in [0.245, 0.255), so it agrees with 0.2457;
one published as 0.0192 stands for [0.01915, 0.01925) and does not agree with 0.0175.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import polars as pl

Exponent = TypeVar("Exponent", float, pl.Expr)


def half_unit_at(exponent: Exponent) -> Exponent:
    """Half a unit in the place 10**exponent: the rounding of a figure written to that place.

    Works on a number or on a polars expression, so that frames and single figures agree.
    """
    return 0.5 * 10.0**exponent


def half_unit(value: Decimal) -> float:
    """Half a unit in the last written place: 0.25 -> 0.005, 42099 -> 0.5, 7.17E-8 -> 5E-11."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return half_unit_at(float(exponent))
