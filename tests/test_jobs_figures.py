"""The figures jobs (esgflow.jobs.figures): consolidation, checks and the report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.figures.consolidate import consolidate
from esgflow.figures.scope3 import gate
from esgflow.jobs.collection import (
    ingest_files,
    period_statuses,
)
from esgflow.jobs.common import entity_tree
from esgflow.jobs.figures import check_group, consolidate_period, report_period
from esgflow.jobs.scope3 import screen_demo
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.observations import accepted_observations
from tests.returns_factory import fill, load_demo_returns, open_collection

P2024 = parse_period("2024")


def test_ingest_consolidate_check_and_report_one_return(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2024, tmp_path / "tpl", ["SAMI"])
    [outcome] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1234})])
    assert outcome.status == "accepted" and outcome.letter and outcome.letter.is_file()
    result = consolidate_period(settings, P2024)
    assert result.observation_count == outcome.observation_count and result.group_figure_count > 0
    statuses = {s.entity: s.status for s in period_statuses(settings, P2024)}
    assert statuses["SAMI"] == "accepted" and statuses["HQ"] == "not_submitted"
    assert all(f.period == "2024" for f in check_group(settings, P2024))
    files = report_period(settings, P2024, tmp_path / "out", ["en"])
    row = next(r for r in files.table.rows if r.indicator.code == "env_diesel")
    assert row.cells["2024"] is not None and row.cells["2024"].value == 1234


def test_consolidation_stores_every_figure_as_computed_with_all_its_observations(settings: Settings) -> None:
    init_warehouse(settings)
    load_demo_returns(settings, P2024)
    relevant = set(screen_demo(settings, P2024))  # Scope 3 categories count as the office screened them
    with db.session_scope(settings.database_url) as s:
        observations = accepted_observations(s, P2024)
        parents = entity_tree(s, P2024)
    root = load_registry().root()
    places = load_registry().locations_on(P2024.ends_on)
    figures = consolidate(observations, parents, root, load_catalog(), load_factors(), P2024.ends_on, places)
    figures = gate(figures, relevant)
    # as stored before figures went in bulk: a Decimal per figure (12 significant digits unless exact)
    expected = {
        (r["scope"], r["indicator"]): (
            str(r["exact"] if r["exact"] is not None else Decimal(f"{r['value']:.12g}")),
            r["method"],
            sorted(r["observation_ids"]),
        )
        for r in figures.iter_rows(named=True)
    }
    for _ in range(2):  # again: replaced, not added
        result = consolidate_period(settings, P2024)
        assert result.figure_count == len(expected) == _stored_count(settings)[0]
        assert _stored_count(settings)[1] == sum(len(ids) for _, _, ids in expected.values())
    assert _stored(settings) == expected


def _stored_count(settings: Settings) -> tuple[int, int]:
    with db.session_scope(settings.database_url) as s:
        return (
            s.scalar(select(func.count()).select_from(m.ConsolidatedFigure)) or 0,
            s.scalar(select(func.count()).select_from(m.FigureSource)) or 0,
        )


def _stored(settings: Settings) -> dict[tuple[str, str], tuple[str, str, list[int]]]:
    """(scope, indicator) -> (value as stored, method, ids of its observations) of the computed figures."""
    f = m.ConsolidatedFigure
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(
            select(f.id, m.Entity.code, m.Indicator.code, f.value, f.method)
            .join(m.Entity, m.Entity.id == f.entity_id)
            .join(m.Indicator, m.Indicator.id == f.indicator_id)
            .where(f.basis == "computed")
        ).all()
        sources: dict[int, list[int]] = {}
        for figure_id, observation_id in s.execute(select(m.FigureSource.figure_id, m.FigureSource.observation_id)):
            sources.setdefault(figure_id, []).append(observation_id)
    return {(e, i): (str(v), method, sorted(sources.get(fid, []))) for fid, e, i, v, method in rows}


def test_report_refuses_an_unknown_language_before_touching_the_warehouse(sqlite_settings: Settings) -> None:
    with pytest.raises(EsgflowError, match="unknown language fr"):
        report_period(sqlite_settings, P2024, Path("unused"), ["fr"])
