"""The figures jobs (esgflow.jobs.figures): consolidation, checks and the report."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.demo.group import demo_inputs
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.figures.consolidate import consolidate
from esgflow.figures.explain import Node
from esgflow.figures.scope3 import gate
from esgflow.jobs.collection import (
    ingest_files,
    period_statuses,
)
from esgflow.jobs.common import entity_tree
from esgflow.jobs.figures import check_group, consolidate_period, explain_figure, report_period
from esgflow.jobs.scope3 import screen_demo
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import figures_with_sources
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
        sources = figures_with_sources(s, P2024, "computed")["observation_ids"].list.len().sum()
        return s.scalar(select(func.count()).select_from(m.ConsolidatedFigure)) or 0, sources


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
        listed = figures_with_sources(s, P2024, "computed")
    sources = {(r["scope"], r["indicator"]): r["observation_ids"] for r in listed.iter_rows(named=True)}
    return {(e, i): (str(v), method, sources[(e, i)]) for _, e, i, v, method in rows}


def test_report_refuses_an_unknown_language_before_touching_the_warehouse(sqlite_settings: Settings) -> None:
    with pytest.raises(EsgflowError, match="unknown language fr"):
        report_period(sqlite_settings, P2024, Path("unused"), ["fr"])


# GB/T 2589-2020, Appendix A (kgce per kg, per m3, per kWh, per GJ), and the registry's fuel densities
GBT_2589 = {"gasoline": 1.4714, "diesel": 1.4571, "natural_gas": 1.3300, "electricity": 0.1229}
GBT_2589 |= {"raw_coal": 0.7143, "coke": 0.9714, "fuel_oil": 1.4286, "lpg": 1.7143, "kerosene": 1.4714}
GBT_2589 |= {"heat": 34.12}


def test_a_fy2026_energy_total_is_the_hand_calculation_from_every_fuel(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings = sqlite_settings
    p2026 = parse_period("2026")
    templates = open_collection(settings, p2026, tmp_path / "tpl", ["SAMI"])
    fuels = {
        "env_gasoline": 1000,  # L
        "env_diesel": 2000,  # L
        "env_natural_gas": 500,  # m3
        "env_electricity": 5000000,  # kWh (SAMI's office electricity is part of it)
        "env_electricity_green": 500000,  # kWh, part of the electricity above
        "env_raw_coal": 10,  # t
        "env_coke": 2,
        "env_fuel_oil": 3,
        "env_lpg": Decimal("0.5"),
        "env_kerosene": Decimal("1.2"),
        "env_heat_purchased": 300,  # GJ
        "env_electricity_renewable_self": 20000,  # kWh
        "env_diesel_mobile": 1500,  # L of the diesel above: construction machinery and vessels
        "env_gasoline_mobile": 1000,  # L: every litre of gasoline went into vehicles
        "env_process_emissions": Decimal("12.5"),  # tCO2e
        "env_refrigerant_hfc134a": 2,  # kg
        "env_refrigerant_hfc32": Decimal("1.5"),  # kg: 3 kg of R-410A, half HFC-32 ...
        "env_refrigerant_hfc125": Decimal("1.5"),  # ... half HFC-125
        "env_sf6": Decimal("0.2"),  # kg
    }
    [outcome] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", fuels)], docs=False)
    assert outcome.status.startswith("accepted"), outcome.line()
    consolidate_period(settings, p2026)
    kgce = (
        1000 * 0.74 * GBT_2589["gasoline"]
        + 2000 * 0.84 * GBT_2589["diesel"]
        + 500 * GBT_2589["natural_gas"]
        + (5000000 + 20000) * GBT_2589["electricity"]
        + 10000 * GBT_2589["raw_coal"]
        + 2000 * GBT_2589["coke"]
        + 3000 * GBT_2589["fuel_oil"]
        + 500 * GBT_2589["lpg"]
        + 1200 * GBT_2589["kerosene"]
        + 300 * GBT_2589["heat"]
    )
    energy = explain_figure(settings, p2026, "env_energy_total")
    assert float(energy.stored.value) == pytest.approx(kgce / 1000, rel=1e-9) and energy.agrees()
    cited = {f.code: f for n in _walk(energy.tree) for f in n.factors}
    for code in ("sce_raw_coal", "sce_coke", "sce_fuel_oil", "sce_lpg", "sce_kerosene", "sce_heat"):
        assert "GB/T 2589-2020" in cited[code].publication, code
    assert cited["sce_electricity_calorific"].value == Decimal("0.1229")  # the registry's basis, 当量值
    share = explain_figure(settings, p2026, "env_renewable_energy_share")
    assert float(share.stored.value) == pytest.approx(100 * 520000 * 0.1229 / kgce, rel=1e-9)

    # Scope 1 by source: CO2 with the accounting guideline's defaults, fugitive gases at IPCC AR5 GWP-100
    # (Table 8.A.1: HFC-134a 1300, HFC-32 677, HFC-125 3170, SF6 23500), the registry's default set
    def stored(code: str) -> float:
        return float(explain_figure(settings, p2026, code).stored.value)

    stationary = (500 * 0.84 * 3.145 + 500 / 10000 * 21.62 * 1000) / 1000
    stationary += 10 * 1.9003 + 2 * 2.8604 + 3 * 3.1705 + 0.5 * 3.1013 + 1.2 * 3.0179
    mobile = (1500 * 0.84 * 3.145 + 1000 * 0.74 * 3.043) / 1000
    # CH4 and N2O: tonnes of fuel x NCV (GJ/t, the guideline's) / 1000 = TJ, times IPCC 2006 kg/TJ weighed by
    # AR5 GWP-100 (CH4 28, N2O 265) = kg CO2e; stationary at Table 2.3 (liquid 3 and 0.6, gaseous 1 and 0.1,
    # solid 10 and 1.5 kg/TJ), mobile at Table 3.2.2's road defaults (diesel 3.9 and 3.9, gasoline 33 and 3.2)
    liquid, gaseous, solid = 3 * 28 + 0.6 * 265, 1 * 28 + 0.1 * 265, 10 * 28 + 1.5 * 265  # kg CO2e per TJ
    stationary_non_co2 = (
        (
            0.42 * 43.33 * liquid  # 500 L of stationary diesel, 0.42 t
            + 500 / 10000 * 389.31 * gaseous  # 500 m3 of natural gas, 0.05 of 10^4 m3
            + 10 * 20.908 * solid
            + 2 * 28.435 * solid
            + 3 * 41.816 * liquid
            + 0.5 * 50.179 * gaseous
            + 1.2 * 43.070 * liquid
        )
        / 1000
        / 1000
    )  # kg CO2e per TJ x GJ / 1000 = kg; / 1000 = t
    mobile_non_co2 = (1.26 * 43.33 * (3.9 * 28 + 3.9 * 265) + 0.74 * 44.80 * (33 * 28 + 3.2 * 265)) / 1000 / 1000
    assert stationary_non_co2 == pytest.approx(0.2301, abs=1e-4) and mobile_non_co2 == pytest.approx(0.1211, abs=1e-4)
    stationary += stationary_non_co2
    mobile += mobile_non_co2
    fugitive = (2 * 1300 + 1.5 * 677 + 1.5 * 3170 + 0.2 * 23500) / 1000
    assert stored("env_ghg_scope1_stationary") == pytest.approx(stationary, rel=1e-9)
    assert stored("env_ghg_scope1_mobile") == pytest.approx(mobile, rel=1e-9)
    assert stored("env_ghg_scope1_process") == pytest.approx(12.5, rel=1e-12)
    assert stored("env_ghg_scope1_fugitive") == pytest.approx(fugitive, rel=1e-9)
    assert stored("env_ghg_scope1") == pytest.approx(stationary + mobile + 12.5 + fugitive, rel=1e-9)
    # the report page says the electricity basis and the GWP set beside these figures, as the period's factors made them
    report_period(settings, p2026, tmp_path / "report", ["zh"])
    page = (tmp_path / "report" / "appendix.zh.html").read_text("utf-8")
    assert "电力按当量值（0.1229 千克标准煤/千瓦时）计" in page and "IPCC第五次评估报告（AR5）" in page


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def test_fy2026_water_sources_are_read_beside_the_water_total_and_new_inputs_are_checked_for_unit_slips(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings, p2026 = sqlite_settings, parse_period("2026")
    templates = open_collection(settings, p2026, tmp_path / "tpl", ["SAMI"])
    total = demo_inputs(load_catalog(), load_registry(), parse_period("2024"))["SAMI"]["env_water_total"]  # its base
    water = {"env_water_withdrawal_municipal": total - 3000, "env_water_withdrawal_ground": 3000}
    new = {**water, "env_water_discharge": 8000, "env_so2": Decimal("1.5"), "env_cod": Decimal("0.8")}
    [first] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", new, name="v1.xlsx")], docs=False)
    assert first.status.startswith("accepted"), first.line()
    # sources that differ from 总用水量 are not refused: the two are not declared one figure (yet)
    short = {**new, "env_water_withdrawal_ground": 2000}
    [other] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", short, name="v2.xlsx")], docs=False)
    assert other.status.startswith("accepted"), other.line()
    assert not [f for f in other.findings if f.rule == "parts_sum_to_total"]
    # discharge in 万吨 and SO2 in kg: each new input a power of ten off its previous version is a unit slip
    slipped = {**new, "env_water_discharge": Decimal("0.8"), "env_so2": 1500}
    [odd] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", slipped, name="v3.xlsx")], docs=False)
    slips = {(f.rule, f.indicators[0]) for f in odd.findings if f.rule.startswith("unit_slip")}
    assert {r for r, code in slips if code == "env_water_discharge"} and {r for r, code in slips if code == "env_so2"}
    assert not any(code == "env_cod" for _, code in slips)  # unchanged, no slip


def test_off_road_machinery_takes_ipccs_off_road_ch4_and_n2o_and_the_rest_of_the_mobile_fuel_the_road_ones(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings, p2026 = sqlite_settings, parse_period("2026")
    templates = open_collection(settings, p2026, tmp_path / "tpl", ["SAMI"])
    fuels = {"env_diesel": 2000, "env_diesel_mobile": 1500, "env_diesel_offroad": 1000}  # L: 1000 L in excavators
    fuels |= {"env_gasoline": 1000, "env_gasoline_mobile": 1000, "env_gasoline_offroad": 200}
    [outcome] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", fuels)], docs=False)
    assert outcome.status.startswith("accepted"), outcome.line()
    assert not [f for f in outcome.findings if f.rule == "part_not_above_whole"]
    consolidate_period(settings, p2026)
    # CO2 of every mobile litre as before; CH4 and N2O (t fuel x NCV GJ/t / 1000 = TJ, x kg/TJ x AR5 GWP): the
    # off-road litres at IPCC 2006 Table 3.3.1 (diesel 4.15 and 28.6, 4-stroke gasoline, industry, 50 and 2), the
    # rest at Table 3.2.2's road defaults (diesel 3.9 and 3.9, gasoline 33 and 3.2)
    road_diesel, road_gasoline = 3.9 * 28 + 3.9 * 265, 33 * 28 + 3.2 * 265
    offroad_diesel, offroad_gasoline = 4.15 * 28 + 28.6 * 265, 50 * 28 + 2 * 265
    diesel_tj, gasoline_tj = 0.84 * 43.33 / 1000, 0.74 * 44.80 / 1000  # TJ per kL
    mobile = (1500 * 0.84 * 3.145 + 1000 * 0.74 * 3.043) / 1000
    mobile += (0.5 * diesel_tj * road_diesel + 1.0 * diesel_tj * offroad_diesel) / 1000
    mobile += (0.8 * gasoline_tj * road_gasoline + 0.2 * gasoline_tj * offroad_gasoline) / 1000
    figure = explain_figure(settings, p2026, "env_ghg_scope1_mobile")
    assert float(figure.stored.value) == pytest.approx(mobile, rel=1e-9) and figure.agrees()
    cited = {f.code: f for n in _walk(figure.tree) for f in n.factors}
    n2o = cited["n2o_offroad_diesel"]
    assert n2o.value == Decimal("28.6") and "Table 3.3.1" in n2o.publication
    # off-road machinery is a part of the mobile fuel: more of it than the mobile litres is refused at the cell
    over = {**fuels, "env_diesel_offroad": 1600}
    [odd] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", over, name="v2.xlsx")], docs=False)
    assert [f for f in odd.findings if f.rule == "part_not_above_whole" and f.indicators[0] == "env_diesel_offroad"]
