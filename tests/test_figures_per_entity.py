"""Per-entity figures: emissions by the factors of each entity's location, against a hand calculation."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.factors import FactorRegistry
from esgflow.figures.consolidate import consolidate
from esgflow.figures.per_entity import entity_figures, terms_of

FY2025 = date(2025, 12, 31)
PLACES = {"HQ": "CN-BJ", "SAMI": "CN-LN", "KMSI": "CN-YN", "OS-IN": "IN", "OS-GN": "GN"}
PARENTS: dict[str, str | None] = {"HQ": None, "SAMI": "HQ", "KMSI": "HQ", "OS-IN": "HQ", "OS-GN": "HQ"}
# (entity, indicator, value in the catalog unit); HQ leaves everything but diesel blank
INPUTS = [
    ("HQ", "env_diesel", "500"),
    ("SAMI", "env_diesel", "1000"),
    ("SAMI", "env_gasoline", "200"),
    ("SAMI", "env_natural_gas", "3000"),
    ("SAMI", "env_electricity", "10"),
    ("KMSI", "env_electricity", "20"),
    ("KMSI", "env_electricity_green", "5"),
    ("OS-IN", "env_diesel", "100"),
    ("OS-IN", "env_electricity", "4"),
    ("OS-GN", "env_electricity", "2"),
]
# The cited factors, as the registry holds them (esgflow/data/factors.yaml), for FY2025.
DIESEL_KG_PER_L, GASOLINE_KG_PER_L = Decimal("0.84"), Decimal("0.74")
CO2_DIESEL, CO2_GASOLINE, CO2_GAS = Decimal("3.145"), Decimal("3.043"), Decimal("21.62")  # t/t, t/t, t/10k m3
GRID = {"CN-LN": Decimal("0.4878"), "CN-YN": Decimal("0.1333"), "IN": Decimal("0.7117"), "CN": Decimal("0.5306")}


def _observations(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(n, e, i, Decimal(v)) for n, (e, i, v) in enumerate(rows, start=1)],
        schema={"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )


# CH4 and N2O of stationary combustion: IPCC 2006 Vol. 2 Table 2.3, kg per TJ (liquid fuels 3 and 0.6, gaseous
# 1 and 0.1) weighed by AR5 GWP-100 (28, 265), over the guideline's NCVs (GJ/t; GJ/10^4 m3 for gas).
LIQUID_KG_CO2E_PER_TJ = Decimal(3) * 28 + Decimal("0.6") * 265
GASEOUS_KG_CO2E_PER_TJ = Decimal(1) * 28 + Decimal("0.1") * 265
NCV_DIESEL, NCV_GASOLINE, NCV_GAS = Decimal("43.33"), Decimal("44.80"), Decimal("389.31")


def _non_co2(diesel_l: str = "0", gasoline_l: str = "0", gas_m3: str = "0") -> Decimal:
    """CH4 and N2O of stationary combustion in tCO2e: t (or 10^4 m3) x GJ/t / 1000 = TJ, x kg CO2e/TJ / 1000."""
    t = Decimal(1000)
    tj = (
        Decimal(diesel_l) * DIESEL_KG_PER_L / t * NCV_DIESEL * LIQUID_KG_CO2E_PER_TJ
        + Decimal(gasoline_l) * GASOLINE_KG_PER_L / t * NCV_GASOLINE * LIQUID_KG_CO2E_PER_TJ
        + Decimal(gas_m3) / Decimal(10000) * NCV_GAS * GASEOUS_KG_CO2E_PER_TJ
    )
    return tj / t / t


def _scope1(diesel_l: str = "0", gasoline_l: str = "0", gas_m3: str = "0") -> Decimal:
    t = Decimal(1000)
    return (
        Decimal(diesel_l) * DIESEL_KG_PER_L / t * CO2_DIESEL
        + Decimal(gasoline_l) * GASOLINE_KG_PER_L / t * CO2_GASOLINE
        + Decimal(gas_m3) / Decimal(10000) * CO2_GAS
        + _non_co2(diesel_l, gasoline_l, gas_m3)
    )


def _scope2(wan_kwh: str, factor: Decimal) -> Decimal:
    return Decimal(wan_kwh) * 10000 * factor / 1000  # kWh x kgCO2/kWh -> t


HAND = {
    ("HQ", "env_ghg_scope1_stationary"): _scope1(diesel_l="500"),
    ("SAMI", "env_ghg_scope1_stationary"): _scope1("1000", "200", "3000"),
    ("OS-IN", "env_ghg_scope1_stationary"): _scope1(diesel_l="100"),
    ("SAMI", "env_ghg_scope2_location"): _scope2("10", GRID["CN-LN"]),
    ("KMSI", "env_ghg_scope2_location"): _scope2("20", GRID["CN-YN"]),
    ("OS-IN", "env_ghg_scope2_location"): _scope2("4", Decimal("0.7117")),  # tCO2/MWh = kgCO2/kWh
    ("OS-GN", "env_ghg_scope2_location"): _scope2("2", GRID["CN"]),  # no cited factor: the named fallback
    ("KMSI", "env_ghg_scope2_market"): _scope2("20", GRID["CN-YN"]) - _scope2("5", GRID["CN-YN"]),
}


def test_terms_of_a_formula_keep_their_signs(catalog: Catalog) -> None:
    terms = terms_of(catalog["env_ghg_scope2_market"], catalog)
    assert [(t.sign, t.inputs, t.factors) for t in terms] == [
        (1, ("env_electricity",), ("grid_co2",)),
        (-1, ("env_electricity_green",), ("grid_co2",)),
    ]


def test_entity_emissions_equal_the_hand_calculation(catalog: Catalog, factors: FactorRegistry) -> None:
    got = entity_figures(_observations(INPUTS), catalog, factors, PLACES, FY2025)
    values = {(r["entity"], r["indicator"]): r["value"] for r in got.iter_rows(named=True)}
    for key, expected in HAND.items():
        assert values[key] == pytest.approx(float(expected), rel=1e-12), key
    # an entity that reported no input of a formula has no figure, not a zero
    assert ("HQ", "env_ghg_scope2_location") not in values and ("KMSI", "env_ghg_scope1_stationary") not in values


def test_entity_emissions_name_the_observations_they_use(catalog: Catalog, factors: FactorRegistry) -> None:
    got = entity_figures(_observations(INPUTS), catalog, factors, PLACES, FY2025)
    ids = {(r["entity"], r["indicator"]): r["observation_ids"] for r in got.iter_rows(named=True)}
    assert ids[("SAMI", "env_ghg_scope1_stationary")] == [2, 3, 4]
    assert ids[("KMSI", "env_ghg_scope2_market")] == [6, 7]


def test_group_emissions_are_the_sum_of_the_entities(catalog: Catalog, factors: FactorRegistry) -> None:
    figures = consolidate(_observations(INPUTS), PARENTS, "HQ", catalog, factors, FY2025, PLACES)
    group = {r["indicator"]: r["value"] for r in figures.filter(pl.col("scope") == "HQ").iter_rows(named=True)}
    scope1 = sum(v for (_, code), v in HAND.items() if code == "env_ghg_scope1_stationary")
    scope2 = sum(v for (_, code), v in HAND.items() if code == "env_ghg_scope2_location")
    # before template version 4 every fuel was stationary, and Scope 1 is the sum of its sources
    assert group["env_ghg_scope1"] == group["env_ghg_scope1_stationary"] == pytest.approx(float(scope1), rel=1e-12)
    assert group["env_ghg_scope2_location"] == pytest.approx(float(scope2), rel=1e-12)
    assert group["env_ghg_total"] == pytest.approx(float(scope1 + scope2), rel=1e-12)
    sami = figures.filter((pl.col("scope") == "SAMI") & (pl.col("indicator") == "env_ghg_scope2_location"))
    assert sami["value"].item() == pytest.approx(float(HAND[("SAMI", "env_ghg_scope2_location")]), rel=1e-12)


def test_the_2022_vintage_applies_to_a_2024_period(catalog: Catalog, factors: FactorRegistry) -> None:
    got = entity_figures(_observations(INPUTS), catalog, factors, PLACES, date(2024, 12, 31))
    sami = got.filter((pl.col("entity") == "SAMI") & (pl.col("indicator") == "env_ghg_scope2_location"))
    assert sami["value"].item() == pytest.approx(float(_scope2("10", Decimal("0.5626"))), rel=1e-12)


def test_ipcc_fuel_factors_are_a_configuration_choice(catalog: Catalog, factors: FactorRegistry) -> None:
    ipcc = factors.with_choices({"fuel_co2": "ipcc_2006"})
    got = entity_figures(_observations(INPUTS[:1]), catalog, ipcc, PLACES, FY2025)
    expected = Decimal(500) * DIESEL_KG_PER_L / 1000 * Decimal("3.186") + _non_co2(diesel_l="500")
    stationary = got.filter(pl.col("indicator") == "env_ghg_scope1_stationary")  # Scope 3 category 3 also comes of it
    assert stationary["value"].item() == pytest.approx(float(expected), rel=1e-12)


def test_a_factor_set_older_than_the_catalog_serves_the_inputs_reported_then(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    # a period pinned before the refrigerants were asked has no GWP factors; its returns have no refrigerants
    older = replace(factors, factors=tuple(f for f in factors.factors if not f.name.startswith("gwp_")))
    got = entity_figures(_observations(INPUTS[:1]), catalog, older, PLACES, FY2025)
    stationary = got.filter(pl.col("indicator") == "env_ghg_scope1_stationary")
    assert stationary["value"].item() > 0
    assert "env_ghg_scope1_fugitive" not in got["indicator"].to_list()


def test_a_registry_without_the_ch4_and_n2o_factors_keeps_the_co2_only_method(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    # a period pinned before CH4 and N2O from combustion were counted keeps its figures until restated
    older = replace(factors, factors=tuple(f for f in factors.factors if not f.name.startswith(("ch4_", "n2o_"))))
    got = entity_figures(_observations(INPUTS[:1]), catalog, older, PLACES, FY2025)
    stationary = got.filter(pl.col("indicator") == "env_ghg_scope1_stationary")["value"].item()
    assert stationary == pytest.approx(float(Decimal(500) * DIESEL_KG_PER_L / 1000 * CO2_DIESEL), rel=1e-12)
    # today's registry counts them: 0.42 t of diesel, 18.2 GJ, 243 kg CO2e per TJ, 4.42 kg CO2e more
    now = entity_figures(_observations(INPUTS[:1]), catalog, factors, PLACES, FY2025)
    assert now.filter(pl.col("indicator") == "env_ghg_scope1_stationary")["value"].item() - stationary == (
        pytest.approx(0.0044222598, rel=1e-9)
    )


def test_every_factor_a_per_entity_formula_names_is_in_todays_registry(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    # a term whose factor the registry lacks drops out (an older pinned registry), so a misspelt name must fail here
    names = {
        n
        for i in catalog.indicators
        if i.consolidation == "per_entity"
        for t in terms_of(i, catalog)
        for n in t.factors
    }
    assert {"ch4_stationary_solid", "n2o_mobile_gasoline", "ncv_coke", "gwp_ch4", "gwp_n2o"} <= names
    assert sorted(n for n in names if not factors.knows(n)) == []


# --- an input split by place -------------------------------------------------------------------
# SAMI (registered in Liaoning) splits its 10 (10k kWh) of electricity, observation 5: 6 used in
# Yunnan, 4 in Liaoning; it also bought 2 of green electricity (observation 11).
SPLIT_INPUTS = [*INPUTS, ("SAMI", "env_electricity_green", "2")]


def _splits(rows: list[tuple[int, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(i, ind, place, Decimal(v)) for i, ind, place, v in rows],
        schema={"observation_id": pl.Int64, "indicator": pl.Utf8, "location": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )


SPLIT = _splits([(5, "env_electricity", "CN-YN", "6"), (5, "env_electricity", "CN-LN", "4")])


def test_a_split_entity_takes_each_places_grid_factor(catalog: Catalog, factors: FactorRegistry) -> None:
    got = entity_figures(_observations(SPLIT_INPUTS), catalog, factors, PLACES, FY2025, SPLIT)
    values = {(r["entity"], r["indicator"]): r["value"] for r in got.iter_rows(named=True)}
    location = _scope2("6", GRID["CN-YN"]) + _scope2("4", GRID["CN-LN"])
    assert values[("SAMI", "env_ghg_scope2_location")] == pytest.approx(float(location), rel=1e-12)
    # green electricity's place is not reported: it is taken where the electricity was, 60 / 40
    green = Decimal("0.6") * _scope2("2", GRID["CN-YN"]) + Decimal("0.4") * _scope2("2", GRID["CN-LN"])
    assert values[("SAMI", "env_ghg_scope2_market")] == pytest.approx(float(location - green), rel=1e-12)
    # fuels do not depend on the place, and the other entities keep their registered one
    assert values[("SAMI", "env_ghg_scope1_stationary")] == pytest.approx(
        float(HAND[("SAMI", "env_ghg_scope1_stationary")]), rel=1e-12
    )
    for key, expected in HAND.items():
        if key[0] != "SAMI":
            assert values[key] == pytest.approx(float(expected), rel=1e-12), key
    ids = {(r["entity"], r["indicator"]): r["observation_ids"] for r in got.iter_rows(named=True)}
    assert ids[("SAMI", "env_ghg_scope2_location")] == [5] and ids[("SAMI", "env_ghg_scope2_market")] == [5, 11]
    assert got.select("entity", "indicator").is_unique().all()


def test_without_a_split_the_registered_location_applies(catalog: Catalog, factors: FactorRegistry) -> None:
    plain = entity_figures(_observations(SPLIT_INPUTS), catalog, factors, PLACES, FY2025)
    other = _splits([(99, "env_electricity", "CN-YN", "10")])  # a split of an observation not in the frame
    assert entity_figures(_observations(SPLIT_INPUTS), catalog, factors, PLACES, FY2025, other).equals(plain)
    sami = plain.filter((pl.col("entity") == "SAMI") & (pl.col("indicator") == "env_ghg_scope2_location"))
    assert sami["value"].item() == pytest.approx(float(_scope2("10", GRID["CN-LN"])), rel=1e-12)


def test_a_split_all_in_zeros_shares_equally(catalog: Catalog, factors: FactorRegistry) -> None:
    rows = [("SAMI", "env_electricity", "0"), ("SAMI", "env_electricity_green", "0")]
    zero = _splits([(1, "env_electricity", "CN-YN", "0"), (1, "env_electricity", "CN-LN", "0")])
    got = entity_figures(_observations(rows), catalog, factors, PLACES, FY2025, zero)
    values = {r["indicator"]: r["value"] for r in got.iter_rows(named=True)}
    assert values == {"env_ghg_scope2_location": 0.0, "env_ghg_scope2_market": 0.0, "env_ghg_scope3_cat3": 0.0}


def test_the_group_sums_a_split_entitys_figure(catalog: Catalog, factors: FactorRegistry) -> None:
    figures = consolidate(_observations(SPLIT_INPUTS), PARENTS, "HQ", catalog, factors, FY2025, PLACES, SPLIT)
    scope2 = {
        r["scope"]: r["value"]
        for r in figures.filter(pl.col("indicator") == "env_ghg_scope2_location").iter_rows(named=True)
    }
    sami = _scope2("6", GRID["CN-YN"]) + _scope2("4", GRID["CN-LN"])
    others = sum(v for (e, code), v in HAND.items() if code == "env_ghg_scope2_location" and e != "SAMI")
    assert scope2["SAMI"] == pytest.approx(float(sami), rel=1e-12)
    assert scope2["HQ"] == pytest.approx(float(sami + others), rel=1e-12)
