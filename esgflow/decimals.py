"""Decimal helpers shared by parsing, staging and reporting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def __getattr__(name: str) -> Any:
    """VALUE_DTYPE, made on first use: polars is not imported by a command that only formats
    decimals (`status`), since its import costs a quarter of a second of every cold start."""
    if name == "VALUE_DTYPE":
        import polars as pl

        # Exact decimals in frames: 38 digits with 12 after the point hold every figure a return can carry.
        globals()["VALUE_DTYPE"] = dtype = pl.Decimal(38, 12)
        return dtype
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def tidy(value: Decimal) -> Decimal:
    """The value without padding zeros and without an exponent: 1500.500000 -> 1500.5, 1E+2 -> 100."""
    if value == 0:
        return Decimal(0)
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal


def significant(value: Decimal, digits: int = 15) -> Decimal:
    """The value to `digits` significant digits, tidied: a stored double carries 15."""
    if value == 0:
        return Decimal(0)
    return tidy(value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1)))
