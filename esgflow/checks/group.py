"""Group checks on whatever the warehouse holds for a period (`esgflow check`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import group_frame
from esgflow.checks.gx_run import validator_for
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
    found_by_basis = findings_from(checked.failures, frame, catalog)
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
