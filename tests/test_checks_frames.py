"""Check frames: figures laid out in polars, each row carrying what its expectation compares."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.checks.frames import (
    BASE_SCHEMA,
    FRAME_SCHEMA,
    CheckedValue,
    base_frame,
    checked_value,
    group_frame,
    staged_base,
    submission_frame,
)
from esgflow.factors import FactorRegistry
from esgflow.intake.stage import stage, unit_factors
from esgflow.workbooks.returns import ParsedReturn, ReportedValue

ON = date(2024, 12, 31)


def _fig(catalog: Catalog, code: str, written: str | None, key: str = "k", **kw: Any) -> CheckedValue:
    """A figure as written in the unit its template asks for, reported in its reporting unit."""
    ind = catalog[code]
    w = None if written is None else Decimal(written)
    value = None if w is None else units.convert(w, ind.input_unit or ind.unit, ind.unit)
    return checked_value(key, code, value, catalog, written=w, **kw)


def _rows(frame: pl.DataFrame, row: str, indicator: str, key: str | None = None) -> list[dict[str, Any]]:
    selected = frame.filter((pl.col("row") == row) & (pl.col("indicator") == indicator))
    if key is not None:
        selected = selected.filter(pl.col("key") == key)
    return list(selected.iter_rows(named=True))


def _one(frame: pl.DataFrame, row: str, indicator: str, key: str | None = None) -> dict[str, Any]:
    [found] = _rows(frame, row, indicator, key)
    return found


def _group(
    catalog: Catalog,
    factors: FactorRegistry,
    figures: dict[str, dict[str, str]],
    prior: dict[str, str] | None = None,
) -> pl.DataFrame:
    return group_frame(
        {basis: {c: Decimal(v) for c, v in values.items()} for basis, values in figures.items()},
        {c: Decimal(v) for c, v in (prior or {}).items()},
        catalog,
        factors,
        ON,
    )


# --- checked_value and base_frame ----------------------------------------------------------------


def test_checked_value_rounding_is_that_of_the_written_figure_in_the_reporting_unit(catalog: Catalog) -> None:
    # electricity is asked in kWh and reported in 10k kWh: 12345.6 kWh stands for +-0.05 kWh = +-0.000005 10k kWh
    figure = checked_value("k", "env_electricity", Decimal("1.23456"), catalog, written=Decimal("12345.6"))
    assert figure.half == pytest.approx(0.000005, rel=1e-9)
    assert (figure.value, figure.written) == (Decimal("1.23456"), Decimal("12345.6"))


def test_checked_value_takes_the_value_as_written_when_nothing_else_is_given(catalog: Catalog) -> None:
    figure = checked_value("k", "env_diesel", Decimal("100.5"), catalog)
    assert figure.written == Decimal("100.5") and figure.half == pytest.approx(0.05)


def test_checked_value_of_a_count_is_exact(catalog: Catalog) -> None:
    assert checked_value("k", "soc_new_hires", Decimal("12"), catalog).half == 0.0


def test_checked_value_without_a_figure_has_no_rounding(catalog: Catalog) -> None:
    figure = checked_value("k", "env_diesel", None, catalog, required=True, note="no vehicles")
    assert (figure.value, figure.written, figure.half) == (None, None, 0.0)
    assert figure.required and figure.note == "no vehicles"


def test_checked_value_keeps_key_note_required_and_prior(catalog: Catalog) -> None:
    figure = checked_value("r1", "env_diesel", Decimal("5"), catalog, note="n", required=True, prior=Decimal("4"))
    assert (figure.key, figure.indicator, figure.note, figure.required, figure.prior) == (
        "r1",
        "env_diesel",
        "n",
        True,
        Decimal("4"),
    )


def test_base_frame_lays_figures_out_with_the_base_schema(catalog: Catalog) -> None:
    figures = [
        checked_value("a", "env_diesel", Decimal("1500.500"), catalog, note="new site", prior=Decimal("1000")),
        checked_value("a", "env_gasoline", Decimal("1E+2"), catalog, note=""),
        checked_value("b", "env_natural_gas", None, catalog, required=True),
    ]
    frame = base_frame(figures)
    assert dict(frame.schema) == {name: dtype() for name, dtype in BASE_SCHEMA.items()}
    assert frame.rows() == [
        ("a", "env_diesel", 1500.5, "1500.5", figures[0].half, False, True, 1000.0, None),
        ("a", "env_gasoline", 100.0, "100", figures[1].half, False, False, None, None),
        ("b", "env_natural_gas", None, None, 0.0, True, False, None, None),
    ]


@pytest.mark.parametrize(
    ("value", "previous", "prior", "slip", "against"),
    [
        ("0.059554", "595.54", None, -4.0, "previous version"),  # 万千瓦时 typed into the kWh cell
        ("595540", "595.54", "500", 3.0, "previous version"),  # the previous version wins over last period
        ("5000", None, "480", 1.0, "last period"),  # about ten times last period's, within the tolerance
        ("5955.4", "59554", None, -1.0, "previous version"),
        ("59554", "595.54", None, None, "previous version"),  # x100 is no unit this rule knows
        ("700", "1", None, None, "previous version"),  # 700 is no power of ten
        ("0", "595.54", None, None, "previous version"),  # zero says nothing about units
        ("595.54", None, None, None, None),  # nothing to compare with
    ],
)
def test_a_figure_a_power_of_ten_off_is_flagged_as_a_slip(
    catalog: Catalog, value: str, previous: str | None, prior: str | None, slip: float | None, against: str | None
) -> None:
    figure = checked_value(
        "a",
        "env_electricity",
        Decimal(value),
        catalog,
        prior=None if prior is None else Decimal(prior),
        previous=None if previous is None else Decimal(previous),
    )
    [row] = submission_frame([figure], catalog).filter(pl.col("row") == "figure").iter_rows(named=True)
    assert row["slip"] == slip and row["slip_ref"] == against


def test_base_frame_of_no_figures_is_empty_with_its_schema() -> None:
    frame = base_frame([])
    assert frame.height == 0 and frame.columns == list(BASE_SCHEMA)


# --- submission_frame ------------------------------------------------------------------------


def test_submission_frame_has_the_frame_schema_and_numbered_rows(catalog: Catalog) -> None:
    people = [_fig(catalog, c, v) for c, v in (("soc_employees_total", "10"), ("soc_employees_female", "4"))]
    people.append(_fig(catalog, "soc_employees_male", "6"))
    frame = submission_frame(people, catalog)
    assert dict(frame.schema) == FRAME_SCHEMA
    assert frame["row_id"].to_list() == list(range(frame.height))
    assert sorted(frame["row"].to_list()) == ["breakdown", "figure", "figure", "figure"]


def test_submission_frame_from_figures_equals_that_from_their_base_frame(catalog: Catalog) -> None:
    figures = [
        _fig(catalog, "env_office_water", "1002"),
        _fig(catalog, "env_water_total", "1000"),
        _fig(catalog, "env_diesel", "200", prior=Decimal("100")),
    ]
    assert submission_frame(figures, catalog).equals(submission_frame(base_frame(figures), catalog))


def test_a_part_is_compared_with_its_whole_in_the_parts_unit_with_both_roundings(catalog: Catalog) -> None:
    # office water is reported in 10k t, total water in t: 1002 t against 1000 t, each written to +-0.5 t
    frame = submission_frame(
        [_fig(catalog, "env_office_water", "1002"), _fig(catalog, "env_water_total", "1000")], catalog
    )
    row = _one(frame, "figure", "env_office_water")
    assert row["whole"] == "env_water_total"
    assert row["value"] == pytest.approx(0.1002)
    assert row["whole_value"] == pytest.approx(0.1)
    assert row["whole_bound"] == pytest.approx(0.1 + 0.00005 + 0.00005)
    assert _one(frame, "figure", "env_water_total")["whole"] is None


def test_a_part_is_only_compared_with_the_whole_of_its_own_key(catalog: Catalog) -> None:
    frame = submission_frame(
        [
            _fig(catalog, "env_office_water", "1002", key="a"),
            _fig(catalog, "env_water_total", "5000", key="b"),
        ],
        catalog,
    )
    row = _one(frame, "figure", "env_office_water", "a")
    assert row["whole"] == "env_water_total" and row["whole_value"] is None and row["whole_bound"] is None


@pytest.mark.parametrize(
    ("value", "prior", "change"),
    [("200", "100", 1.0), ("75", "100", 0.25), ("0", "0", 0.0), ("5", "0", math.inf), ("5", None, None)],
)
def test_change_from_last_period_is_relative_to_the_prior_figure(
    catalog: Catalog, value: str, prior: str | None, change: float | None
) -> None:
    figure = _fig(catalog, "env_diesel", value, prior=None if prior is None else Decimal(prior))
    row = _one(submission_frame([figure], catalog), "figure", "env_diesel")
    assert row["yoy_change"] == (None if change is None else pytest.approx(change))
    assert row["yoy_threshold"] == pytest.approx(catalog["env_diesel"].yoy_threshold)


def test_each_indicator_carries_its_own_change_threshold(catalog: Catalog) -> None:
    frame = submission_frame(
        [_fig(catalog, "gov_contracts_reviewed", "10"), _fig(catalog, "env_diesel", "10")],
        catalog,
    )
    assert _one(frame, "figure", "gov_contracts_reviewed")["yoy_threshold"] == pytest.approx(0.5)
    assert _one(frame, "figure", "env_diesel")["yoy_threshold"] == pytest.approx(0.3)


def test_a_breakdown_row_adds_up_the_parts_against_the_total(catalog: Catalog) -> None:
    people = zip(["soc_employees_total", "soc_employees_female", "soc_employees_male"], ["10", "4", "5"], strict=True)
    frame = submission_frame([_fig(catalog, c, v) for c, v in people], catalog)
    row = _one(frame, "breakdown", "soc_employees_total")
    assert row["parts"] == "soc_employees_female+soc_employees_male"
    assert (row["value"], row["recomputed"], row["gap"]) == (10.0, 9.0, 1.0)
    assert row["tolerance"] == pytest.approx(0.0, abs=1e-6)  # counts are exact


def test_a_breakdown_with_a_part_or_the_total_missing_gives_no_row(catalog: Catalog) -> None:
    part_missing = [
        _fig(catalog, "soc_employees_total", "10"),
        _fig(catalog, "soc_employees_female", "4"),
        _fig(catalog, "soc_employees_male", None),
    ]
    total_missing = [_fig(catalog, "soc_employees_female", "4"), _fig(catalog, "soc_employees_male", "6")]
    for figures in (part_missing, total_missing):
        assert _rows(submission_frame(figures, catalog), "breakdown", "soc_employees_total") == []


def test_every_breakdown_of_a_total_gets_its_row(catalog: Catalog) -> None:
    values = {
        "soc_employees_total": "10",
        "soc_employees_female": "4",
        "soc_employees_male": "6",
        "soc_employees_by_age_a": "3",
        "soc_employees_by_age_b": "3",
        "soc_employees_by_age_c": "3",
    }
    frame = submission_frame([_fig(catalog, c, v) for c, v in values.items()], catalog)
    rows = {r["parts"]: r["gap"] for r in _rows(frame, "breakdown", "soc_employees_total")}
    assert rows == {
        "soc_employees_female+soc_employees_male": 0.0,
        "soc_employees_by_age_a+soc_employees_by_age_b+soc_employees_by_age_c": 1.0,
    }


def test_an_empty_submission_frame_keeps_the_frame_schema(catalog: Catalog) -> None:
    frame = submission_frame([], catalog)
    assert frame.height == 0 and dict(frame.schema) == FRAME_SCHEMA


# --- group_frame ---------------------------------------------------------------------------------


def test_a_derived_group_figure_is_recomputed_with_the_rounding_of_its_inputs(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    # 589761 / 2400325.45 = 0.2457; published as 0.25 it stands for [0.245, 0.255)
    frame = _group(
        catalog,
        factors,
        {"published": {"env_water_total": "589761", "econ_revenue": "2400325.45", "env_water_intensity": "0.25"}},
    )
    row = _one(frame, "derived", "env_water_intensity", "published")
    assert row["recomputed"] == pytest.approx(589761 / 2400325.45)
    assert row["gap"] == pytest.approx(0.25 - 589761 / 2400325.45)
    spread = 0.5 / 2400325.45 + 589761 * 0.005 / 2400325.45**2  # first order, from each input's half unit
    assert row["tolerance"] == pytest.approx(0.005 + spread, rel=1e-6)
    assert set(row["parts"].split("+")) == {"env_water_total", "econ_revenue"} and row["factor_based"] is False


def test_a_derived_figure_using_conversion_factors_is_marked_factor_based(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    figures = {"env_gasoline": "0", "env_diesel": "0", "env_natural_gas": "0", "env_electricity": "1.00"}
    frame = _group(catalog, factors, {"published": {**figures, "env_energy_total": "2"}})
    row = _one(frame, "derived", "env_energy_total", "published")
    assert row["factor_based"] is True
    assert set(row["parts"].split("+")) == set(figures)
    assert row["recomputed"] == pytest.approx(1.229)  # 10k kWh x 0.1229 kgce/kWh = 1.229 tce


def test_a_derived_figure_with_an_input_missing_is_not_recomputed(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = _group(catalog, factors, {"published": {"env_water_total": "589761", "env_water_intensity": "0.25"}})
    assert frame.filter(pl.col("row") == "derived").height == 0


def test_group_figures_of_derived_indicators_are_not_held_to_the_written_number_rules(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    frame = _group(
        catalog,
        factors,
        {
            "published": {
                "soc_training_hours": "542529",
                "soc_employees_total": "10853",
                "soc_training_hours_per_capita": "58",
            }
        },
    )
    assert _one(frame, "figure", "soc_training_hours_per_capita")["text"] is None
    assert _one(frame, "figure", "soc_employees_total")["text"] == "10853"
    assert _one(frame, "derived", "soc_training_hours_per_capita")["recomputed"] == pytest.approx(542529 / 10853)


def test_a_restated_basis_is_completed_with_the_published_figures(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = _group(
        catalog,
        factors,
        {
            "published": {"env_water_total": "589761", "econ_revenue": "2400325.45", "env_water_intensity": "0.25"},
            "published_restated": {"env_water_total": "800000"},
        },
    )
    restated = {
        r["indicator"]: r["value"]
        for r in frame.filter(pl.col("key") == "published_restated").iter_rows(named=True)
        if r["row"] == "figure"
    }
    assert restated == {"env_water_total": 800000.0, "econ_revenue": 2400325.45, "env_water_intensity": 0.25}
    derived = _one(frame, "derived", "env_water_intensity", "published_restated")
    assert derived["recomputed"] == pytest.approx(800000 / 2400325.45)


def test_published_figures_are_set_against_computed_ones(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = _group(
        catalog,
        factors,
        {
            "published": {"env_diesel": "100.5", "env_gasoline": "7"},
            "published_restated": {"env_diesel": "101"},
            "computed": {"env_diesel": "99"},
        },
    )
    versus = {(r["key"], r["indicator"]): r for r in frame.filter(pl.col("row") == "versus").iter_rows(named=True)}
    assert set(versus) == {("published", "env_diesel"), ("published_restated", "env_diesel")}
    row = versus[("published", "env_diesel")]
    assert (row["value"], row["recomputed"]) == (100.5, 99.0)
    assert row["gap"] == pytest.approx(1.5)
    assert row["tolerance"] == pytest.approx(0.05 + 1e-9 * 100.5)  # the published figure's half unit


def test_without_computed_figures_there_is_nothing_to_set_them_against(
    catalog: Catalog, factors: FactorRegistry
) -> None:
    frame = _group(catalog, factors, {"published": {"env_diesel": "100.5"}})
    assert frame.filter(pl.col("row") == "versus").height == 0


def test_group_figures_carry_last_periods_figure(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = _group(catalog, factors, {"computed": {"env_diesel": "200"}}, prior={"env_diesel": "100"})
    row = _one(frame, "figure", "env_diesel", "computed")
    assert row["prior"] == 100.0 and row["yoy_change"] == pytest.approx(1.0)


def test_group_figures_not_in_the_catalog_are_left_out(catalog: Catalog, factors: FactorRegistry) -> None:
    frame = _group(catalog, factors, {"published": {"env_diesel": "1", "not_an_indicator": "2"}})
    assert frame["indicator"].to_list() == ["env_diesel"]


# --- staged_base ---------------------------------------------------------------------------------


def _reported(catalog: Catalog, code: str, written: str | None, note: str | None = None) -> ReportedValue:
    ind = catalog[code]
    value = None if written is None else Decimal(written)
    return ReportedValue(code, value, ind.input_unit or ind.unit, "Sheet", f"C_{code}", written, note)


def _staged(catalog: Catalog, reported: list[ReportedValue], key: int = 7) -> pl.DataFrame:
    ret = ParsedReturn("SAMI_2024.xlsx", "SAMI", "2024", "1", reported, [], {})
    return stage([ret], unit_factors(catalog), keys=[key])


def _frame(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


ASKED = {"key": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8}
PRIOR = {"entity": pl.Utf8, "indicator": pl.Utf8, "prior": pl.Float64}
UNREADABLE = {"key": pl.Int64, "indicator": pl.Utf8}


def test_staged_base_takes_the_figures_as_written_with_their_rounding_in_reporting_units(catalog: Catalog) -> None:
    staged = _staged(
        catalog,
        [
            _reported(catalog, "env_electricity", "12345.6"),  # kWh asked, 10k kWh reported
            _reported(catalog, "env_diesel", "100"),
            _reported(catalog, "env_water_total", "0"),
            _reported(catalog, "soc_new_hires", "12"),
            _reported(catalog, "env_natural_gas", "-3.25"),
        ],
    )
    base = staged_base(staged, _frame([], ASKED), _frame([], PRIOR), _frame([], UNREADABLE), catalog)
    assert dict(base.schema) == {name: dtype() for name, dtype in BASE_SCHEMA.items()}
    rows = {r["indicator"]: r for r in base.iter_rows(named=True)}
    assert {code: (r["key"], r["text"]) for code, r in rows.items()} == {
        "env_electricity": ("7", "12345.6"),
        "env_diesel": ("7", "100"),
        "env_water_total": ("7", "0"),
        "soc_new_hires": ("7", "12"),
        "env_natural_gas": ("7", "-3.25"),
    }
    assert rows["env_electricity"]["value"] == pytest.approx(1.23456)
    assert rows["env_electricity"]["half"] == pytest.approx(0.000005, rel=1e-9)
    assert rows["env_diesel"]["half"] == pytest.approx(0.5)
    assert rows["env_water_total"]["half"] == pytest.approx(0.5)
    assert rows["soc_new_hires"]["half"] == 0.0  # counts are exact
    assert rows["env_natural_gas"]["half"] == pytest.approx(0.005)


def test_staged_base_agrees_with_checked_value_on_the_rounding(catalog: Catalog) -> None:
    written = {"env_electricity": "12345.6", "env_office_water": "1002", "env_diesel": "0.25", "soc_new_hires": "3"}
    staged = _staged(catalog, [_reported(catalog, c, v) for c, v in written.items()])
    base = staged_base(staged, _frame([], ASKED), _frame([], PRIOR), _frame([], UNREADABLE), catalog)
    halves = dict(zip(base["indicator"].to_list(), base["half"].to_list(), strict=True))
    for code, text in written.items():
        assert halves[code] == pytest.approx(_fig(catalog, code, text).half, rel=1e-9), code


def test_staged_base_marks_what_the_template_asks_for_as_required(catalog: Catalog) -> None:
    staged = _staged(catalog, [_reported(catalog, "env_diesel", "5"), _reported(catalog, "env_gasoline", None, "none")])
    asked = _frame([(7, "SAMI", "env_diesel"), (7, "SAMI", "env_gasoline"), (7, "SAMI", "env_waste_hazardous")], ASKED)
    base = staged_base(staged, asked, _frame([], PRIOR), _frame([], UNREADABLE), catalog)
    rows = {r["indicator"]: (r["value"], r["required"], r["has_note"]) for r in base.iter_rows(named=True)}
    assert rows == {
        "env_diesel": (5.0, True, False),
        "env_gasoline": (None, True, True),
        "env_waste_hazardous": (None, True, False),  # asked for, not in the workbook at all
    }


def test_staged_base_leaves_out_figures_whose_cell_could_not_be_read(catalog: Catalog) -> None:
    staged = _staged(catalog, [_reported(catalog, "env_diesel", None), _reported(catalog, "env_gasoline", "5")])
    asked = _frame([(7, "SAMI", "env_diesel"), (7, "SAMI", "env_gasoline")], ASKED)
    unreadable = _frame([(7, "env_diesel")], UNREADABLE)
    base = staged_base(staged, asked, _frame([], PRIOR), unreadable, catalog)
    assert base["indicator"].to_list() == ["env_gasoline"]


def test_staged_base_joins_last_periods_figure_by_entity_and_indicator(catalog: Catalog) -> None:
    staged = _staged(catalog, [_reported(catalog, "env_diesel", "200"), _reported(catalog, "env_gasoline", "5")])
    prior = _frame([("SAMI", "env_diesel", 100.0), ("GAMI", "env_gasoline", 1.0)], PRIOR)
    base = staged_base(staged, _frame([], ASKED), prior, _frame([], UNREADABLE), catalog)
    assert dict(zip(base["indicator"].to_list(), base["prior"].to_list(), strict=True)) == {
        "env_diesel": 100.0,
        "env_gasoline": None,
    }
