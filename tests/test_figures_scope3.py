"""Scope 3: categories 1 and 6 against hand calculations from the shipped factors, and the screening gate."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources

import polars as pl

from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.factors import FactorRegistry
from esgflow.figures.consolidate import FIGURE_SCHEMA
from esgflow.figures.per_entity import entity_figures
from esgflow.figures.scope3 import CATEGORIES, TOTAL, category_of, category_rows, counted, gate, lines, state_of
from esgflow.records import Scope3ScreeningRecord

FY2026 = date(2026, 12, 31)
# The DESNZ 2025 factors as esgflow/data/factors.yaml ships them, kg CO2e per unit.
AIR_SHORT, AIR_LONG, RAIL, HOTEL = Decimal("0.12786"), Decimal("0.15282"), Decimal("0.03546"), Decimal("53.5")
STEEL, ALUMINIUM, CONCRETE, OTHER = (
    Decimal("3824.09335"),
    Decimal("9115.90131"),
    Decimal("118.79306"),
    Decimal("75.00675"),
)
INPUTS = {
    "env_scope3_air_short_haul": "182000",  # passenger-km
    "env_scope3_air_long_haul": "96500",
    "env_scope3_rail": "410000",
    "env_scope3_hotel_nights": "2300",  # room-nights
    "env_scope3_steel": "12500",  # t
    "env_scope3_aluminium": "830",
    "env_scope3_concrete": "56000",
    "env_scope3_materials_other": "4200",
}


def _observations(entity: str, values: dict[str, str]) -> pl.DataFrame:
    rows = [(n, entity, code, Decimal(v)) for n, (code, v) in enumerate(values.items(), start=1)]
    schema = {"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _figure(frame: pl.DataFrame, code: str) -> Decimal:
    return Decimal(str(frame.filter(pl.col("indicator") == code)["value"].item()))


def test_category_6_and_category_1_equal_the_hand_calculation(catalog: Catalog, factors: FactorRegistry) -> None:
    figures = entity_figures(_observations("SAMI", INPUTS), catalog, factors, {"SAMI": "CN-LN"}, FY2026)
    v = {k: Decimal(x) for k, x in INPUTS.items()}
    cat6_kg = (
        v["env_scope3_air_short_haul"] * AIR_SHORT
        + v["env_scope3_air_long_haul"] * AIR_LONG
        + v["env_scope3_rail"] * RAIL
        + v["env_scope3_hotel_nights"] * HOTEL
    )
    cat1_kg = (
        v["env_scope3_steel"] * STEEL
        + v["env_scope3_aluminium"] * ALUMINIUM
        + v["env_scope3_concrete"] * CONCRETE
        + v["env_scope3_materials_other"] * OTHER
    )
    assert abs(_figure(figures, "env_ghg_scope3_cat6") - cat6_kg / 1000) < Decimal("1e-6")
    assert abs(_figure(figures, "env_ghg_scope3_cat1") - cat1_kg / 1000) < Decimal("1e-6")
    # 23.27 + 14.75 + 14.54 + 123.05 t of flights, rail and hotels, as the report rounds it
    assert round(_figure(figures, "env_ghg_scope3_cat6"), 2) == Decimal("175.61")


def test_spend_based_lines_equal_the_hand_calculation(catalog: Catalog, factors: FactorRegistry) -> None:
    # 10k CNY of the reporting year -> USD at NBS's 2024 average rate -> 2022 prices by BLS CPI-U ->
    # kg CO2e by the US EPA supply-chain factors v1.3 (with margins), as esgflow/data ships them.
    spend = {"env_scope3_spend_steel": "850", "env_scope3_spend_capital_buildings": "3200", "env_scope3_steel": "100"}
    figures = entity_figures(_observations("SAMI", spend), catalog, factors, {"SAMI": "CN-LN"}, FY2026)
    to_2022_usd = Decimal(10000) / Decimal("7.1217") * Decimal("292.655") / Decimal("313.689")
    cat1_kg = Decimal(100) * STEEL + Decimal(850) * to_2022_usd * Decimal("0.787")
    cat2_kg = Decimal(3200) * to_2022_usd * Decimal("0.224")
    assert abs(_figure(figures, "env_ghg_scope3_cat1") - cat1_kg / 1000) < Decimal("1e-6")
    assert abs(_figure(figures, "env_ghg_scope3_cat2") - cat2_kg / 1000) < Decimal("1e-6")
    # 3,200 x 10k CNY of buildings: 4,493,309 USD of 2024, 4,192,016 USD of 2022, 939.0 t
    assert round(_figure(figures, "env_ghg_scope3_cat2"), 1) == Decimal("939.0")


def test_each_spend_line_says_spend_based_and_not_primary_and_its_factors_are_the_shipped_rows(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    spend = [line for line in lines(catalog) if line.method == "spend-based"]
    assert {(line.category, line.indicator.code) for line in spend} == {
        (1, "env_scope3_spend_steel"),
        (2, "env_scope3_spend_capital_buildings"),
    }
    assert not any(line.primary for line in spend)
    shipped = resources.files("esgflow").joinpath("data/eeio_usepa_v1.3.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(shipped)))
    for row in rows:
        factor = factors.resolve(row["factor"], FY2026)
        assert factor.value == Decimal(row["Supply Chain Emission Factors with Margins"])
        assert row["Unit"] == "kg CO2e/2022 USD, purchaser price" and factor.unit == "kgCO2e/USD"
        assert row["2017 NAICS Code"] in factor.source
    assert factors.resolve("s3_us_cpi_2022", FY2026).vintage == 2022  # the factors' price year
    note = resources.files("esgflow").joinpath("data/EEIO_SOURCE.md").read_text("utf-8")
    assert "public domain" in note and "2022 US dollars" in note


def test_category_3_takes_the_fuels_and_electricity_of_scope_1_and_2(catalog: Catalog, factors: FactorRegistry) -> None:
    energy = {"env_diesel": "20000", "env_gasoline": "5000", "env_natural_gas": "3000", "env_electricity": "150"}
    figures = entity_figures(_observations("SAMI", energy), catalog, factors, {"SAMI": "CN-LN"}, FY2026)
    kg = (  # L, L, m3 and 10k kWh by DESNZ 2025 well-to-tank and the MEE footprint less the grid's CO2
        Decimal(20000) * Decimal("0.62409")
        + Decimal(5000) * Decimal("0.60664")
        + Decimal(3000) * Decimal("0.3366")
        + Decimal(150) * 10000 * (Decimal("0.6205") - Decimal("0.5306"))
    )
    assert abs(_figure(figures, "env_ghg_scope3_cat3") - kg / 1000) < Decimal("1e-6")


def test_a_category_without_its_inputs_has_no_figure(catalog: Catalog, factors: FactorRegistry) -> None:
    figures = entity_figures(
        _observations("SAMI", {"env_scope3_rail": "1000"}), catalog, factors, {"SAMI": "CN-LN"}, FY2026
    )
    assert figures.filter(pl.col("indicator") == "env_ghg_scope3_cat1").is_empty()
    assert _figure(figures, "env_ghg_scope3_cat6") == Decimal("1000") * RAIL / 1000


def _consolidated(rows: list[tuple[str, str, float, list[int]]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(s, i, v, None, "sum", ids) for s, i, v, ids in rows],
        schema={k: FIGURE_SCHEMA[k] for k in ("scope", "indicator", "value", "exact", "method", "observation_ids")},
        orient="row",
    ).select(list(FIGURE_SCHEMA))


def test_the_gate_keeps_only_approved_relevant_categories_and_sums_them() -> None:
    figures = _consolidated(
        [
            ("HQ", "env_ghg_scope3_cat1", 1000.0, [1, 2]),
            ("HQ", "env_ghg_scope3_cat6", 175.5, [3]),
            ("HQ", "env_ghg_scope1", 50.0, [4]),
            ("SAMI", "env_ghg_scope3_cat6", 20.0, [3]),
        ]
    )
    kept = gate(figures, {6})
    assert kept.filter(pl.col("indicator") == "env_ghg_scope3_cat1").is_empty()
    total = kept.filter(pl.col("indicator") == TOTAL).sort("scope")
    assert total["scope"].to_list() == ["HQ", "SAMI"] and total["value"].to_list() == [175.5, 20.0]
    assert total["observation_ids"].to_list()[0] == [3]
    assert "env_ghg_scope3_cat6" in total["method"][0]
    assert _figure(kept, "env_ghg_scope1") == Decimal(50)
    # nothing screened relevant: no Scope 3 figure at all, and no zero standing for one
    none = gate(figures, set())
    assert none.filter(pl.col("indicator").str.starts_with("env_ghg_scope3")).is_empty()
    assert none.height == 1


def _screening(category: int, relevant: bool, approved_by: str | None) -> Scope3ScreeningRecord:
    at = datetime(2027, 1, 10, tzinfo=UTC)
    return Scope3ScreeningRecord("2026", category, relevant, "why", "how", "Li Wei", at, approved_by, at)


def test_a_category_counts_only_screened_relevant_and_approved() -> None:
    screenings = [_screening(1, True, None), _screening(6, True, "Wang Fang"), _screening(11, False, "Wang Fang")]
    assert counted(screenings) == {6}
    assert [state_of(s) for s in screenings] == ["pending_approval", "relevant", "not_relevant"]
    rows = category_rows({s.category: s for s in screenings})
    assert [r["category"] for r in rows] == list(CATEGORIES)
    assert rows[1]["state"] == "unscreened" and rows[1]["relevant"] is None
    assert rows[10]["name_en"] == "Use of sold products" and rows[10]["approved_by"] == "Wang Fang"


def test_every_scope3_input_feeds_its_categorys_figure_and_says_its_method(catalog: Catalog) -> None:
    found = lines(catalog)
    spend = {"env_scope3_spend_steel", "env_scope3_spend_capital_buildings"}
    spend |= {"env_scope3_commuters_car", "env_scope3_commuters_transit", "env_scope3_commute_km"}  # category 7
    assert {line.indicator.code for line in found} == set(INPUTS) | {"env_scope3_freight_road"} | spend
    for line in found:
        figure = catalog[f"env_ghg_scope3_cat{line.category}"]
        assert line.indicator.code in figure.formula_inputs()
        assert line.method and isinstance(line.primary, bool)
    assert category_of("env_ghg_scope3_cat15") == 15 and category_of("env_ghg_scope3_total") is None


def test_category_5_and_category_7_equal_the_hand_calculation(catalog: Catalog, factors: FactorRegistry) -> None:
    waste = {
        "env_waste_recycled": "1200",  # t
        "env_waste_landfilled": "300",
        "env_waste_incinerated": "40",
        "env_waste_hazardous_licensed": "6.5",
        "env_waste_construction": "18000",
    }
    commuting = {
        "soc_employees_total": "900",
        "env_scope3_commuters_car": "210",  # person
        "env_scope3_commuters_transit": "480",
        "env_scope3_commute_km": "18.4",  # km per working day, both ways
    }
    figures = entity_figures(_observations("SAMI", waste | commuting), catalog, factors, {"SAMI": "CN-LN"}, FY2026)
    cat5_kg = (  # DESNZ 2025 waste disposal, kg CO2e per tonne
        Decimal(1200) * Decimal("1.00835")
        + Decimal(300) * Decimal("520.5327")
        + (Decimal(40) + Decimal("6.5")) * Decimal("4.68568")
        + Decimal(18000) * Decimal("1.26338")
    )
    # 248 working days in FY2026 (13 public holidays from 2025); DESNZ 2025 average car per km and
    # average local bus per passenger-km
    cat7_kg = Decimal(248) * Decimal("18.4") * (Decimal(210) * Decimal("0.16725") + Decimal(480) * Decimal("0.10385"))
    assert abs(_figure(figures, "env_ghg_scope3_cat5") - cat5_kg / 1000) < Decimal("1e-6")
    assert abs(_figure(figures, "env_ghg_scope3_cat7") - cat7_kg / 1000) < Decimal("1e-6")
    assert round(_figure(figures, "env_ghg_scope3_cat7"), 2) == Decimal("387.74")
    # FY2024 had 11 public holidays: 250 working days
    fy2024 = entity_figures(_observations("SAMI", commuting), catalog, factors, {"SAMI": "CN-LN"}, date(2024, 12, 31))
    assert abs(_figure(fy2024, "env_ghg_scope3_cat7") - cat7_kg / 248 * 250 / 1000) < Decimal("1e-6")
