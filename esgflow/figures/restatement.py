"""What a restatement moved, and why: figures before and after, with the factors and returns behind each move.

A restatement recomputes a period from its approved returns (each entity's newest version the
ESG office approved; an excused entity has none) and today's factor registry: a newer version
still pending review, returned or rejected is left out and named, so no published figure moves
on a return nobody approved. Nothing else
may move a figure once computed, so the difference report is the whole story of a change:
each group figure that moved, from what to what, and the corrected factors or the newer
returns it rests on. A move of 5 % or more in a total is significant, the threshold
GHG-accounting practice sets for recalculating a base year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.cycle.states import ACCEPTED, APPROVED, EXCUSED, REJECTED, RETURNED
from esgflow.decimals import VALUE_DTYPE, tidy
from esgflow.factors import FactorRegistry
from esgflow.records import AuditRecord, SubmissionVersion

SIGNIFICANT = Decimal("0.05")


@dataclass(frozen=True)
class Change:
    indicator: str
    unit: str
    before: Decimal | None
    after: Decimal | None
    factors: tuple[str, ...]  # "code: old -> new unit" of each corrected or new factor it uses
    entities: tuple[str, ...]  # entities whose accepted return changed under it
    significant: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "before": None if self.before is None else str(self.before),
            "after": None if self.after is None else str(self.after),
            "factors": list(self.factors),
            "entities": list(self.entities),
            "significant": self.significant,
        }

    def line(self) -> str:
        why = [*(f"factor {f}" for f in self.factors), *(f"return of {e}" for e in self.entities)]
        mark = " (significant: 5 % or more)" if self.significant else ""
        cause = ", ".join(why) or "no recorded cause"
        return f"{self.indicator}: {_shown(self.before)} -> {_shown(self.after)} {self.unit}{mark}; because of {cause}"


def _shown(value: Decimal | None) -> str:
    return "none" if value is None else format(tidy(value), "f")


def is_total(ind: Indicator) -> bool:
    """A quantity that adds up (not a rate, share or intensity)."""
    return ind.dtype != "percent" and "/" not in ind.unit


def factor_names(ind: Indicator, catalog: Catalog) -> set[str]:
    """Every factor name a figure rests on, through the formulas of the figures it uses."""
    names: set[str] = set()
    for name in ind.formula_inputs():
        names |= factor_names(catalog[name], catalog) if name in catalog else {name}
    return names


def corrected_factors(old: FactorRegistry, new: FactorRegistry) -> dict[str, str]:
    """name -> descriptions of the factors that differ between two registries (changed, added or removed)."""
    before = {f.code: f for f in old.factors}
    after = {f.code: f for f in new.factors}
    out: dict[str, list[str]] = {}
    for code in sorted(before.keys() | after.keys()):
        b, a = before.get(code), after.get(code)
        if (
            b is not None
            and a is not None
            and (b.value, b.unit, b.valid_from, b.valid_to)
            == (
                a.value,
                a.unit,
                a.valid_from,
                a.valid_to,
            )
        ):
            continue
        if b is not None and a is not None:
            text = f"{code}: {b.value} -> {a.value} {a.unit}"
        elif a is not None:
            text = f"{code}: new, {a.value} {a.unit}"
        else:
            assert b is not None
            text = f"{code}: withdrawn ({b.value} {b.unit})"
        out.setdefault((a or b).name, []).append(text)  # type: ignore[union-attr]
    choices = sorted(k for k in old.choices.keys() | new.choices.keys() if old.choices.get(k) != new.choices.get(k))
    for key in choices:
        for f in new.factors:
            if f.choice == key:
                out.setdefault(f.name, []).append(f"choice {key}: {old.choices.get(key)} -> {new.choices.get(key)}")
    return {name: "; ".join(dict.fromkeys(texts)) for name, texts in out.items()}


def changes(
    before: pl.DataFrame,
    after: pl.DataFrame,
    catalog: Catalog,
    old: FactorRegistry,
    new: FactorRegistry,
    moved_entities: dict[str, tuple[str, ...]],
) -> list[Change]:
    """Group figures that moved: before/after frames of (indicator, value) for the group scope.

    moved_entities: indicator -> entities whose observations under it are not the same as before.
    """
    joined = (
        before.select("indicator", pl.col("value").cast(VALUE_DTYPE).alias("before"))
        .join(after.select("indicator", pl.col("value").cast(VALUE_DTYPE).alias("after")), on="indicator", how="full")
        .with_columns(pl.coalesce("indicator", "indicator_right").alias("indicator"))
        .drop("indicator_right")
    )
    corrected = corrected_factors(old, new)
    out: list[Change] = []
    order = {code: n for n, code in enumerate(catalog.codes)}
    for row in sorted(joined.iter_rows(named=True), key=lambda r: order.get(r["indicator"], len(order))):
        code, b, a = row["indicator"], row["before"], row["after"]
        if code not in catalog or _same(b, a):
            continue
        ind = catalog[code]
        factors = tuple(corrected[n] for n in sorted(factor_names(ind, catalog)) if n in corrected)
        moved = b is None or a is None or (b != 0 and abs(a - b) >= SIGNIFICANT * abs(b)) or (b == 0 and a != 0)
        out.append(Change(code, ind.unit, b, a, factors, moved_entities.get(code, ()), is_total(ind) and moved))
    return out


def _same(before: Decimal | None, after: Decimal | None) -> bool:
    if before is None or after is None:
        return before is after
    # stored figures keep twelve significant digits; a recomputation may differ in the last
    return abs(before - after) <= Decimal("1e-9") * max(abs(before), abs(after), Decimal(1))


@dataclass(frozen=True)
class LeftOut:
    """A version newer than the one a restatement used, and why it was not used."""

    entity: str
    version: int
    state: str  # pending review, returned, rejected

    def line(self) -> str:
        return f"{self.entity} version {self.version} ({self.state})"


@dataclass(frozen=True)
class Basis:
    """What a restatement rests on: entity -> the approved version used; newer ones left out; excused ones."""

    used: dict[str, int]
    left_out: list[LeftOut]
    excused: list[str]


def approved_basis(versions: Iterable[SubmissionVersion], decisions: Iterable[AuditRecord]) -> Basis:
    """Each entity's newest approved version, and every newer version it leaves out with its state."""
    decisions = list(decisions)
    decided: dict[tuple[str, int], str] = {}
    for d in decisions:
        if d.action in (APPROVED, RETURNED) and d.entity and d.version is not None:
            decided[(d.entity, d.version)] = d.action  # in trail order: the last decision stands
    by_entity: dict[str, list[SubmissionVersion]] = {}
    for v in sorted(versions, key=lambda v: (v.entity, v.arrived_at, v.version)):
        by_entity.setdefault(v.entity, []).append(v)
    used: dict[str, int] = {}
    left_out: list[LeftOut] = []
    for entity, vs in by_entity.items():
        approved = [i for i, v in enumerate(vs) if decided.get((entity, v.version)) == APPROVED]
        start = approved[-1] + 1 if approved else 0
        if approved:
            used[entity] = vs[approved[-1]].version
        for v in vs[start:]:
            state = decided.get((entity, v.version))
            why = "returned" if state == RETURNED else "rejected" if v.status == REJECTED else "pending review"
            if v.status in ACCEPTED or v.status == REJECTED:
                left_out.append(LeftOut(entity, v.version, why))
    excused = sorted({d.entity for d in decisions if d.action == EXCUSED and d.entity and d.entity not in used})
    return Basis(used, left_out, excused)


@dataclass(frozen=True)
class RestatementResult:
    period: str
    number: int
    reason: str
    changes: list[Change]
    significant: bool
    basis: Basis = field(default_factory=lambda: Basis({}, [], []))
    recalculate: tuple[str, ...] = ()  # base years the restatement moved past the threshold (issue 28.3)
