"""Precision: a figure agrees with another when they match at the precision it was written with.

A ratio published as 0.25 stands for anything in [0.245, 0.255), so it agrees with 0.2457;
one published as 0.0192 stands for [0.01915, 0.01925) and does not agree with 0.0175.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal


def half_unit(value: Decimal) -> float:
    """Half a unit in the last written place: 0.25 -> 0.005, 42099 -> 0.5, 7.17E-8 -> 5E-11."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent


def propagated(
    evaluate: Callable[[Mapping[str, float]], float | None], inputs: Mapping[str, float], halves: Mapping[str, float]
) -> float:
    """First-order spread of a formula's result when each input may be off by its half unit."""
    base = evaluate(inputs)
    if base is None:
        return 0.0
    spread = 0.0
    for name, half in halves.items():
        if half == 0:
            continue
        moved = evaluate({**inputs, name: inputs[name] + half})
        if moved is not None:
            spread += abs(moved - base)
    return spread
