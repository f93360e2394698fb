"""A consolidation's provenance stored small and derived back (esgflow.warehouse.provenance), on SQLite and on a
real PostgreSQL: the readers give every figure the ids consolidation listed for it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import func, select

from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.entities import ancestry, load_registry
from esgflow.factors import load_factors
from esgflow.figures.explain import Explanation
from esgflow.jobs.common import entity_tree, figures_tree
from esgflow.jobs.figures import consolidate_period, explain_figure
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.reference_data import reference_rows
from esgflow.warehouse import db, provenance
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import figure_sources, figures_with_sources, replace_computed_figures, stored_figure
from esgflow.warehouse.provenance import Inputs, derivable, submissions_read
from esgflow.warehouse.reference import load_reference
from tests.returns_factory import record_values

P2025 = parse_period("2025")
PARENTS = {"HQ": None, "CINF": "HQ", "CSSI": "CINF", "SAMI": "HQ"}


def _count(settings: Settings, table: type) -> int:
    with db.session_scope(settings.database_url) as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_a_consolidation_stores_its_submissions_and_feeds_and_every_figure_reads_back_its_ids(
    settings: Settings,
) -> None:
    init_warehouse(settings)
    cssi = record_values(settings, "CSSI", "a", {"env_diesel": Decimal(2), "env_gasoline": Decimal(3)})
    cinf = record_values(settings, "CINF", "b", {"env_diesel": Decimal(5), "env_gasoline": None})  # blank stays out
    record_values(settings, "SAMI", "c", {"env_diesel": Decimal(7)}, status="rejected")  # not read
    consolidate_period(settings, P2025)
    assert _count(settings, m.FigureSource) == 0  # not a row per (figure, observation)
    assert _count(settings, m.ConsolidationInput) == 2 and _count(settings, m.ConsolidationFeed) > 0
    with db.session_scope(settings.database_url) as s:  # the tree's closure, frozen: each entity in itself and above
        assert _count(settings, m.ConsolidationMember) == len(ancestry(entity_tree(s, P2025))) > len(PARENTS)
    with db.session_scope(settings.database_url) as s:
        read = set(s.scalars(select(m.ConsolidationInput.submission_id)))
        by_entity = {
            (e, i): o
            for e, i, o in s.execute(
                select(m.Entity.code, m.Indicator.code, m.Observation.id).join(m.Entity).join(m.Indicator)
            )
        }
        hq = figure_sources(s, P2025, "HQ", "computed")
        cinf_diesel = stored_figure(s, P2025, "CINF", "env_diesel", ("computed",))
        cssi_diesel = stored_figure(s, P2025, "CSSI", "env_diesel", ("computed",))
        every = figures_with_sources(s, P2025, "computed")
    diesel = sorted([by_entity[("CSSI", "env_diesel")], by_entity[("CINF", "env_diesel")]])
    assert sorted(hq.filter(pl.col("indicator") == "env_diesel")["observation_id"].to_list()) == diesel
    assert hq.filter(pl.col("indicator") == "env_gasoline")["observation_id"].to_list() == [
        by_entity[("CSSI", "env_gasoline")]
    ]
    assert cinf_diesel is not None and cinf_diesel.observation_ids == tuple(diesel)
    assert cssi_diesel is not None and cssi_diesel.observation_ids == (by_entity[("CSSI", "env_diesel")],)
    assert by_entity[("SAMI", "env_diesel")] not in every["observation_ids"].explode().to_list()
    assert every.height > 0 and every.filter(pl.col("observation_ids").list.len() == 0).is_empty()
    assert read == {cssi.submission_id, cinf.submission_id}


def test_an_indicator_whose_figures_list_other_ids_than_the_tree_gives_keeps_a_row_per_id(settings: Settings) -> None:
    init_warehouse(settings)
    for entity, value in (("CSSI", 2), ("CINF", 5), ("SAMI", 7)):
        record_values(settings, entity, entity.lower(), {"env_diesel": Decimal(value), "env_gasoline": Decimal(1)})
    with db.session_scope(settings.database_url) as s:
        owned = s.execute(select(m.Observation.id, m.Entity.code, m.Indicator.code).join(m.Entity).join(m.Indicator))
        frame = pl.DataFrame(owned.all(), schema=["observation_id", "entity", "indicator"], orient="row")
        read = submissions_read(s, P2025)
    o = {(r["entity"], r["indicator"]): r["observation_id"] for r in frame.iter_rows(named=True)}
    diesel, gasoline = (
        sorted(o[(e, code)] for e in ("CSSI", "CINF", "SAMI")) for code in ("env_diesel", "env_gasoline")
    )
    rows = [
        ("HQ", "env_diesel", "14", diesel),  # a sum: every diesel observation under HQ
        ("CINF", "env_diesel", "7", [o[("CSSI", "env_diesel")], o[("CINF", "env_diesel")]]),
        ("HQ", "env_fuel_total", "1", sorted(diesel + gasoline)),  # a formula over both
        ("HQ", "env_gasoline", "2", gasoline[:2]),  # like an average without one entity's weight: fewer ids
    ]
    figures = pl.DataFrame(
        {
            "scope": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "method": ["test"] * len(rows),
            "observation_ids": [r[3] for r in rows],
        },
        schema_overrides={"observation_ids": pl.List(pl.Int64)},
    )
    inputs = Inputs(frame, PARENTS, read)
    feeds, kept, used = derivable(figures, inputs)
    assert kept == {"env_gasoline"} and used == ["CINF", "CSSI", "SAMI"]
    assert sorted(feeds.iter_rows()) == [
        ("env_diesel", "env_diesel"),
        ("env_fuel_total", "env_diesel"),
        ("env_fuel_total", "env_gasoline"),
    ]
    with db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, figures, "computed", inputs)
    assert _count(settings, m.FigureSource) == 2  # only the figure of the indicator that cannot be derived
    with db.session_scope(settings.database_url) as s:
        read_back = figures_with_sources(s, P2025, "computed")
    assert {(r["scope"], r["indicator"]): r["observation_ids"] for r in read_back.iter_rows(named=True)} == {
        (scope, code): sorted(ids) for scope, code, _, ids in rows
    }


def test_an_id_that_is_no_input_observation_keeps_its_indicator_a_row_per_id(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each id finds its owner by its place in an array: an id past the last observation, or below the first,
    # has none, and its figure cannot be derived
    init_warehouse(settings)
    for entity in ("CSSI", "CINF"):
        record_values(settings, entity, entity.lower(), {"env_diesel": Decimal(2), "env_gasoline": Decimal(1)})
    with db.session_scope(settings.database_url) as s:
        owned = s.execute(select(m.Observation.id, m.Entity.code, m.Indicator.code).join(m.Entity).join(m.Indicator))
        frame = pl.DataFrame(owned.all(), schema=["observation_id", "entity", "indicator"], orient="row")
        read = submissions_read(s, P2025)
    o = {(r["entity"], r["indicator"]): r["observation_id"] for r in frame.iter_rows(named=True)}
    beyond = int(frame["observation_id"].max()) + 1000
    figures = pl.DataFrame(
        {
            "scope": ["CINF", "CINF", "CSSI"],
            "indicator": ["env_diesel", "env_gasoline", "env_fuel_total"],
            "observation_ids": [
                [o[("CSSI", "env_diesel")], o[("CINF", "env_diesel")]],
                [o[("CSSI", "env_gasoline")], o[("CINF", "env_gasoline")], beyond],
                [o[("CSSI", "env_diesel")], -1, 0],
            ],
        },
        schema_overrides={"observation_ids": pl.List(pl.Int64)},
    )
    for at_once in (provenance.IDS_AT_ONCE, 1):  # the ids exploded all at once, and a figure at a time
        monkeypatch.setattr(provenance, "IDS_AT_ONCE", at_once)
        feeds, kept, used = derivable(figures, Inputs(frame, PARENTS, read))
        assert kept == {"env_gasoline", "env_fuel_total"} and used == ["CINF", "CSSI"]
        assert sorted(feeds.iter_rows()) == [("env_diesel", "env_diesel")]


def _undo_reorganisation(settings: Settings) -> None:
    """Rewrite the past tree as a corrected registry would on `init`: CSSI under HQ throughout, its 2024 link to
    CINF removed (load_reference removes links it is no longer given)."""
    rows = reference_rows(load_catalog(), load_registry(), load_factors())
    links = [
        {**link, "valid_to": date(9999, 12, 31)} if link["entity"] == "CSSI" and link["parent"] == "HQ" else link
        for link in rows.links
        if not (link["entity"] == "CSSI" and link["parent"] == "CINF")
    ]
    with db.session_scope(settings.database_url) as s:
        load_reference(
            s,
            indicators=rows.indicators,
            entities=rows.entities,
            links=links,
            contacts=rows.contacts,
            factors=rows.factors,
            locations=rows.locations,
        )


def _read_sources(settings: Settings) -> tuple[pl.DataFrame, tuple[int, ...] | None, pl.DataFrame, Explanation]:
    with db.session_scope(settings.database_url) as s:
        every = figures_with_sources(s, P2025, "computed").sort("scope", "indicator")
        cinf = stored_figure(s, P2025, "CINF", "env_diesel", ("computed",))
        explained = figure_sources(s, P2025, "CINF", "computed").sort("indicator", "observation_id")
    return (
        every,
        cinf.observation_ids if cinf else None,
        explained,
        explain_figure(settings, P2025, "env_diesel", "CINF"),
    )


def _ids_of(settings: Settings, *submissions: int) -> tuple[int, ...]:
    with db.session_scope(settings.database_url) as s:
        query = select(m.Observation.id).where(m.Observation.submission_id.in_(submissions))
        return tuple(sorted(s.scalars(query)))


def test_a_consolidated_figure_keeps_its_sources_when_the_past_tree_is_rewritten_until_consolidated_again(
    settings: Settings,
) -> None:
    init_warehouse(settings)
    cssi = record_values(settings, "CSSI", "a", {"env_diesel": Decimal(2)}).submission_id
    cinf = record_values(settings, "CINF", "b", {"env_diesel": Decimal(5)}).submission_id
    consolidate_period(settings, P2025)  # CSSI under CINF since 2024: CINF's diesel is 7 from both returns
    before = _read_sources(settings)
    assert before[1] == _ids_of(settings, cssi, cinf) and before[3].tree.value == 7 and before[3].agrees()
    _undo_reorganisation(settings)
    after = _read_sources(settings)
    assert after[1] == before[1]  # the published figure still stands on what it was summed from
    assert after[0].equals(before[0]) and after[2].equals(before[2])
    assert after[3].tree == before[3].tree and after[3].agrees()  # explain recomputes 7 from both returns
    with db.session_scope(settings.database_url) as s:
        assert entity_tree(s, P2025)["CSSI"] == "HQ" and figures_tree(s, P2025, "computed")["CSSI"] == "CINF"
    consolidate_period(settings, P2025)  # a recorded step: now CINF has only its own return
    again = _read_sources(settings)
    assert again[1] == _ids_of(settings, cinf) and again[3].tree.value == 5 and again[3].agrees()
    with db.session_scope(settings.database_url) as s:
        assert figures_tree(s, P2025, "computed") == entity_tree(s, P2025)
