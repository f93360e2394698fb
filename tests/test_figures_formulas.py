from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.factors import FactorRegistry
from esgflow.figures.formulas import asked_formula, catalog_formula, compile_formula


def _compile(catalog: Catalog, factors: FactorRegistry, code: str, present: tuple[str, ...] | None = None) -> pl.Expr:
    """code's formula; with `present`, only the terms whose newer-template inputs are among them."""
    ind = catalog[code]
    formula = ind.formula if present is None else asked_formula(ind, catalog, present)
    assert formula

    def factor_of(name: str) -> tuple[Decimal, str]:
        f = factors.resolve(name, date(2024, 12, 31))
        return f.value, f.unit

    return compile_formula(formula, ind.unit, lambda n: catalog[n].unit if n in catalog else None, factor_of)


def test_energy_total_converts_fuels_gas_and_electricity_to_tce(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = pl.DataFrame(
        {
            "env_gasoline": [1000.0],
            "env_diesel": [1000.0],
            "env_natural_gas": [100.0],
            "env_electricity": [4.0],
        }
    )
    # a period before template version 4: the fuels it did not ask for drop out of the sum
    got = frame.select(_compile(catalog, factors, "env_energy_total", tuple(frame.columns))).item()
    expected = (1000 * 0.74 * 1.4714 + 1000 * 0.84 * 1.4571 + 100 * 1.3300 + 4 * 10000 * 0.1229) / 1000
    assert got == pytest.approx(expected, rel=1e-12)


def test_a_newer_input_missing_where_others_have_it_leaves_no_figure(catalog: Catalog) -> None:
    ind = catalog["env_energy_total"]
    every = tuple(n for n in ind.formula_inputs() if n in catalog)
    assert asked_formula(ind, catalog, every) == ind.formula
    assert "env_raw_coal" not in (asked_formula(ind, catalog, ("env_diesel", "env_electricity")) or "")
    # an input of template version 1 never drops out: blank stays unknown, never zero
    assert "env_diesel" in (asked_formula(ind, catalog, ()) or "")


def test_pruning_keeps_signs_and_drops_whole_products(catalog: Catalog) -> None:
    share = catalog["env_renewable_energy_share"]
    assert asked_formula(share, catalog, ("env_electricity_green",)) == (
        "env_electricity_green * sce_electricity / env_energy_total"
    )
    consumption = catalog["env_water_consumption"]
    assert asked_formula(consumption, catalog, ("env_water_withdrawal_total",)) == "env_water_withdrawal_total"
    assert asked_formula(catalog["env_water_withdrawal_total"], catalog, ()) is None


def test_rate_from_counts_is_a_percentage(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = pl.DataFrame({"soc_work_fatalities": [7.0], "soc_employees_total": [11456.0]})
    assert frame.select(_compile(catalog, factors, "soc_work_fatality_rate")).item() == pytest.approx(0.0611, abs=5e-5)


def test_zero_denominator_gives_no_figure(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = pl.DataFrame({"env_water_total": [10.0], "econ_revenue": [0.0]})
    assert frame.select(_compile(catalog, factors, "env_water_intensity")).item() is None


def test_adding_incompatible_units_is_refused() -> None:
    with pytest.raises(EsgflowError, match="cannot convert"):
        compile_formula("a + b", "t", lambda n: {"a": "t", "b": "L"}[n], lambda n: (Decimal(1), "t"))


def test_catalog_formula_takes_catalog_units_and_the_factors_given(catalog: Catalog, factors: FactorRegistry) -> None:
    fy2025 = date(2025, 12, 31)
    expr = catalog_formula(
        "env_electricity * grid_co2", "tCO2e", catalog, lambda n: factors.resolve(n, fy2025, "CN-LN")
    )
    # 10 (10k kWh) x 0.4878 kgCO2/kWh = 48.78 t
    assert pl.DataFrame({"env_electricity": [10.0]}).select(expr).item() == pytest.approx(48.78)
