"""The assurer's sample of inputs: drawn with probability by each input's share of the group figure it feeds
(monetary-unit style: a figure that makes up most of a total is almost always tested, a crumb rarely),
reproducible from its seed, with any inputs the assurer names added first.

Each candidate gets the key log(u) / share with u drawn in a fixed order (indicator, entity, version)
from random.Random(seed); the `size` largest keys are the sample (weighted sampling without replacement,
Efraimidis and Spirakis, 2006). The same candidates and seed give the same sample on any machine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """An input that feeds a group figure, and its share of that figure."""

    observation_id: int
    entity: str
    indicator: str
    version: int
    sheet: str | None
    cell: str | None
    value: str  # in the catalog unit, as stored
    unit: str
    share: float  # |value| / |group figure|, 0..1

    @property
    def key(self) -> tuple[str, str, int]:
        return self.indicator, self.entity, self.version

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def shares(values: Iterable[tuple[Any, str, float]]) -> dict[Any, float]:
    """Each item's share of the total of its indicator: (item, indicator, value) -> item -> share."""
    rows = list(values)
    totals: dict[str, float] = {}
    for _item, indicator, value in rows:
        totals[indicator] = totals.get(indicator, 0.0) + abs(value)
    return {item: abs(value) / totals[indicator] if totals[indicator] else 0.0 for item, indicator, value in rows}


def draw(candidates: list[Candidate], size: int, seed: int, named: Iterable[tuple[str, str]] = ()) -> list[Candidate]:
    """The named inputs ((entity, indicator)), then `size` more drawn by share; reproducible from `seed`."""
    if size < 0:
        raise ValueError("a sample size is 0 or more")
    ordered = sorted(candidates, key=lambda c: c.key)
    wanted = set(named)
    first = [c for c in ordered if (c.entity, c.indicator) in wanted]
    rng = random.Random(seed)
    keyed = []
    for c in ordered:
        u = 1.0 - rng.random()  # in (0, 1]: every candidate draws, so the stream does not depend on the shares
        if c.share > 0 and c not in first:
            keyed.append((math.log(u) / c.share, c.key, c))
    keyed.sort(key=lambda k: (-k[0], k[1]))
    return first + [c for _, _, c in keyed[:size]]
