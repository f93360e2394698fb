"""How a figure was made: its formula or sum, down to workbook cells and cited factors.

The explanation is recomputed from the observations the stored figure names as its
sources and the factor set its period is pinned to, with the functions consolidation
uses; so its numbers add up to the figure shown, and a mismatch is said, not hidden.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.entities import ancestry
from esgflow.factors import FactorRegistry, Resolved
from esgflow.figures import scope3
from esgflow.figures.formulas import catalog_formula
from esgflow.figures.per_entity import factors_at, split_input, split_shares, terms_of
from esgflow.records import StoredFigure


@dataclass(frozen=True)
class CellRef:
    """A reported value and where it was typed in."""

    observation_id: int
    entity: str
    indicator: str
    value: Decimal  # in the catalog unit
    reported: str  # as typed, with its unit
    version: int
    file: str
    sheet: str | None
    cell: str | None
    estimated: bool = False  # the reporter marked the figure as an estimate


@dataclass(frozen=True)
class FactorUse:
    code: str
    name: str
    value: Decimal
    unit: str
    vintage: int | None
    region: str | None
    publisher: str
    source: str
    looked_up: str
    fallback: str | None = None
    publication: str = ""  # the official publication (title, number, date) ...
    url: str = ""  # ... on its publisher's own site ...
    transcription: str = ""  # ... and, apart, the third party's copy that was read


@dataclass
class Node:
    indicator: str
    scope: str  # the entity whose subtree (or own figure) this is
    value: float | None
    unit: str
    how: str
    children: list[Node] = field(default_factory=list)
    cells: list[CellRef] = field(default_factory=list)
    factors: list[FactorUse] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        return _plain(out)  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _use(chosen: Resolved) -> FactorUse:
    f = chosen.factor
    return FactorUse(
        f.code, f.name, f.value, f.unit, f.vintage, f.region, f.publisher, f.source, f.looked_up.isoformat(),
        chosen.fallback, f.publication, f.url, f.transcription,
    )  # fmt: skip


@dataclass(frozen=True)
class Context:
    catalog: Catalog
    factors: FactorRegistry
    observations: pl.DataFrame  # observations_by_id: with entity, indicator, value, file, sheet, cell
    parents: Mapping[str, str | None]
    locations: Mapping[str, str]
    on: date
    splits: pl.DataFrame | None = None  # observations.splits_of the observations: where parts of an input were used

    def split_rows(self, total: CellRef) -> list[tuple[str, float, CellRef]]:
        """(place, share, split cell) of each row an observation was split into, in row order."""
        if self.splits is None or self.splits.is_empty():
            return []
        rows = split_shares(self.splits.filter(pl.col("observation_id") == total.observation_id))
        unit = total.reported.split(" ", 1)[1] if " " in total.reported else ""
        return [
            (
                r["location"],
                r["share"],
                CellRef(
                    total.observation_id,
                    total.entity,
                    total.indicator,
                    r["value"],
                    f"{r['original_value'] or r['value']} {unit}".strip(),
                    total.version,
                    total.file,
                    r["sheet"],
                    r["cell"],
                    total.estimated,
                ),
            )
            for r in rows.iter_rows(named=True)
        ]

    def members(self, scope: str) -> list[str]:
        return sorted(e for e, s in ancestry(dict(self.parents)) if s == scope)

    def cells(self, indicator: str, entities: list[str]) -> list[CellRef]:
        rows = self.observations.filter(
            (pl.col("indicator") == indicator) & pl.col("entity").is_in(entities) & pl.col("value").is_not_null()
        )
        return [
            CellRef(
                r["observation_id"],
                r["entity"],
                r["indicator"],
                r["value"],
                f"{r['original_value'] or r['value']} {r['original_unit'] or ''}".strip(),
                r["version"],
                r["file"],
                r["sheet"],
                r["cell"],
                bool(r["estimated"]),
            )
            for r in rows.iter_rows(named=True)
        ]


def explain(code: str, scope: str, ctx: Context) -> Node:
    """The explanation tree of one figure of a scope."""
    ind = ctx.catalog[code]
    if ind.consolidation in ("sum", "group"):
        who = [scope] if ind.consolidation == "group" else ctx.members(scope)
        cells = ctx.cells(code, who)
        total = sum((c.value for c in cells), Decimal(0))
        how = f"sum of {len(cells)} reported figures" if ind.consolidation == "sum" else f"reported by {scope}"
        return Node(code, scope, float(total) if cells else None, ind.unit, how, cells=cells)
    if ind.consolidation == "weighted_average":
        assert ind.weight
        cells = ctx.cells(code, ctx.members(scope)) + ctx.cells(ind.weight, ctx.members(scope))
        values = {c.entity: c.value for c in cells if c.indicator == code}
        weights = {c.entity: c.value for c in cells if c.indicator == ind.weight}
        both = [e for e in values if e in weights]
        weight = sum((weights[e] for e in both), Decimal(0))
        value = float(sum(values[e] * weights[e] for e in both) / weight) if weight else None
        return Node(code, scope, value, ind.unit, f"average weighted by {ind.weight}", cells=cells)
    if ind.consolidation == "per_entity":
        children = [n for e in ctx.members(scope) if (n := _entity_node(ind, e, ctx)) is not None]
        value = sum(n.value for n in children if n.value is not None) if children else None
        how = f"sum of {len(children)} entity figures, each with the factors of its location"
        return Node(code, scope, value, ind.unit, how, children=children)
    return _derived_node(ind, scope, ctx)


def _evaluate(
    formula: str, unit: str, values: Mapping[str, float | None], ctx: Context, chosen: Mapping[str, Resolved]
) -> float | None:
    frame = pl.DataFrame({k: [v] for k, v in values.items()}, schema={k: pl.Float64 for k in values})
    expr = catalog_formula(formula, unit, ctx.catalog, lambda name: chosen[name].factor)
    result = frame.select(expr.alias("v"))["v"].item()
    return None if result is None else float(result)


def _entity_node(ind: Indicator, entity: str, ctx: Context) -> Node | None:
    """An entity's figure term by term; a split input's terms once per split row, at its place."""
    registered = ctx.locations.get(entity)
    split = split_input(ind, ctx.catalog)
    totals = ctx.cells(split, [entity]) if split else []
    rows = ctx.split_rows(totals[0]) if totals else []
    places: list[tuple[str | None, float, CellRef | None]] = [(p, share, c) for p, share, c in rows]
    terms: list[Node] = []
    for place, share, split_cell in places or [(registered, 1.0, None)]:
        chosen = factors_at(ind, ctx.catalog, ctx.factors, ctx.on, place)
        for term in terms_of(ind, ctx.catalog):
            cells = [c for name in term.inputs for c in ctx.cells(name, [entity])]
            if len(cells) < len(term.inputs):
                continue  # an input left blank: the term contributes nothing, as in consolidation
            values = {c.indicator: float(c.value) for c in cells}
            how = f"{'' if term.sign > 0 else 'minus '}{term.text}"
            if split_cell is not None and split in term.inputs:
                values[split] = float(split_cell.value)
                cells = [split_cell if c.indicator == split else c for c in cells]
                how += f" at {place} (split row {split_cell.cell})"
            elif split_cell is not None:
                how += f" at {place}, {share:.2%} of the split"
            value = _evaluate(term.text, ind.unit, values, ctx, chosen)
            if value is None:
                continue
            weight = 1.0 if split_cell is None or split in term.inputs else share
            uses = [_use(chosen[name]) for name in term.factors]
            terms.append(Node(ind.code, entity, term.sign * value * weight, ind.unit, how, cells=cells, factors=uses))
    if not terms:
        return None
    total = sum(t.value for t in terms if t.value is not None)
    where = ", ".join(p for p, _, _ in rows) + f" (split of {split})" if rows else registered or "CN"
    return Node(ind.code, entity, total, ind.unit, f"{ind.formula} at {where}", children=terms)


def _derived_node(ind: Indicator, scope: str, ctx: Context) -> Node:
    assert ind.formula
    names = ind.formula_inputs()
    children = [explain(n, scope, ctx) for n in names if n in ctx.catalog]
    chosen = {n: ctx.factors.resolve_at(n, ctx.on) for n in names if n not in ctx.catalog}
    values = {c.indicator: c.value for c in children}
    if ind.code == scope3.TOTAL:
        # Scope 3's total adds the categories that have a figure (screened relevant and approved):
        # its sources are theirs only, so a category left out explains to no figure here.
        kept = [c for c in children if c.value is not None]
        total = sum(c.value for c in kept if c.value is not None) if kept else None
        how = "sum of the categories screened relevant and approved: " + " + ".join(c.indicator for c in kept)
        return Node(ind.code, scope, total, ind.unit, how, children=kept)
    value = (
        _evaluate(ind.formula, ind.unit, values, ctx, chosen) if all(v is not None for v in values.values()) else None
    )
    uses = [_use(r) for r in chosen.values()]
    return Node(ind.code, scope, value, ind.unit, f"formula: {ind.formula}", children=children, factors=uses)


def render(node: Node, catalog: Catalog, depth: int = 0) -> list[str]:
    """The explanation as indented lines for people."""
    pad = "  " * depth
    name = catalog[node.indicator].name_en if node.indicator in catalog else node.indicator
    shown = "no figure" if node.value is None else f"{node.value:,.6g} {node.unit}"
    lines = [f"{pad}{node.indicator} ({name}) for {node.scope}: {shown} = {node.how}"]
    for c in node.cells:
        where = f"{c.file}, sheet {c.sheet}, cell {c.cell}" if c.cell else c.file
        mark = ", estimated" if c.estimated else ""
        lines.append(f"{pad}  cell: {c.entity} v{c.version} {c.indicator} = {c.reported}{mark} ({where})")
    for f in node.factors:
        vintage = f", vintage {f.vintage}" if f.vintage else ""
        region = f", {f.region}" if f.region else ""
        fallback = f" [{f.fallback}]" if f.fallback else ""
        lines.append(
            f"{pad}  factor: {f.code} = {f.value} {f.unit}{region}{vintage}; {f.publisher}; {f.source}; "
            f"looked up {f.looked_up}{fallback}"
        )
    for child in node.children:
        lines += render(child, catalog, depth + 1)
    return lines


@dataclass(frozen=True)
class Explanation:
    period: str
    stored: StoredFigure
    tree: Node

    def agrees(self) -> bool:
        """Whether the recomputed explanation gives the stored figure (to its twelve significant digits)."""
        if self.tree.value is None:
            return False
        stored = float(self.stored.value)
        return abs(self.tree.value - stored) <= 1e-9 * max(abs(stored), 1.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "indicator": self.stored.indicator,
            "scope": self.stored.scope,
            "basis": self.stored.basis,
            "value": str(self.stored.value),
            "agrees": self.agrees(),
            "explanation": self.tree.to_json(),
        }

    def lines(self, catalog: Catalog) -> list[str]:
        s = self.stored
        head = [f"{s.indicator} for {s.scope}, {self.period} ({s.basis}): {s.value} {catalog[s.indicator].unit}"]
        if not self.agrees():
            head.append(f"WARNING: recomputing from its sources gives {self.tree.value}, not the stored figure")
        return head + render(self.tree, catalog)


def nearest_indicator(asked: str, catalog: Catalog) -> Indicator | None:
    """The indicator someone most likely meant: the code in lower case (ENV_GHG_TOTAL), its Chinese or English
    name (温室气体排放总量), or the closest code or name by spelling; None when nothing is close."""
    text = asked.strip()
    if text.lower() in catalog:
        return catalog[text.lower()]
    names = {ind.name_zh: ind for ind in catalog.indicators} | {ind.name_en.lower(): ind for ind in catalog.indicators}
    if text in names or text.lower() in names:
        return names.get(text) or names[text.lower()]
    containing = [ind for ind in catalog.indicators if text and (text in ind.name_zh or ind.name_zh in text)]
    if len(containing) == 1:
        return containing[0]
    by_code = difflib.get_close_matches(text.lower().replace(" ", "_"), catalog.codes, n=1, cutoff=0.6)
    if by_code:
        return catalog[by_code[0]]
    by_name = difflib.get_close_matches(text.lower(), list(names), n=1, cutoff=0.5)
    return names[by_name[0]] if by_name else None


def unknown_indicator(asked: str, catalog: Catalog) -> str:
    """'unknown indicator X', with the code meant if one is close."""
    found = nearest_indicator(asked, catalog)
    hint = f"; did you mean {found.code} ({found.name_zh} / {found.name_en})?" if found else ""
    return f"unknown indicator {asked!r}{hint}"
