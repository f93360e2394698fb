"""Group checks on whatever the warehouse holds for a period (`esgflow check`)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import group_frame
from esgflow.checks.gx_run import validator_for
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding
from esgflow.observations import latest_accepted
from esgflow.periods import parse_period
from warehouse import models as m

BASIS_LABEL = {"published": "published", "published_restated": "published (restated)", "computed": "computed"}


def group_figures(session: Session, root: str, period: str) -> dict[str, dict[str, Decimal]]:
    """basis -> indicator -> value of the group's figures for a period."""
    rows = session.execute(
        select(m.ConsolidatedFigure.basis, m.Indicator.code, m.ConsolidatedFigure.value)
        .join(m.Indicator, m.Indicator.id == m.ConsolidatedFigure.indicator_id)
        .join(m.Period, m.Period.id == m.ConsolidatedFigure.period_id)
        .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
        .where(m.Entity.code == root, m.Period.code == period)
    ).all()
    out: dict[str, dict[str, Decimal]] = {}
    for basis, code, value in rows:
        out.setdefault(basis, {})[code] = value
    return out


def _prior(figures: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
    """Last period's figure per indicator: restated if there is one, else published, else computed."""
    prior: dict[str, Decimal] = {}
    for basis in ("computed", "published", "published_restated"):
        prior.update(figures.get(basis, {}))
    return prior


def reporter_notes(session: Session, period: str) -> list[Finding]:
    """Notes reporters wrote beside accepted figures, for the ESG office to read (severity info)."""
    latest = latest_accepted(period)
    rows = session.execute(
        select(
            m.Entity.code,
            m.Indicator.code,
            m.Observation.note,
            m.Submission.file_name,
            m.Observation.sheet,
            m.Observation.cell,
        )
        .join(m.Submission, m.Submission.id == m.Observation.submission_id)
        .join(latest, (latest.c.entity_id == m.Submission.entity_id) & (latest.c.version == m.Submission.version))
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .join(m.Entity, m.Entity.id == m.Observation.entity_id)
        .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        .where(m.Period.code == period, m.Observation.note.is_not(None))
        .order_by(m.Entity.code, m.Indicator.code)
    ).all()
    return [
        Finding(
            rule="reporter_note",
            severity="info",
            indicators=(code,),
            entity=entity,
            period=period,
            file=file,
            sheet=sheet,
            cell=cell,
            message=f"{entity} wrote beside {code}: {note}",
        )
        for entity, code, note, file, sheet, cell in rows
    ]


def check_period(
    session: Session, period: str, catalog: Catalog, factors: FactorRegistry, root: str, home: Path
) -> list[Finding]:
    """Findings on the group figures of `period`, every basis the warehouse holds."""
    p = parse_period(period)
    figures = group_figures(session, root, period)
    notes = reporter_notes(session, period)
    if not figures:
        return notes
    prior = _prior(group_figures(session, root, p.shifted_years(-1).code))
    frame = group_frame(figures, prior, catalog, factors, p.ends_on)
    failures = validator_for(home, catalog).run("group", frame, run_name=f"group-{period}")
    rows = {r["row_id"]: r for r in frame.iter_rows(named=True)}
    by_basis = findings_from(failures, rows, catalog)
    # A restated basis is checked whole, but only what the restatement changed is worth repeating.
    already = {(f.rule, f.indicators, f.expected, f.actual) for f in by_basis.get("published", [])}
    findings: list[Finding] = []
    for basis, found in by_basis.items():
        label = BASIS_LABEL.get(basis, basis)
        findings += [
            replace(f, period=period, message=f"{label} {period}: {f.message}")
            for f in found
            if basis != "published_restated" or (f.rule, f.indicators, f.expected, f.actual) not in already
        ]
    ordered = sorted(findings, key=lambda f: ({"error": 0, "warning": 1}.get(f.severity, 2), f.rule, f.indicators))
    return ordered + notes
