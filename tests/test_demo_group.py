"""The demo group: returns that recompute the published 2024 figures through the warehouse."""

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import select

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.demo.group import allocate, demo_returns
from esgflow.entities import EntityRegistry
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import figures_with_sources
from tests.returns_factory import P2024, run_demo


def test_allocation_adds_up_exactly_in_the_published_precision() -> None:
    parts = allocate(Decimal("12327323.56"), {"a": 1.0, "b": 2.5, "c": 0.3})
    assert sum(parts.values()) == Decimal("12327323.56")
    assert all(v.as_tuple().exponent >= -2 for v in parts.values())


def test_demo_returns_are_consistent_per_entity(catalog: Catalog, registry: EntityRegistry) -> None:
    for ret in demo_returns(catalog, registry, P2024):
        values = ret.values
        kind = registry[ret.entity].kind
        assert set(values) <= {i.code for i in catalog.inputs_for_kind(kind)}
        for code, value in values.items():
            assert value is not None and value >= 0, (ret.entity, code)
            whole = catalog[code].rules.not_above
            if whole in values:
                assert value <= values[whole], (ret.entity, code)
        for parts in catalog["soc_employees_total"].breakdowns:
            assert sum(values[p] for p in parts) == values["soc_employees_total"]


def test_demo_recomputes_the_published_2024_column(
    settings: Settings, catalog: Catalog, seed_dir: Path, tmp_path: Path
) -> None:
    result = run_demo(settings, tmp_path / "demo")
    published = {
        r["code"]: r["2024"] for r in csv.DictReader((seed_dir / "appendix_2022_2024.csv").open(encoding="utf-8"))
    }
    reported = {r["code"]: r for r in csv.DictReader((tmp_path / "demo" / "appendix.csv").open(encoding="utf-8"))}
    for code, value in published.items():
        if catalog[code].is_input and value:
            assert Decimal(reported[code]["2024"]) == Decimal(value), code
    assert reported["env_fuel_total"]["2024"] == "29625891.30"  # derived, and it agrees
    assert {d[0] for d in result.differences} == {
        "env_energy_total",
        "env_energy_intensity_revenue",
        "env_energy_per_output_value",
    }
    # 2022 and 2023 are the published history
    assert reported["env_diesel"]["2023"] == "22157752.40"
    assert reported["econ_total_assets"]["2022_restated"] == "4739221.82"
    # provenance: every computed figure links back to observations
    with db.session_scope(settings.database_url) as s:
        sources = figures_with_sources(s, P2024, "computed")
    assert sources.height > 0 and sources.filter(pl.col("observation_ids").list.len() == 0).is_empty()
    again = run_demo(settings, tmp_path / "demo")
    assert again.loaded == 0 and again.duplicates == result.loaded


def test_demo_totals_equal_the_sum_of_entity_returns(
    catalog: Catalog, registry: EntityRegistry, sqlite_settings: Settings, tmp_path: Path
) -> None:
    run_demo(sqlite_settings, tmp_path / "demo")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for ret in demo_returns(catalog, registry, P2024):
        for code, value in ret.values.items():
            sums[code] += value
    with db.session_scope(sqlite_settings.database_url) as s:
        figures = dict(
            s.execute(
                select(m.Indicator.code, m.ConsolidatedFigure.value)
                .join(m.Indicator)
                .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
                .where(m.Entity.code == "HQ", m.ConsolidatedFigure.basis == "computed")
            )
            .tuples()
            .all()
        )
    for code, total in sums.items():
        if catalog[code].consolidation in ("sum", "group"):
            assert figures[code] == total, code
