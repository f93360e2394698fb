"""Consolidation through the warehouse (SQLite and PostgreSQL): stored tree, provenance, re-runs."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from sqlalchemy import func, select

from esgflow.config import Settings
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import figure_sources
from esgflow.warehouse.submissions import SubmissionIn, record_submission
from tests.returns_factory import observations

RETURNS = {"HQ": "100", "CINF": "200", "CSSI": "300.5"}


def _load(settings: Settings, period: str) -> None:
    with db.session_scope(settings.database_url) as s:
        for entity, value in RETURNS.items():
            submission = SubmissionIn(
                entity, parse_period(period), f"{entity}{period}".ljust(64, "0"), f"{entity}_{period}.xlsx", "accepted"
            )
            record_submission(s, submission, observations({"env_diesel": Decimal(value)}, "环境", "D7"))


def _figure(settings: Settings, scope: str, period: str) -> m.ConsolidatedFigure:
    with db.session_scope(settings.database_url) as s:
        return s.scalars(
            select(m.ConsolidatedFigure)
            .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
            .join(m.Period)
            .join(m.Indicator)
            .where(m.Entity.code == scope, m.Period.code == period, m.Indicator.code == "env_diesel")
        ).one()


def test_subtrees_follow_the_stored_tree_and_group_totals_do_not_move(settings: Settings) -> None:
    init_warehouse(settings)
    for period in ("2023", "2024"):
        _load(settings, period)
        consolidate_period(settings, parse_period(period))
    assert _figure(settings, "HQ", "2023").value == _figure(settings, "HQ", "2024").value == Decimal("600.5")
    assert _figure(settings, "CINF", "2023").value == Decimal("200")
    assert _figure(settings, "CINF", "2024").value == Decimal("500.5")


def test_provenance_names_the_observations_and_reruns_replace(settings: Settings) -> None:
    init_warehouse(settings)
    _load(settings, "2024")
    first = consolidate_period(settings, parse_period("2024"))
    second = consolidate_period(settings, parse_period("2024"))
    assert first.figure_count == second.figure_count
    group = _figure(settings, "HQ", "2024")
    assert group.method == "sum of 3 observations" and group.basis == "computed"
    with db.session_scope(settings.database_url) as s:
        sources = figure_sources(s, parse_period("2024"), "HQ", "computed")
        used = sources.filter(pl.col("indicator") == "env_diesel")["observation_id"].to_list()
        cells = s.execute(select(m.Observation.source_file, m.Observation.cell).where(m.Observation.id.in_(used))).all()
        assert sorted(cells) == [("CINF_2024.xlsx", "D7"), ("CSSI_2024.xlsx", "D7"), ("HQ_2024.xlsx", "D7")]
        computed = s.scalar(
            select(func.count()).select_from(m.ConsolidatedFigure).where(m.ConsolidatedFigure.basis == "computed")
        )
        assert computed == second.figure_count
