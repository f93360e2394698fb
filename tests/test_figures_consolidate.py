"""Consolidation on a handful of entities on two levels, with CSSI moving under CINF in 2024."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry
from esgflow.figures.consolidate import FIGURE_SCHEMA, consolidate, storable

ENTITIES = {"HQ", "CINF", "CSSI", "NFC6", "EQUIP"}
# (entity, indicator, value, unit as reported; None = the catalog's input unit)
RETURNS = [
    ("HQ", "env_diesel", "100", None),
    ("CINF", "env_diesel", "200", None),
    ("CSSI", "env_diesel", "300", None),
    ("NFC6", "env_diesel", "400", None),
    ("NFC6", "env_gasoline", "1000", None),
    ("HQ", "env_gasoline", "0", None),
    ("CINF", "env_gasoline", "0", None),
    ("CSSI", "env_gasoline", "0", None),
    ("HQ", "env_natural_gas", "0", None),
    ("CINF", "env_natural_gas", "0", None),
    ("CSSI", "env_natural_gas", "0", None),
    ("NFC6", "env_natural_gas", "0", None),
    ("HQ", "env_electricity", "10000", "kWh"),
    ("CINF", "env_electricity", "0.5", "10k kWh"),
    ("CSSI", "env_electricity", "25000", "kWh"),
    ("NFC6", "env_electricity", "5000", "kWh"),
    ("HQ", "econ_revenue", "1000", None),
    ("CINF", "econ_revenue", "999999", None),  # group-only: an entity's figure is not summed
    ("NFC6", "env_waste_nonhazardous", "300", None),
    ("EQUIP", "env_waste_nonhazardous", "100", None),
    ("NFC6", "env_solid_waste_reuse_rate", "80", None),
    ("EQUIP", "env_solid_waste_reuse_rate", "100", None),
]


def _observations(catalog: Catalog) -> pl.DataFrame:
    rows = []
    for n, (entity, code, value, unit) in enumerate(RETURNS):
        ind = catalog[code]
        rows.append((n, entity, code, units.convert(Decimal(value), unit or ind.input_unit or ind.unit, ind.unit)))
    return pl.DataFrame(
        rows,
        schema={"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )


def _figures(catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry, on: date) -> dict:
    parents = {e: p for e, p in registry.parents_on(on).items() if e in ENTITIES}
    frame = consolidate(_observations(catalog), parents, "HQ", catalog, factors, on)
    return {(r["scope"], r["indicator"]): r for r in frame.iter_rows(named=True)}


@pytest.fixture
def y2023(catalog, registry, factors) -> dict:
    return _figures(catalog, registry, factors, date(2023, 12, 31))


@pytest.fixture
def y2024(catalog, registry, factors) -> dict:
    return _figures(catalog, registry, factors, date(2024, 12, 31))


def test_sums_are_exact_and_carry_their_observations(y2024: dict) -> None:
    diesel = y2024[("HQ", "env_diesel")]
    assert diesel["exact"] == Decimal("1000")
    assert sorted(diesel["observation_ids"]) == [0, 1, 2, 3]


def test_units_are_converted_to_the_reporting_unit(y2024: dict) -> None:
    # 10000 kWh + 0.5 (10k kWh) + 25000 kWh + 5000 kWh = 4.5 (10k kWh)
    assert y2024[("HQ", "env_electricity")]["exact"] == Decimal("4.5")


def test_group_only_figures_come_from_the_root_alone(y2024: dict) -> None:
    assert y2024[("HQ", "econ_revenue")]["exact"] == Decimal("1000")
    assert ("CINF", "econ_revenue") not in y2024


def test_derived_figures_use_consolidated_parts(y2024: dict) -> None:
    energy = (1000 * 0.74 * 1.4714 + 1000 * 0.84 * 1.4571 + 4.5 * 10000 * 0.1229) / 1000
    assert y2024[("HQ", "env_fuel_total")]["value"] == pytest.approx(2000)
    assert y2024[("HQ", "env_energy_total")]["value"] == pytest.approx(energy, rel=1e-12)
    # group energy / group revenue, not an average of entity intensities
    assert y2024[("HQ", "env_energy_intensity_revenue")]["value"] == pytest.approx(energy / 1000, rel=1e-12)
    assert ("NFC6", "env_energy_intensity_revenue") not in y2024  # no revenue below the group
    assert set(y2024[("HQ", "env_energy_total")]["observation_ids"]) >= {0, 1, 2, 3, 4, 12, 13, 14, 15}


def test_weighted_average(y2024: dict) -> None:
    assert y2024[("HQ", "env_solid_waste_reuse_rate")]["value"] == pytest.approx((80 * 300 + 100 * 100) / 400)


def test_a_move_keeps_group_totals_and_moves_subtree_totals(y2023: dict, y2024: dict) -> None:
    for code in ("env_diesel", "env_electricity", "env_fuel_total", "env_energy_total"):
        assert y2023[("HQ", code)]["value"] == pytest.approx(y2024[("HQ", code)]["value"])
    assert y2023[("CINF", "env_diesel")]["exact"] == Decimal("200")
    assert y2024[("CINF", "env_diesel")]["exact"] == Decimal("500")
    assert y2024[("CINF", "env_electricity")]["exact"] == Decimal("3")


def test_a_missing_part_leaves_the_total_unknown(catalog, registry, factors) -> None:
    frame = consolidate(
        _observations(catalog).filter(pl.col("indicator") != "env_natural_gas"),
        registry.parents_on(date(2024, 12, 31)),
        "HQ",
        catalog,
        factors,
        date(2024, 12, 31),
    )
    assert frame.filter((pl.col("scope") == "HQ") & (pl.col("indicator") == "env_energy_total")).is_empty()


def test_a_derived_figure_carries_every_observation_of_every_figure_it_uses(y2024: dict) -> None:
    energy, revenue = y2024[("HQ", "env_energy_total")], y2024[("HQ", "econ_revenue")]
    intensity = y2024[("HQ", "env_energy_intensity_revenue")]  # energy (itself derived) / revenue
    expected = sorted(set(energy["observation_ids"]) | set(revenue["observation_ids"]))
    assert intensity["observation_ids"] == expected  # each id once, in order
    fuel = y2024[("HQ", "env_fuel_total")]
    assert set(fuel["observation_ids"]) <= set(energy["observation_ids"])


def _frame(exact: list[str | None], value: list[float]) -> pl.DataFrame:
    n = len(value)
    return pl.DataFrame(
        {
            "scope": ["HQ"] * n,
            "indicator": [f"i{k}" for k in range(n)],
            "value": value,
            "exact": [None if e is None else Decimal(e) for e in exact],
            "method": ["m"] * n,
            "observation_ids": [[k] for k in range(n)],
        },
        schema=FIGURE_SCHEMA,
    )


def test_storable_writes_each_value_as_its_decimal_did() -> None:
    # what the warehouse stored before values were written in bulk: str(Decimal), 12 significant digits for floats
    exact = ["1500.5", "0", "-3.25", "0.0000001", "-0.000000000001", "0.000001", "123456789012345.123456789012"]
    floats = [38.888888888888886, 100.0, 1e-07, 1.23456789012345e16, -0.5, 0.000123456789, 2.5e-05, 0.1 + 0.2]
    frame = _frame([*exact, *[None] * len(floats)], [float(Decimal(e)) for e in exact] + floats)
    as_before = [
        str(e if e is not None else Decimal(f"{v:.12g}")) for e, v in zip(frame["exact"], frame["value"], strict=True)
    ]
    assert storable(frame)["value"].to_list() == as_before
    # among them the texts that polars would write otherwise: 0.000000000000, 0.000000100000, 1e-07
    assert (as_before[1], as_before[3], as_before[9]) == ("0E-12", "1.00000E-7", "1E-7")


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_storable_refuses_a_value_that_is_not_a_number(value: float) -> None:
    with pytest.raises(ValueError, match="not a finite quantity"):
        storable(_frame([None], [value]))


def test_storable_keeps_the_observation_ids_of_every_figure(y2024: dict) -> None:
    frame = pl.DataFrame(list(y2024.values()), schema=FIGURE_SCHEMA, orient="row")
    stored = storable(frame)
    assert stored.columns == ["scope", "indicator", "method", "observation_ids", "value"]
    assert stored["observation_ids"].to_list() == frame["observation_ids"].to_list()
