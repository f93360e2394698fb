"""The period's figures: consolidation with the pinned factors, restatement, explanation, group checks
and the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import DECISIONS, actor
from esgflow.cycle.states import APPROVED
from esgflow.entities import load_registry
from esgflow.factors import FactorRegistry, load_factors, registry_from
from esgflow.figures import scope3
from esgflow.figures.consolidate import ConsolidationResult, consolidate, storable, summary
from esgflow.figures.explain import Context as ExplainContext
from esgflow.figures.explain import Explanation, Node, entities_in, explain, trails, unknown_indicator
from esgflow.figures.restatement import RestatementResult, approved_basis, changes
from esgflow.findings import Finding
from esgflow.jobs.collection import period_statuses
from esgflow.jobs.common import COMPUTED, RESTATED, entity_tree, figures_tree, require_schema, standing_basis
from esgflow.jobs.targets import flag_recalculations, progress_for_report
from esgflow.periods import Period
from esgflow.warehouse import db
from esgflow.warehouse.figures import (
    consolidation_is_stale,
    estimated_sources,
    figure_sources,
    group_figures,
    pin_factor_set,
    pinned_factor_set,
    record_restatement,
    replace_computed_figures,
    restatements,
    stored_figure,
    stored_figures,
)
from esgflow.warehouse.observations import (
    accepted_observations,
    accepted_splits,
    observations_by_id,
    observations_of_versions,
    reporter_notes,
    splits_of,
)
from esgflow.warehouse.provenance import Inputs, submissions_read
from esgflow.warehouse.reference import entity_locations
from esgflow.warehouse.registers import period_rows
from esgflow.warehouse.scope3 import screenings
from esgflow.warehouse.submissions import open_periods, submission_versions
from esgflow.warehouse.trail import audit_events, period_signoff, record_audit

if TYPE_CHECKING:  # the checks, the report and their pages where used: `explain` needs none of them
    from esgflow.report import ReportFiles
    from esgflow.report.tables import FactorBasis

# The bases of a figure imported from the published report, the restated one first.
PUBLISHED_BASES = ("published_restated", "published")


def _period_factors(session: db.Session, period: Period) -> tuple[FactorRegistry, int]:
    """The factor set a period's figures are computed with; its first consolidation pins today's."""
    pinned = pinned_factor_set(session, period)
    if pinned:
        return registry_from(pinned[1]), pinned[0]
    current = load_factors()
    return current, pin_factor_set(session, period, current.snapshot(), current.digest())


def _compute(
    session: db.Session, period: Period, factors: FactorRegistry, chosen: Mapping[str, int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, Inputs]:
    """A period's figures from its accepted returns (or the versions `chosen`, entity -> version), the entity
    tree and locations, and the factors given; the observations, and what the figures' provenance rests on."""
    if chosen is None:
        observations, splits = accepted_observations(session, period), accepted_splits(session, period)
    else:
        observations = observations_of_versions(session, period, sorted(chosen.items()))
        splits = splits_of(session, observations["observation_id"].to_list())
    parents = entity_tree(session, period)
    locations = entity_locations(session, period.ends_on)
    root = load_registry().root()
    figures = consolidate(observations, parents, root, load_catalog(), factors, period.ends_on, locations, splits)
    # Scope 3 categories count only as the office screened them (relevant and approved).
    inputs = Inputs(observations, parents, submissions_read(session, period, chosen))
    return scope3.gate(figures, scope3.counted(screenings(session, period))), observations, inputs


def consolidate_period(settings: Settings, period: Period) -> ConsolidationResult:
    """Consolidate a period with the factor set it is pinned to (a correction moves nothing until restate).

    A signed-off period is left as signed: a late return changes it only through restate_period.
    """
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        signed = period_signoff(session, period)
        if signed is not None:
            return _signed_summary(session, period, signed.signed_by)
        factors, _ = _period_factors(session, period)
        figures, observations, inputs = _compute(session, period, factors)
        replace_computed_figures(session, period, storable(figures), standing_basis(session, period), inputs)
    return summary(period, figures, load_registry().root(), observations)


def restate_period(settings: Settings, period: Period, reason: str, by: str) -> RestatementResult:
    """Recompute a period from its approved returns and today's factor registry; record why and what moved.

    Each entity counts with its newest approved version (an excused one with none); a newer
    version still pending review, returned or rejected is left out and named in the result.
    """
    if not reason.strip():
        raise EsgflowError("a restatement needs a reason (--reason)")
    if not (by or "").strip():
        raise EsgflowError("a restatement needs the name of the person who restates (--by)")
    require_schema(settings)
    root, catalog = load_registry().root(), load_catalog()
    with db.session_scope(settings.database_url) as session:
        basis = standing_basis(session, period)
        before = stored_figures(session, period, basis).filter(pl.col("scope") == root)
        pinned = pinned_factor_set(session, period)
        if before.is_empty() or pinned is None:
            raise EsgflowError(f"{period} has no consolidated figures to restate: run 'esgflow consolidate' first")
        approved = approved_basis(submission_versions(session, period), audit_events(session, period, DECISIONS))
        if not approved.used:
            raise EsgflowError(
                f"{period} has no approved return to restate from: approve returns with 'esgflow review' first"
            )
        old, current = registry_from(pinned[1]), load_factors()
        figures, _, inputs = _compute(session, period, current, approved.used)
        after = storable(figures).filter(pl.col("scope") == root)
        used_before = figure_sources(session, period, root, basis)
        used_after = after.select("indicator", pl.col("observation_ids").alias("observation_id")).explode(
            "observation_id"
        )
        differing = pl.concat(
            [
                used_before.join(used_after, on=["indicator", "observation_id"], how="anti"),
                used_after.join(used_before, on=["indicator", "observation_id"], how="anti"),
            ]
        )
        owners = observations_by_id(session, differing["observation_id"].drop_nulls().to_list())
        moved = (
            differing.join(owners.select("observation_id", "entity"), on="observation_id")
            .group_by("indicator")
            .agg(pl.col("entity").unique().sort())
        )
        found = changes(
            before,
            after,
            catalog,
            old,
            current,
            {r["indicator"]: tuple(r["entity"]) for r in moved.iter_rows(named=True)},
        )
        new_set = pin_factor_set(session, period, current.snapshot(), current.digest())
        replace_computed_figures(session, period, storable(figures), RESTATED, inputs)
        significant = any(c.significant for c in found)
        recalculate = flag_recalculations(session, period, found, actor(by))
        used = [{"entity": e, "version": v} for e, v in sorted(approved.used.items())]
        number = record_restatement(
            session, period, reason.strip(), pinned[0], new_set, [c.to_json() for c in found], significant, used
        )
        record_audit(
            session,
            "restated",
            actor(by),
            period,
            reason=reason.strip(),
            detail={
                "restatement": number,
                "moved": len(found),
                "significant": significant,
                "used": approved.used,
                "left_out": [o.line() for o in approved.left_out],
            },
        )
    return RestatementResult(period.code, number, reason.strip(), found, significant, approved, tuple(recalculate))


def _no_figure(session: db.Session, period: Period, code: str, scope: str) -> EsgflowError:
    """Why a figure is missing, in both languages: a Scope 3 category's screening state, else no consolidation yet."""
    category = scope3.category_of(code)
    if category is not None or code == scope3.TOTAL:
        found = {s.category: s for s in screenings(session, period)}
        states = {n: scope3.state_of(found.get(n)) for n in ([category] if category else scope3.CATEGORIES)}
        if category is not None and states[category] != "relevant":
            zh, en = scope3.STATES[states[category]]
            return EsgflowError(
                f"{period} has no {code}: Scope 3 category {category} is {en}",
                zh=f"{period} 报告期没有 {code}：范围三第 {category} 类{zh}。",
            )
        if category is None and "relevant" not in states.values():
            return EsgflowError(
                f"{period} has no {code}: no Scope 3 category is screened relevant and approved",
                zh=f"{period} 报告期没有 {code}：尚无范围三类别经筛选为相关并获批准。",
            )
    return EsgflowError(
        f"{period} has no computed {code} for {scope}: run 'esgflow consolidate' first",
        zh=f"{period} 报告期尚未计算 {scope} 的 {code}：请先运行合并计算（esgflow consolidate）。",
    )


def explain_figure(settings: Settings, period: Period, code: str, entity: str | None = None) -> Explanation:
    """How a figure of a period (the group's, or an entity's subtree's) was made, down to cells and factors."""
    catalog, root = load_catalog(), load_registry().root()
    if code not in catalog:
        raise EsgflowError(unknown_indicator(code, catalog))
    require_schema(settings)
    scope = entity or root
    with db.session_scope(settings.database_url) as session:
        stored = stored_figure(session, period, scope, code, (RESTATED, COMPUTED))
        if stored is None:  # a year imported from the published report: its file and row are its source
            published = stored_figure(session, period, scope, code, PUBLISHED_BASES)
            if published is None:
                raise _no_figure(session, period, code, scope)
            node = Node(code, scope, float(published.value), catalog[code].unit, f"imported: {published.method}")
            return Explanation(period.code, published, node, root)
        pinned = pinned_factor_set(session, period)
        factors = registry_from(pinned[1]) if pinned else load_factors()
        context = ExplainContext(
            catalog,
            factors,
            observations_by_id(session, list(stored.observation_ids)),
            figures_tree(session, period, stored.basis),  # the tree it was consolidated along, not today's
            entity_locations(session, period.ends_on),
            period.ends_on,
            splits_of(session, list(stored.observation_ids)),
            trails(audit_events(session, period, ("judged", APPROVED))),
        )
    tree = explain(code, scope, context)
    # what `status` says came after the versions in the figure (late corrections, pending review, returned)
    used = entities_in(tree)
    newer = tuple((s.entity, n) for s in period_statuses(settings, period) if s.entity in used for n in s.newer)
    return Explanation(period.code, stored, tree, root, newer)


def report_period(settings: Settings, period: Period, out: Path, langs: list[str]) -> ReportFiles:
    """Write the appendix tables of a period and the two years before it."""
    from esgflow.checks.group import published_contradictions
    from esgflow.jobs.disclosure import period_answers
    from esgflow.report import check_languages, write_report
    from esgflow.report.coverage import coverage_of
    from esgflow.report.disclosure import disclosure_index
    from esgflow.report.tables import appendix_years, build_appendix

    check_languages(langs)
    require_schema(settings)
    catalog = load_catalog()
    with db.session_scope(settings.database_url) as session:
        # a signed-off period keeps its figures: a late return waits for restate_period
        signed = period_signoff(session, period)
        stale = signed is None and consolidation_is_stale(session, period)
        collected = signed is None and _collected(session, period)
    if stale:  # a report never shows figures older than the returns accepted for them
        consolidate_period(settings, period)
    provisional = coverage_of(period.code, period_statuses(settings, period), load_registry()) if collected else None
    years = appendix_years(period)
    with db.session_scope(settings.database_url) as session:
        figures = group_figures(session, load_registry().root(), years)
        restated = restatements(session, years)
        estimates = estimated_sources(session, load_registry().root(), years)
        answers = period_answers(session, period, disclosure_index(catalog))
        progress = progress_for_report(session, period)
        registers = period_rows(session, period, standing_basis(session, period))  # the figures' versions
        pinned = pinned_factor_set(session, period)  # a period never consolidated has no figures to state a basis for
        basis = factor_basis(registry_from(pinned[1]), period) if pinned else None
    own = published_contradictions(figures, years, catalog, load_factors(), settings.home)
    table = replace(
        build_appendix(figures, catalog, period),
        contradictions=tuple(own),
        restatements=tuple(restated),
        signoff=signed,
        estimates=estimates,
        coverage=provisional,
        targets=tuple(progress),
        scope3=tuple(_scope3_rows(settings, period)),
        registers=tuple(registers),
        basis=basis,
    )
    files = write_report(table, catalog, out, langs, answers)
    return replace(files, consolidated_first=stale)


def factor_basis(factors: FactorRegistry, period: Period) -> FactorBasis:
    """The electricity basis (with its coefficient) and the GWP set the period's figures were computed with."""
    from esgflow.report.tables import FactorBasis

    electricity = factors.resolve("sce_electricity", period.ends_on)
    gwp = factors.choices.get("gwp", "") if factors.knows("gwp_ch4") else ""
    return FactorBasis(electricity.variant or "calorific", electricity.value, gwp)


def _scope3_rows(settings: Settings, period: Period) -> list[dict[str, object]]:
    """The period's Scope 3 screening for the report, once Scope 3 is asked (a category screened, or a figure)."""
    with db.session_scope(settings.database_url) as session:
        found = {s.category: s for s in screenings(session, period)}
    return scope3.category_rows(found) if found else []


def _collected(session: db.Session, period: Period) -> bool:
    """Whether a period was collected (opened, or returns or computed figures stored), not only published."""
    return (
        period.code in open_periods(session)
        or bool(submission_versions(session, period))
        or not stored_figures(session, period, COMPUTED).is_empty()
    )


def check_group(settings: Settings, period: Period) -> list[Finding]:
    """Group-level consistency findings for a period (published history included), and, until the period is
    signed off, the entities whose returns are missing from its figures."""
    from esgflow.checks.group import check_period
    from esgflow.checks.gx_run import build_data_docs
    from esgflow.jobs.disclosure import disclosure_findings
    from esgflow.report.coverage import coverage_findings, coverage_of

    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        figures = group_figures(session, load_registry().root(), [period, period.shifted_years(-1)])
        notes = reporter_notes(session, period)
        collected = period_signoff(session, period) is None and _collected(session, period)
    findings = check_period(figures, notes, period, load_catalog(), load_factors(), settings.home)
    if collected:
        findings += coverage_findings(coverage_of(period.code, period_statuses(settings, period), load_registry()))
    findings += disclosure_findings(settings, period)
    build_data_docs(settings.home)
    return findings


def has_group_figures(settings: Settings, period: Period) -> bool:
    """Whether the warehouse holds any group figure of the period (computed or published)."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return bool(group_figures(session, load_registry().root(), [period]))


def _signed_summary(session: db.Session, period: Period, by: str) -> ConsolidationResult:
    """The counts of a signed-off period's standing figures, as consolidate_period reports them."""
    root, basis = load_registry().root(), standing_basis(session, period)
    stored = stored_figures(session, period, basis)
    used = figure_sources(session, period, root, basis)["observation_id"].n_unique()
    group = stored.filter(pl.col("scope") == root).height
    return ConsolidationResult(period.code, stored.height, group, used, signed_off_by=by)
