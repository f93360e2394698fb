"""How a figure was made: its formula or sum, down to workbook cells and cited factors.

The explanation is recomputed from the observations the stored figure names as its
sources and the factor set its period is pinned to, with the functions consolidation
uses; so its numbers add up to the figure shown, and a mismatch is said, not hidden.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from esgflow.catalog import Catalog, Indicator
from esgflow.cycle.review import Newer
from esgflow.entities import ancestry
from esgflow.factors import FactorRegistry, Resolved
from esgflow.figures import scope3
from esgflow.figures.formulas import asked_formula, catalog_formula, formula_names
from esgflow.figures.per_entity import factors_at, split_input, split_shares, terms_of
from esgflow.records import AuditRecord, StoredFigure


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
    # the trail of its return (issue 26.12): the file's SHA-256 (names repeat across versions), who sent it and
    # how (portal user, mail sender, folder), who approved it and when
    sha256: str | None = None
    submitted_by: str | None = None
    channel: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None


@dataclass(frozen=True)
class Trail:
    """Where one version of a return came from and who approved it, from the audit trail."""

    sha256: str | None = None
    submitted_by: str | None = None
    channel: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None


def trails(events: Iterable[AuditRecord]) -> dict[tuple[str, int], Trail]:
    """(entity, version) -> its Trail, from the `judged` and `approved` audit events of a period."""
    out: dict[tuple[str, int], Trail] = {}
    for e in events:
        if e.entity is None or e.version is None:
            continue
        key, detail = (e.entity, e.version), e.detail or {}
        was = out.get(key, Trail())
        if e.action == "judged":
            hashed, by, via = detail.get("content_hash"), detail.get("submitted_by"), detail.get("channel")
            out[key] = replace(was, sha256=hashed, submitted_by=by, channel=via)
        elif e.action == "approved":
            out[key] = replace(was, approved_by=e.actor, approved_at=e.at.isoformat())
    return out


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
    trails: Mapping[tuple[str, int], Trail] = field(default_factory=dict)  # (entity, version) -> its Trail

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
                replace(
                    total,
                    value=r["value"],
                    reported=f"{r['original_value'] or r['value']} {unit}".strip(),
                    sheet=r["sheet"],
                    cell=r["cell"],
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
                **_trail_of(self.trails.get((r["entity"], r["version"]))),
            )
            for r in rows.iter_rows(named=True)
        ]


def entities_in(node: Node) -> set[str]:
    """Every entity whose cells the figure was made from."""
    return {c.entity for c in node.cells} | {e for child in node.children for e in entities_in(child)}


def _trail_of(trail: Trail | None) -> dict[str, str | None]:
    return {f.name: getattr(trail, f.name) for f in fields(Trail)} if trail else {}


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
        for term in terms_of(ind, ctx.catalog):
            cells = [c for name in term.inputs for c in ctx.cells(name, [entity])]
            if len(cells) < len(term.inputs):
                continue  # an input left blank: the term contributes nothing, as in consolidation
            chosen = factors_at(ind, ctx.catalog, ctx.factors, ctx.on, place, [term])
            values = {c.indicator: float(c.value) for c in cells}
            how = f"{'' if term.sign > 0 else 'minus '}{term.text}"
            if label := scope3.line_label(ctx.catalog, term.inputs):
                how += f" [{label}]"  # a Scope 3 line says its method and whether its data are primary
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
    children = [explain(n, scope, ctx) for n in ind.formula_inputs() if n in ctx.catalog]
    # inputs of a newer template that this scope has no figure for drop out, as in consolidation
    formula = asked_formula(ind, ctx.catalog, {c.indicator for c in children if c.value is not None})
    if formula is None:
        return Node(ind.code, scope, None, ind.unit, f"formula: {ind.formula}", children=children)
    names = formula_names(formula)
    children = [c for c in children if c.indicator in names]
    chosen = {n: ctx.factors.resolve_at(n, ctx.on) for n in ind.formula_inputs() if n in names and n not in ctx.catalog}
    values = {c.indicator: c.value for c in children}
    if ind.code == scope3.TOTAL:
        # Scope 3's total adds the categories that have a figure (screened relevant and approved):
        # its sources are theirs only, so a category left out explains to no figure here.
        kept = [c for c in children if c.value is not None]
        total = sum(c.value for c in kept if c.value is not None) if kept else None
        how = "sum of the categories screened relevant and approved: " + " + ".join(c.indicator for c in kept)
        return Node(ind.code, scope, total, ind.unit, how, children=kept)
    value = _evaluate(formula, ind.unit, values, ctx, chosen) if all(v is not None for v in values.values()) else None
    uses = [_use(r) for r in chosen.values()]
    return Node(ind.code, scope, value, ind.unit, f"formula: {formula}", children=children, factors=uses)


def render(node: Node, catalog: Catalog, depth: int = 0, group: str | None = None) -> list[str]:
    """The explanation as indented lines for people; the root of the tree is called the group, since its
    code (HQ) is also the head office's own entity."""
    pad = "  " * depth
    name = catalog[node.indicator].name_en if node.indicator in catalog else node.indicator
    shown = "no figure" if node.value is None else f"{node.value:,.6g} {node.unit}"
    scope = "the group" if node.scope == group else node.scope
    lines = [f"{pad}{node.indicator} ({name}) for {scope}: {shown} = {node.how}"]
    for c in node.cells:
        where = f"{c.file}, sheet {c.sheet}, cell {c.cell}" if c.cell else c.file
        mark = ", estimated" if c.estimated else ""
        lines.append(f"{pad}  cell: {c.entity} v{c.version} {c.indicator} = {c.reported}{mark} ({where})")
        lines += [f"{pad}    {line}" for line in _trail_lines(c)]
    for f in node.factors:
        vintage = f", vintage {f.vintage}" if f.vintage else ""
        region = f", {f.region}" if f.region else ""
        fallback = f" [{f.fallback}]" if f.fallback else ""
        lines.append(
            f"{pad}  factor: {f.code} = {f.value} {f.unit}{region}{vintage}; {f.publisher}; {f.source}; "
            f"looked up {f.looked_up}{fallback}"
        )
    for child in node.children:
        lines += render(child, catalog, depth + 1, group)
    return lines


def _trail_lines(c: CellRef) -> list[str]:
    """The return a cell came from: its file's SHA-256, who sent it and how, who approved it and when."""
    out = [f"sha256 {c.sha256}"] if c.sha256 else []
    if c.submitted_by:
        out.append(f"sent by {c.submitted_by} via {c.channel}")
    out.append(f"approved by {c.approved_by} at {c.approved_at}" if c.approved_by else "not approved by the office")
    return out


@dataclass(frozen=True)
class Explanation:
    period: str
    stored: StoredFigure
    tree: Node
    group: str | None = None  # the root of the entity tree: its figures are the group's
    # versions of its entities' returns newer than the ones in the figure, as `status` lists them (entity, Newer)
    newer: tuple[tuple[str, Newer], ...] = ()

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
            "scope_is_group": self.stored.scope == self.group,
            "basis": self.stored.basis,
            "value": str(self.stored.value),
            "agrees": self.agrees(),
            "explanation": self.tree.to_json(),
            "newer_versions": [{"entity": e, **asdict(n)} for e, n in self.newer],
        }

    def lines(self, catalog: Catalog) -> list[str]:
        s = self.stored
        scope = "the group" if s.scope == self.group else s.scope
        head = [f"{s.indicator} for {scope}, {self.period} ({s.basis}): {s.value} {catalog[s.indicator].unit}"]
        if not self.agrees():
            head.append(f"WARNING: recomputing from its sources gives {self.tree.value}, not the stored figure")
        for entity, n in self.newer:
            what = n.state.replace("_", " ") + (", a late correction" if n.late_correction else "")
            head.append(f"not in this figure: {entity} version {n.version} ({what})")
        return head + render(self.tree, catalog, group=self.group)


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
