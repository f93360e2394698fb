"""Group checks on whatever the warehouse holds for a period (`esgflow check`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from esgflow import display
from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import group_frame
from esgflow.checks.gx_run import Failure, validator_for
from esgflow.checks.rules import wording
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding
from esgflow.glossary import unit_zh
from esgflow.periods import Period
from esgflow.records import ReporterNote

# How each basis of a group figure is named before its finding, in the office's language (zh, en).
BASIS_LABEL = {
    "published": ("已发布数据", "published"),
    "published_restated": ("已发布数据（重述）", "published (restated)"),
    "computed": ("计算数据", "computed"),
}
BASIS_PREFERENCE = ("computed", "published", "published_restated")  # later wins as last period's figure


def by_basis(figures: Mapping[tuple[str, str, str], Decimal], period: Period) -> dict[str, dict[str, Decimal]]:
    """basis -> indicator -> value, of one period's group figures ((indicator, period, basis) -> value)."""
    out: dict[str, dict[str, Decimal]] = {}
    for (code, year, basis), value in figures.items():
        if year == period.code:
            out.setdefault(basis, {})[code] = value
    return out


def _prior(figures: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
    """Last period's figure per indicator: restated if there is one, else published, else computed."""
    prior: dict[str, Decimal] = {}
    for basis in BASIS_PREFERENCE:
        prior.update(figures.get(basis, {}))
    return prior


def note_findings(
    notes: Iterable[ReporterNote], period: Period, lang: str = "en", catalog: Catalog | None = None
) -> list[Finding]:
    """Notes reporters wrote beside accepted figures, for the ESG office to read (severity info); in Chinese,
    the figure is named by its Chinese name where the catalog is given."""
    said = "{entity} 在“{name}”旁注明：{note}" if lang == "zh" else "{entity} wrote beside {indicator}: {note}"

    def name(code: str) -> str:
        return catalog[code].name_zh if lang == "zh" and catalog is not None and code in catalog else code

    return [
        Finding(
            rule="reporter_note",
            severity="info",
            indicators=(n.indicator,),
            entity=n.entity,
            period=period.code,
            file=n.file,
            sheet=n.sheet,
            cell=n.cell,
            message=said.format(entity=n.entity, indicator=n.indicator, name=name(n.indicator), note=n.note),
        )
        for n in notes
    ]


def check_period(
    figures: Mapping[tuple[str, str, str], Decimal],
    notes: Iterable[ReporterNote],
    period: Period,
    catalog: Catalog,
    factors: FactorRegistry,
    home: Path,
    lang: str = "en",
) -> list[Finding]:
    """Findings on the group figures of `period` (every basis given, and last period's for changes), worded
    in the office's language: the command line's English, or Chinese on a Chinese page."""
    now = by_basis(figures, period)
    notes_found = note_findings(notes, period, lang, catalog)
    if not now:
        return notes_found
    prior = _prior(by_basis(figures, period.shifted_years(-1)))
    frame = group_frame(now, prior, catalog, factors, period.ends_on)
    validator = validator_for(home, catalog)
    checked = validator.check("group", frame, run_name=f"group-{period.code}")
    found_by_basis = _in_group_words(checked.failures, frame, catalog, lang)
    # A restated basis is checked whole, but only what the restatement changed is worth repeating.
    already = {(f.rule, f.indicators, f.expected, f.actual) for f in found_by_basis.get("published", [])}
    findings: list[Finding] = []
    for basis, found in found_by_basis.items():
        zh, en = BASIS_LABEL.get(basis, (basis, basis))
        said = f"{period.code} 年{zh}：" if lang == "zh" else f"{en} {period.code}: "
        findings += [
            replace(f, period=period.code, message=f"{said}{f.message}")
            for f in found
            if basis != "published_restated" or (f.rule, f.indicators, f.expected, f.actual) not in already
        ]
    ordered = sorted(findings, key=lambda f: ({"error": 0, "warning": 1}.get(f.severity, 2), f.rule, f.indicators))
    validator.note(checked.run, ordered)
    return ordered + notes_found


# Rules by which a published report can contradict itself (a change between years or a
# difference from the returns is not a contradiction of the report with itself).
CONTRADICTION_RULES = frozenset(
    {"part_not_above_whole", "parts_sum_to_total", "derived_recomputed", "derived_recomputed_with_factors"}
)


def published_contradictions(
    figures: Mapping[tuple[str, str, str], Decimal],
    periods: Iterable[Period],
    catalog: Catalog,
    factors: FactorRegistry,
    home: Path,
) -> list[Finding]:
    """Where the published figures of each period disagree with each other (the report's own contradictions)."""
    published = {key: value for key, value in figures.items() if key[2] == "published"}
    return [
        f
        for period in periods
        for f in check_period(published, [], period, catalog, factors, home)
        if f.rule in CONTRADICTION_RULES
    ]


# --- how a group finding reads ------------------------------------------------------------------
# The rules' own wording speaks to a reporter about the figures they typed. A group figure is
# read by the ESG office: shown at the places the report publishes it with, and a change is for
# the report to explain, not for a note cell that a group figure does not have.

Row = dict[str, Any]


def _figure(x: float | None, code: str, catalog: Catalog) -> str:
    """A number of a check frame as the report publishes the indicator's figures."""
    return display.figure(None if x is None else Decimal(f"{x:.12g}"), catalog[code].decimals)


def _label(code: str, catalog: Catalog, lang: str) -> str:
    """An indicator as the office reads it: its Chinese name on a Chinese page (no codes), else code and name."""
    return catalog[code].name_zh if lang == "zh" else f"{code} ({catalog[code].name_en})"


def _unit(code: str, catalog: Catalog, lang: str) -> str:
    label = catalog[code].unit
    return unit_zh(label) if lang == "zh" else display.unit(label)


def _part_above_whole(row: Row, catalog: Catalog, lang: str) -> str:
    code, whole = row["indicator"], row["whole"]
    unit, part, most = _unit(code, catalog, lang), _label(code, catalog, lang), _label(whole, catalog, lang)
    value, limit = _figure(row["value"], code, catalog), _figure(row["whole_value"], code, catalog)
    if lang == "zh":
        return f"{part}为 {value} {unit}，超过{most}（{limit} {unit}）；分项不能大于总量"
    return f"{part} is {value} {unit}, more than {most} allows ({limit} {unit}); a part cannot exceed its whole"


def _parts_sum(row: Row, catalog: Catalog, lang: str) -> str:
    code, unit = row["indicator"], _unit(row["indicator"], catalog, lang)
    total, value = _figure(row["recomputed"], code, catalog), _figure(row["value"], code, catalog)
    if lang == "zh":
        parts = " + ".join(_label(p, catalog, lang) if p in catalog else p for p in row["parts"].split("+"))
        return f"{parts} 合计 {total} {unit}，但{_label(code, catalog, lang)}为 {value} {unit}"
    parts = " + ".join(row["parts"].split("+"))
    return f"{parts} add up to {total} {unit}, but {_label(code, catalog, lang)} is {value} {unit}"


def _yoy(row: Row, catalog: Catalog, lang: str) -> str:
    code, change, limit = row["indicator"], row["yoy_change"], row["yoy_threshold"]
    unit, name = _unit(code, catalog, lang), _label(code, catalog, lang)
    prior, value = _figure(row["prior"], code, catalog), _figure(row["value"], code, catalog)
    if lang == "zh":
        pct = "从零起变动" if change == float("inf") else f"变动 {change:.0%}"
        return f"{name}{pct}（上期 {prior}，本期 {value} {unit}）；变动超过 {limit:.0%}，报告应予说明"
    pct = "from zero" if change == float("inf") else f"by {change:.0%}"
    return (
        f"{name} changed {pct} (last period {prior}, now {value} {unit}); "
        f"a change beyond {limit:.0%} is one the report should explain"
    )


def _derived(row: Row, catalog: Catalog, lang: str) -> str:
    ind = catalog[row["indicator"]]
    value, recomputed = _figure(row["value"], ind.code, catalog), _figure(row["recomputed"], ind.code, catalog)
    name, unit = _label(ind.code, catalog, lang), _unit(ind.code, catalog, lang)
    if lang == "zh":
        how = "（采用因子库的换算系数）" if row["factor_based"] else ""
        named = re.sub(r"[a-z][a-z0-9_]*", lambda m: catalog[m[0]].name_zh if m[0] in catalog else m[0], ind.formula)
        return f"{name}为 {value} {unit}，但按 {named} 计算为 {recomputed}{how}"
    how = " with the factor registry's conversion factors" if row["factor_based"] else ""
    return f"{name} is {value} {unit}, but {ind.formula} gives {recomputed}{how}"


def _versus(row: Row, catalog: Catalog, lang: str) -> str:
    code = row["indicator"]
    name, unit = _label(code, catalog, lang), _unit(code, catalog, lang)
    value, recomputed = _figure(row["value"], code, catalog), _figure(row["recomputed"], code, catalog)
    if lang == "zh":
        return f"{name}：已发布 {value} {unit}，按各单位数据计算为 {recomputed}"
    return f"{name}: published {value} {unit}, the entity data give {recomputed}"


GROUP_WORDING: dict[str, Callable[[Row, Catalog, str], str]] = {
    "part_not_above_whole": _part_above_whole,
    "parts_sum_to_total": _parts_sum,
    "yoy_change_needs_note": _yoy,
    "derived_recomputed": _derived,
    "derived_recomputed_with_factors": _derived,
    "published_vs_computed": _versus,
}


def _fallback_zh(finding: Finding, catalog: Catalog) -> str:
    """A rule without group words, on a Chinese page: the rule's name and the figures it is about, no English."""
    names = "、".join(catalog[c].name_zh for c in finding.indicators if c in catalog)
    return f"{wording(finding.rule, 'zh')[0]}：{names}" if names else wording(finding.rule, "zh")[0]


def _in_group_words(
    failures: list[Failure], frame: pl.DataFrame, catalog: Catalog, lang: str
) -> dict[str, list[Finding]]:
    """The findings of `findings_from`, each worded for the ESG office where the group has its own words.

    `findings_from` gives each key's findings in the order of their failing rows' ids; the
    rows are taken in that order here too, so each finding meets its own row.
    """
    found = findings_from(failures, frame, catalog)
    ids = list({f.row_id for f in failures})
    rows = {r["row_id"]: r for r in frame.filter(pl.col("row_id").is_in(ids)).iter_rows(named=True)}
    worded: dict[str, list[str | None]] = {}
    for failure in sorted(failures, key=lambda f: f.row_id):
        row, words = rows[failure.row_id], GROUP_WORDING.get(failure.rule)
        worded.setdefault(row["key"], []).append(words(row, catalog, lang) if words else None)
    return {
        key: [
            replace(f, message=text or (_fallback_zh(f, catalog) if lang == "zh" else f.message))
            for f, text in zip(findings, worded[key], strict=True)
        ]
        for key, findings in found.items()
    }
