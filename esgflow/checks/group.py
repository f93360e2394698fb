"""Group checks on whatever the warehouse holds for a period (`esgflow check`)."""

from __future__ import annotations

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
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding
from esgflow.periods import Period
from esgflow.records import ReporterNote

BASIS_LABEL = {"published": "published", "published_restated": "published (restated)", "computed": "computed"}
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


def note_findings(notes: Iterable[ReporterNote], period: Period) -> list[Finding]:
    """Notes reporters wrote beside accepted figures, for the ESG office to read (severity info)."""
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
            message=f"{n.entity} wrote beside {n.indicator}: {n.note}",
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
) -> list[Finding]:
    """Findings on the group figures of `period` (every basis given, and last period's for changes)."""
    now = by_basis(figures, period)
    notes_found = note_findings(notes, period)
    if not now:
        return notes_found
    prior = _prior(by_basis(figures, period.shifted_years(-1)))
    frame = group_frame(now, prior, catalog, factors, period.ends_on)
    validator = validator_for(home, catalog)
    checked = validator.check("group", frame, run_name=f"group-{period.code}")
    found_by_basis = _in_group_words(checked.failures, frame, catalog)
    # A restated basis is checked whole, but only what the restatement changed is worth repeating.
    already = {(f.rule, f.indicators, f.expected, f.actual) for f in found_by_basis.get("published", [])}
    findings: list[Finding] = []
    for basis, found in found_by_basis.items():
        label = BASIS_LABEL.get(basis, basis)
        findings += [
            replace(f, period=period.code, message=f"{label} {period.code}: {f.message}")
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


def _label(code: str, catalog: Catalog) -> str:
    return f"{code} ({catalog[code].name_en})"


def _part_above_whole(row: Row, catalog: Catalog) -> str:
    code, whole = row["indicator"], row["whole"]
    unit = display.unit(catalog[code].unit)
    return (
        f"{_label(code, catalog)} is {_figure(row['value'], code, catalog)} {unit}, more than "
        f"{_label(whole, catalog)} allows ({_figure(row['whole_value'], code, catalog)} {unit}); "
        "a part cannot exceed its whole"
    )


def _parts_sum(row: Row, catalog: Catalog) -> str:
    code = row["indicator"]
    unit = display.unit(catalog[code].unit)
    return (
        f"{' + '.join(row['parts'].split('+'))} add up to {_figure(row['recomputed'], code, catalog)} {unit}, "
        f"but {_label(code, catalog)} is {_figure(row['value'], code, catalog)} {unit}"
    )


def _yoy(row: Row, catalog: Catalog) -> str:
    code, change = row["indicator"], row["yoy_change"]
    unit = display.unit(catalog[code].unit)
    pct = "from zero" if change == float("inf") else f"by {change:.0%}"
    return (
        f"{_label(code, catalog)} changed {pct} (last period {_figure(row['prior'], code, catalog)}, "
        f"now {_figure(row['value'], code, catalog)} {unit}); a change beyond {row['yoy_threshold']:.0%} "
        "is one the report should explain"
    )


def _derived(row: Row, catalog: Catalog) -> str:
    ind = catalog[row["indicator"]]
    how = " with the factor registry's conversion factors" if row["factor_based"] else ""
    return (
        f"{_label(ind.code, catalog)} is {_figure(row['value'], ind.code, catalog)} {display.unit(ind.unit)}, "
        f"but {ind.formula} gives {_figure(row['recomputed'], ind.code, catalog)}{how}"
    )


def _versus(row: Row, catalog: Catalog) -> str:
    code = row["indicator"]
    return (
        f"{_label(code, catalog)}: published {_figure(row['value'], code, catalog)} "
        f"{display.unit(catalog[code].unit)}, the entity data give {_figure(row['recomputed'], code, catalog)}"
    )


GROUP_WORDING: dict[str, Callable[[Row, Catalog], str]] = {
    "part_not_above_whole": _part_above_whole,
    "parts_sum_to_total": _parts_sum,
    "yoy_change_needs_note": _yoy,
    "derived_recomputed": _derived,
    "derived_recomputed_with_factors": _derived,
    "published_vs_computed": _versus,
}


def _in_group_words(failures: list[Failure], frame: pl.DataFrame, catalog: Catalog) -> dict[str, list[Finding]]:
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
        worded.setdefault(row["key"], []).append(words(row, catalog) if words else None)
    return {
        key: [replace(f, message=text) if text else f for f, text in zip(findings, worded[key], strict=True)]
        for key, findings in found.items()
    }
