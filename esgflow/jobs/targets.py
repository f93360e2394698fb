"""The base-year and target jobs (issue 28.3) behind `esgflow baseline` and `esgflow target`."""

from __future__ import annotations

from decimal import Decimal

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import actor
from esgflow.entities import load_registry
from esgflow.figures.restatement import Change
from esgflow.figures.targets import Progress, check_target, recalculations, yearly_progress
from esgflow.jobs.common import require_schema
from esgflow.periods import Period, parse_period
from esgflow.records import BaselineRecord, TargetRecord
from esgflow.warehouse import db
from esgflow.warehouse.figures import group_figures
from esgflow.warehouse.plans import add_target, baselines, set_baseline, targets
from esgflow.warehouse.trail import record_audit

# The figure a year stands on: a restated one before the first computed, computed before published.
STANDING = ("computed_restated", "computed", "published_restated", "published")


def _standing(figures: dict[tuple[str, str, str], Decimal | None]) -> dict[tuple[str, int], Decimal | None]:
    best: dict[tuple[str, int], tuple[int, Decimal | None]] = {}
    for (code, year, basis), value in figures.items():
        if basis in STANDING and value is not None:
            rank = STANDING.index(basis)
            key = (code, int(year))
            if key not in best or rank < best[key][0]:
                best[key] = (rank, value)
    return {key: value for key, (_, value) in best.items()}


GROUP = "group"


def _year_figures(session: db.Session, years: list[int], scope: str = GROUP) -> dict[tuple[str, int], Decimal | None]:
    """code, year -> the standing figure of the scope (the group, or an entity's subtree) in those years."""
    periods = [parse_period(str(y)) for y in years]
    return _standing(group_figures(session, load_registry().root() if scope == GROUP else scope, periods))


def _known(code: str) -> None:
    if code not in {ind.code for ind in load_catalog().indicators}:
        raise EsgflowError(f"{code} is not an indicator of the catalog")


def set_base_year(settings: Settings, code: str, year: int, by: str) -> tuple[BaselineRecord, BaselineRecord | None]:
    """Set a metric's base year; its group figure of that year is kept as the base-year figure. Returns the
    base year set and the one it replaced."""
    _known(code)
    require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        value = _year_figures(session, [year]).get((code, year))
        before = set_baseline(session, code, year, value, who)
        detail: dict[str, object] = {"code": code, "year": year, "value": None if value is None else str(value)}
        if before is not None:
            detail["previous"] = {"year": before.year, "value": None if before.value is None else str(before.value)}
        record_audit(session, "baseline_set", who, parse_period(str(year)), reason=code, detail=detail)
        [record] = [b for b in baselines(session) if b.code == code]
    return record, before


def list_baselines(settings: Settings) -> list[BaselineRecord]:
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return baselines(session)


def add_new_target(settings: Settings, target: TargetRecord) -> TargetRecord:
    """Keep a target (audited)."""
    _known(target.code)
    check_target(target)
    if target.scope != GROUP and target.scope not in {e.code for e in load_registry().entities}:
        raise EsgflowError(f"a target's scope is 'group' or an entity's code, not {target.scope!r}")
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        if not add_target(session, target):
            raise EsgflowError(f"{target.code} already has a target for {target.scope} in {target.target_year}")
        record_audit(
            session,
            "target_added",
            target.added_by,
            reason=target.code,
            detail={
                "code": target.code,
                "scope": target.scope,
                "kind": target.kind,
                "base": [target.base_year, str(target.base_value)],
                "target": [target.target_year, str(target.target_value)],
                "milestones": {str(y): str(v) for y, v in target.milestones.items()},
            },
        )
    return target


def target_progress(settings: Settings, period: Period | None = None) -> tuple[list[TargetRecord], list[Progress]]:
    """Every target and its progress in each year up to the period (default: the newest year with figures)."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        kept = targets(session)
        return kept, _progress(session, kept, period)


def _progress(session: db.Session, kept: list[TargetRecord], period: Period | None) -> list[Progress]:
    if not kept:
        return []
    first = min(t.base_year for t in kept)
    last = period.year if period else max(t.target_year for t in kept)
    years = list(range(first, last + 1))
    by_scope = {scope: _year_figures(session, years, scope) for scope in dict.fromkeys(t.scope for t in kept)}
    if period is None:  # up to the newest year any figure exists for
        last = max((year for figures in by_scope.values() for (_, year) in figures), default=first)
    return [p for t in kept for p in yearly_progress([t], by_scope[t.scope], last)]


def progress_for_report(session: db.Session, period: Period) -> list[Progress]:
    """The targets' progress up to the period, for the report (inside the report's own session)."""
    return _progress(session, targets(session), period)


def flag_recalculations(session: db.Session, period: Period, moved: list[Change], by: str) -> list[str]:
    """A restatement's moves checked against the base years set on the period: each flagged and audited."""
    if period.kind != "year":
        return []
    flagged = recalculations(baselines(session), period.year, moved)
    for line in flagged:
        record_audit(session, "baseline_recalculation", by, period, reason=line)
    return flagged
