"""The indicator catalog: load `catalog/indicators.yaml` into typed records and check it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from esgflow import EsgflowError, glossary
from esgflow.registers import Table, parse_tables, table_problems

# per_entity: a formula over an entity's own inputs and the factors of where it is (an
# emission), summed up the tree like a reported figure.
# screened: a Scope 3 category no template asks activity data for; it has no figure, and its row
# shows the category's screening state (esgflow.figures.scope3), never a zero.
Consolidation = Literal["sum", "group", "derived", "weighted_average", "per_entity", "screened"]
COMPUTED = ("derived", "per_entity")
NOT_REPORTED = (*COMPUTED, "screened")
DType = Literal["integer", "decimal", "percent"]

PILLARS = ("econ", "env", "soc", "gov")
ENTITY_KINDS = (
    "headquarters",
    "design_institute",
    "survey_institute",
    "construction",
    "equipment",
    "technology",
    "engineering",
    "investment",
    "branch",
    "overseas",
)
FRAMEWORKS = ("hkex", "sse", "gri", "cass")


# libyaml's parser where PyYAML was built with it: the same documents in a fifth of the time. Every command
# that validates reads the catalog, the factors and the template layout, a few tenths of a second in pure Python.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """YAML text as plain data (safe: no Python objects), with libyaml where it is there."""
    return yaml.load(text, Loader=YAML_LOADER)


@dataclass(frozen=True)
class Rules:
    min: float | None = None
    max: float | None = None
    not_above: str | None = None


@dataclass(frozen=True)
class Split:
    """A template may split an input by where it was used (`split: {by: location, rows: 6}`).

    Per-entity formulas then evaluate the input's location-dependent terms per split row
    with that row's location (a province's grid factor); without a split, the entity's
    registered location applies. A split is new in templates, so it has a version of its own.
    """

    by: Literal["location"]
    rows: int
    template_version: str = "1"


@dataclass(frozen=True)
class Scope3Line:
    """What a Scope 3 activity input is: its category (1-15 of the GHG Protocol), the method of the
    line it feeds (`average-data`, `distance-based`, `spend-based`, ...) and whether its data are
    primary (the entity's own records) or secondary; every line of the category's figure says so."""

    category: int
    method: str
    primary: bool


@dataclass(frozen=True)
class EvidenceNeed:
    """The documents a figure needs behind it (`evidence: {zh: ..., en: ..., above: N}`): required once the
    figure is above N in its reporting unit (0: whenever it is reported above zero)."""

    what_zh: str
    what_en: str
    above: float = 0.0


@dataclass(frozen=True)
class Indicator:
    code: str
    pillar: str
    name_zh: str
    name_en: str
    unit: str
    unit_zh: str
    input_unit: str | None
    dtype: DType
    reported_by: str | tuple[str, ...]
    consolidation: Consolidation
    formula: str | None
    weight: str | None
    rules: Rules
    breakdowns: tuple[tuple[str, ...], ...]
    yoy_threshold: float | None
    decimals: int
    appendix: bool
    disclosure: dict[str, tuple[str, ...]]
    # Template versions are positive integer strings: the first version that asks for this input,
    # and the first that no longer does (the indicator stays for history and the appendix).
    template_version: str = "1"
    retired_in: str | None = None
    split: Split | None = None
    scope3: Scope3Line | None = None
    evidence: EvidenceNeed | None = None
    # inputs this one does not count (the waste routes exclude construction waste, asked on its own row):
    # the template says so beside the name, so a reporter does not count the same tonnes twice
    excludes: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def is_input(self) -> bool:
        """Whether reporters type this figure in (derived and per-entity figures are computed, and a
        screened Scope 3 category has no figure)."""
        return self.consolidation not in NOT_REPORTED

    @property
    def group_only(self) -> bool:
        return self.reported_by == "group"

    def reported_by_kind(self, kind: str) -> bool:
        """Whether an entity of this kind fills in the indicator in its template."""
        if self.reported_by == "all":
            return True
        if self.reported_by == "group":
            return kind == "headquarters"
        return kind in self.reported_by

    def in_template(self, version: str) -> bool:
        """Whether the template of this version asks for this input."""
        v = int(version)
        return int(self.template_version) <= v and (self.retired_in is None or v < int(self.retired_in))

    def split_in(self, version: str) -> Split | None:
        """The split the template of this version offers for this input, if any."""
        if self.split is None or not self.in_template(version) or int(version) < int(self.split.template_version):
            return None
        return self.split

    def formula_inputs(self) -> list[str]:
        """Names a formula refers to: indicator codes and factor codes, in order of appearance."""
        return list(formula_names(self.formula)) if self.formula else []


@cache
def formula_names(formula: str) -> tuple[str, ...]:
    """The names a formula refers to, parsed once per formula: a template's layout asks for them of every
    indicator for every row (about 27,000 parses per template, two thirds of writing the demo's 33)."""
    names = [n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name)]
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[Indicator, ...]
    pillars: dict[str, dict[str, str]]
    # The template version from which every input row has an actual/estimated column (None: none does).
    # Older templates had none, so each of their figures is read as not marked, i.e. actual.
    estimate_marks_from: str | None = None
    tables: tuple[Table, ...] = ()  # the registers a return answers row by row (esgflow.registers)
    by_code: dict[str, Indicator] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {i.code: i for i in self.indicators})

    def __getitem__(self, code: str) -> Indicator:
        return self.by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def answer_name(self, code: str, lang: str) -> str:
        """What answers a framework item, named for people: an indicator's name, or a register's (tbl_sites)."""
        if code in self.by_code:
            return self.by_code[code].name(lang)
        if code == "scope3_screening":  # esgflow.figures.scope3.SCREENING: the approved screening
            return glossary.SCOPE3_SCREENING[0 if lang == "zh" else 1]
        table = next((t for t in self.tables if t.list_name == code), None)
        return code if table is None else (table.zh if lang == "zh" else table.en)

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def appendix(self) -> list[Indicator]:
        """Rows of the published appendix table, in its order."""
        return [i for i in self.indicators if i.appendix]

    @cached_property  # asked for every cell a return is read with; a catalog does not change once loaded
    def template_version(self) -> str:
        """The current template version: the newest any entry names, so a new input raises it by itself."""
        versions = [int(i.template_version) for i in self.indicators]
        versions += [int(i.retired_in) for i in self.indicators if i.retired_in]
        versions += [int(i.split.template_version) for i in self.indicators if i.split]
        versions += [int(c.template_version) for t in self.tables for c in t.columns if c.template_version.isdigit()]
        if self.estimate_marks_from and is_template_version(self.estimate_marks_from):
            versions.append(int(self.estimate_marks_from))
        return str(max(versions, default=1))

    def marks_estimates(self, version: str) -> bool:
        """Whether the template of `version` has the actual/estimated column."""
        start = self.estimate_marks_from
        return start is not None and is_template_version(start) and int(version) >= int(start)

    def knows_template_version(self, version: str) -> bool:
        """Whether `version` is a template version up to the current one (older ones are still read)."""
        return is_template_version(version) and int(version) <= int(self.template_version)

    def inputs_for_kind(self, kind: str, version: str | None = None) -> list[Indicator]:
        """Indicators an entity of this kind fills in, in catalog order, in the template of `version`
        (the current one by default)."""
        v = version or self.template_version
        return [i for i in self.indicators if i.is_input and i.reported_by_kind(kind) and i.in_template(v)]

    def derived_in_order(self) -> list[Indicator]:
        """Derived indicators ordered so that every formula comes after the figures it uses."""
        derived = {i.code: i for i in self.indicators if i.consolidation == "derived"}
        ordered: list[Indicator] = []
        done: set[str] = set()

        def visit(code: str, path: tuple[str, ...]) -> None:
            if code in done:
                return
            if code in path:
                raise EsgflowError(f"catalog: formula cycle {' -> '.join((*path, code))}")
            for name in derived[code].formula_inputs():
                if name in derived:
                    visit(name, (*path, code))
            done.add(code)
            ordered.append(derived[code])

        for code in derived:
            visit(code, ())
        return ordered


FIELDS = {
    "code",
    "pillar",
    "name",
    "unit",
    "unit_zh",
    "input_unit",
    "dtype",
    "reported_by",
    "consolidation",
    "formula",
    "weight",
    "rules",
    "breakdowns",
    "yoy_threshold",
    "decimals",
    "appendix",
    "disclosure",
    "template_version",
    "retired_in",
    "split",
    "scope3",
    "evidence",
    "excludes",
}


def is_template_version(text: object) -> bool:
    """A template version is written as a positive integer without leading zeros ("1", "2")."""
    return isinstance(text, str) and re.fullmatch(r"[1-9][0-9]*", text) is not None


def _indicator(raw: dict[str, Any]) -> Indicator:
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise EsgflowError(f"catalog: indicator {raw.get('code')!r} has fields esgflow does not read: {unknown}")
    rules = raw.get("rules") or {}
    return Indicator(
        code=raw["code"],
        pillar=raw["pillar"],
        name_zh=raw["name"]["zh"],
        name_en=raw["name"]["en"],
        unit=str(raw["unit"]),
        unit_zh=str(raw["unit_zh"]),
        input_unit=raw.get("input_unit"),
        dtype=raw["dtype"],
        reported_by=raw["reported_by"] if isinstance(raw["reported_by"], str) else tuple(raw["reported_by"]),
        consolidation=raw["consolidation"],
        formula=raw.get("formula"),
        weight=raw.get("weight"),
        rules=Rules(min=rules.get("min"), max=rules.get("max"), not_above=rules.get("not_above")),
        breakdowns=tuple(tuple(b) for b in raw.get("breakdowns") or ()),
        yoy_threshold=raw.get("yoy_threshold"),
        decimals=int(raw["decimals"]),
        appendix=bool(raw.get("appendix", False)),
        disclosure={k: tuple(str(x) for x in (raw.get("disclosure") or {}).get(k, ())) for k in FRAMEWORKS},
        # str(): YAML reads template_version: 2 as a number; validate() judges the text
        template_version=str(raw.get("template_version", "1")),
        retired_in=None if raw.get("retired_in") is None else str(raw["retired_in"]),
        split=_split(raw.get("split")),
        scope3=_scope3(raw.get("scope3")),
        evidence=_evidence(raw.get("evidence")),
        excludes=tuple(str(c) for c in raw.get("excludes") or ()),
    )


def _evidence(raw: Any) -> EvidenceNeed | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not {"zh", "en"} <= set(raw) or set(raw) - {"zh", "en", "above"}:
        raise EsgflowError(f"catalog: evidence must read {{zh: ..., en: ..., above: N}}, not {raw!r}")
    return EvidenceNeed(str(raw["zh"]), str(raw["en"]), float(raw.get("above", 0)))


def _scope3(raw: Any) -> Scope3Line | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"category", "method", "primary"}:
        raise EsgflowError(f"catalog: scope3 must read {{category: N, method: M, primary: true|false}}, not {raw!r}")
    category = int(raw["category"])
    if not 1 <= category <= 15:
        raise EsgflowError(f"catalog: scope3 category must be 1 to 15, not {category}")
    return Scope3Line(category, str(raw["method"]), bool(raw["primary"]))


def _split(raw: Any) -> Split | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"by", "rows", "template_version"} or "by" not in raw:
        raise EsgflowError(f"catalog: split must read {{by: location, rows: N, template_version: V}}, not {raw!r}")
    return Split(raw["by"], int(raw.get("rows", 6)), str(raw.get("template_version", "1")))


def validate(catalog: Catalog, factor_codes: set[str]) -> list[str]:
    """Problems that make the catalog unusable; an empty list means it is sound."""
    from esgflow import units  # pint on loading, not on importing: `status` imports, never loads, the catalog

    problems: list[str] = []
    seen: set[str] = set()
    for ind in catalog.indicators:
        where = f"indicator {ind.code}"
        if ind.code in seen:
            problems.append(f"{where}: duplicate code")
        seen.add(ind.code)
        if ind.pillar not in PILLARS or not ind.code.startswith(ind.pillar + "_"):
            problems.append(f"{where}: code must start with its pillar prefix")
        for label in filter(None, (ind.unit, ind.input_unit)):
            if not units.is_known(label):
                problems.append(f"{where}: unknown unit {label!r}")
        if ind.input_unit and units.is_known(ind.input_unit) and units.is_known(ind.unit):
            try:
                units.factor(ind.input_unit, ind.unit)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
        if isinstance(ind.reported_by, tuple):
            problems += [f"{where}: unknown entity kind {k!r}" for k in ind.reported_by if k not in ENTITY_KINDS]
        elif ind.reported_by not in ("all", "group"):
            problems.append(f"{where}: reported_by must be all, group or a list of kinds")
        if ind.consolidation in COMPUTED:
            if not ind.formula:
                problems.append(f"{where}: {ind.consolidation} indicator without formula")
            for name in ind.formula_inputs():
                if name not in catalog and name not in factor_codes:
                    problems.append(f"{where}: formula names unknown {name!r}")
                elif ind.consolidation == "per_entity" and name in catalog and not catalog[name].is_input:
                    problems.append(f"{where}: a per-entity formula takes reported inputs only, not {name!r}")
        elif ind.formula:
            problems.append(f"{where}: formula on a {ind.consolidation} indicator")
        if ind.consolidation == "weighted_average" and (not ind.weight or ind.weight not in catalog):
            problems.append(f"{where}: weighted_average needs a weight indicator")
        if ind.consolidation == "screened" and not re.fullmatch(r"env_ghg_scope3_cat([1-9]|1[0-5])", ind.code):
            problems.append(f"{where}: only a Scope 3 category (env_ghg_scope3_catN) may be screened")
        if ind.consolidation == "group" and ind.reported_by != "group":
            problems.append(f"{where}: group consolidation needs reported_by: group")
        problems += _version_problems(ind, where)
        problems += _split_problems(ind, catalog, where)
        refs = [ind.rules.not_above, *(c for b in ind.breakdowns for c in b), *ind.excludes]
        problems += [f"{where}: rule names unknown indicator {c!r}" for c in refs if c and c not in catalog]
    start = catalog.estimate_marks_from
    if start is not None and not is_template_version(start):
        problems.append(f'estimate_marks: template_version must be a template version such as "3", not {start!r}')
    problems += table_problems(catalog.tables, is_template_version)
    try:
        catalog.derived_in_order()
    except EsgflowError as exc:
        problems.append(str(exc))
    return problems


def _version_problems(ind: Indicator, where: str) -> list[str]:
    problems = [
        f'{where}: {field} must be a template version, a positive whole number such as "2", not {value!r}'
        for field, value in (("template_version", ind.template_version), ("retired_in", ind.retired_in))
        if value is not None and not is_template_version(value)
    ]
    if problems:
        return problems
    if ind.retired_in and int(ind.retired_in) <= int(ind.template_version):
        problems.append(f"{where}: retired_in {ind.retired_in} must come after template_version {ind.template_version}")
    return problems


MAX_SPLIT_ROWS = 50


def _split_problems(ind: Indicator, catalog: Catalog, where: str) -> list[str]:
    problems = []
    if ind.split is not None:
        if ind.split.by != "location":
            problems.append(f"{where}: split by {ind.split.by!r}; esgflow splits by location only")
        if not 1 <= ind.split.rows <= MAX_SPLIT_ROWS:
            problems.append(f"{where}: a split has 1 to {MAX_SPLIT_ROWS} rows, not {ind.split.rows}")
        if not ind.is_input or ind.dtype == "percent":
            problems.append(f"{where}: only a reported amount can be split")
        if not is_template_version(ind.split.template_version):
            problems.append(f'{where}: split template_version must be a template version such as "2"')
    if ind.consolidation == "per_entity":
        # Which split would place a term whose own inputs are not split is only clear with one.
        split = [n for n in ind.formula_inputs() if n in catalog and catalog[n].split]
        if len(split) > 1:
            problems.append(f"{where}: a per-entity formula may use one split input, not {split}")
    return problems


def parse(text: str) -> Catalog:
    """Parse catalog YAML text."""
    raw = read_yaml(text)
    marks = raw.get("estimate_marks")
    if marks is not None and (not isinstance(marks, dict) or set(marks) != {"template_version"}):
        raise EsgflowError(f"catalog: estimate_marks must read {{template_version: V}}, not {marks!r}")
    return Catalog(
        indicators=tuple(_indicator(r) for r in raw["indicators"]),
        pillars=raw["pillars"],
        estimate_marks_from=None if marks is None else str(marks["template_version"]),
        tables=parse_tables(raw.get("tables"), FRAMEWORKS),
    )


@cache
def load_catalog(path: Path | None = None) -> Catalog:
    """The packaged catalog (or one at `path`), checked against the factor registry."""
    from esgflow.factors import load_factors

    text = (
        path.read_text("utf-8")
        if path
        else resources.files("esgflow").joinpath("catalog/indicators.yaml").read_text("utf-8")
    )
    catalog = parse(text)
    problems = validate(catalog, load_factors().codes)
    if problems:
        raise EsgflowError("catalog is inconsistent: " + "; ".join(problems))
    return catalog
