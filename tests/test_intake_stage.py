"""Staged observations (esgflow.intake.stage): unit factors from the catalog, exact conversion, returns kept apart."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.intake.stage import STAGED_SCHEMA, stage, unit_factors
from esgflow.workbooks.returns import ParsedReturn, ReportedValue


def _value(code: str, text: str | None, unit: str, cell: str = "D5", note: str | None = None) -> ReportedValue:
    value = None if text is None else Decimal(text.replace(",", ""))
    return ReportedValue(code, value, unit, "环境", cell, text, note)


def _return(file: str, entity: str, *reported: ReportedValue) -> ParsedReturn:
    return ParsedReturn(file, entity, "2025", "1", list(reported), [], {})


def test_unit_factors_cover_every_typed_in_indicator(catalog: Catalog) -> None:
    factors = unit_factors(catalog)
    assert factors.schema == {"indicator": pl.Utf8, "factor": pl.Decimal(38, 12)}
    assert set(factors["indicator"]) == {i.code for i in catalog.indicators if i.input_unit}
    assert "env_energy_intensity_revenue" not in set(factors["indicator"])  # derived: never typed in


def test_unit_factors_convert_the_template_unit_to_the_reporting_unit(catalog: Catalog) -> None:
    factors = dict(unit_factors(catalog).iter_rows())
    assert factors["env_electricity"] == Decimal("0.0001")  # kWh -> 10k kWh
    assert factors["env_industrial_wastewater"] == Decimal("0.0001")  # t -> 10k t
    assert factors["env_diesel"] == Decimal("1")  # L -> L
    assert {code for code, f in factors.items() if f != 1} == {
        i.code for i in catalog.indicators if i.input_unit and i.input_unit != i.unit
    }


@pytest.mark.parametrize(
    ("typed", "reported"),
    [
        ("4094380.30", "409.43803"),
        ("12327323.56", "1232.732356"),
        ("1", "0.0001"),
        ("0.5", "0.00005"),
        ("0", "0"),
        ("99999999999999.99", "9999999999.999999"),
    ],
)
def test_stage_converts_input_units_to_reporting_units_exactly(catalog: Catalog, typed: str, reported: str) -> None:
    staged = stage([_return("a.xlsx", "SAMI", _value("env_electricity", typed, "kWh"))], unit_factors(catalog))
    [row] = staged.iter_rows(named=True)
    assert row["value"] == Decimal(reported)
    assert row["input_value"] == Decimal(typed)


def test_stage_keeps_values_already_in_the_reporting_unit(catalog: Catalog) -> None:
    staged = stage([_return("a.xlsx", "SAMI", _value("env_diesel", "3926838.22", "L"))], unit_factors(catalog))
    assert staged["value"].to_list() == [Decimal("3926838.22")]


def test_stage_leaves_not_reported_as_null_never_zero(catalog: Catalog) -> None:
    staged = stage([_return("a.xlsx", "SAMI", _value("env_electricity", None, "kWh"))], unit_factors(catalog))
    assert staged["value"].to_list() == [None]


def test_stage_rows_carry_their_lineage(catalog: Catalog) -> None:
    ret = _return(
        "SAMI_2025.xlsx",
        "SAMI",
        _value("env_electricity", "1,000", "kWh", "D4", note="new furnace"),
        _value("env_diesel", "5", "L", "D7"),
    )
    staged = stage([ret], unit_factors(catalog))
    assert staged.schema == {**STAGED_SCHEMA, "factor": pl.Decimal(38, 12), "value": VALUE_DTYPE}
    assert staged.select(
        "key", "file", "entity", "period", "indicator", "original_value", "original_unit", "sheet", "cell", "note"
    ).rows() == [
        (0, "SAMI_2025.xlsx", "SAMI", "2025", "env_electricity", "1,000", "kWh", "环境", "D4", "new furnace"),
        (0, "SAMI_2025.xlsx", "SAMI", "2025", "env_diesel", "5", "L", "环境", "D7", None),
    ]


def test_stage_keys_keep_two_files_with_one_name_apart(catalog: Catalog) -> None:
    first = _return("return.xlsx", "SAMI", _value("env_diesel", "1", "L"))
    second = _return("return.xlsx", "GAMI", _value("env_diesel", "2", "L"), _value("env_gasoline", "3", "L"))
    staged = stage([first, second], unit_factors(catalog), keys=[7, 3])
    by_key = {
        key: sorted(zip(group["indicator"], group["value"], strict=True))
        for (key,), group in staged.partition_by("key", as_dict=True).items()
    }
    assert by_key == {
        7: [("env_diesel", Decimal("1"))],
        3: [("env_diesel", Decimal("2")), ("env_gasoline", Decimal("3"))],
    }
    assert set(staged.filter(pl.col("key") == 3)["entity"]) == {"GAMI"}


def test_stage_keys_default_to_positions(catalog: Catalog) -> None:
    returns = [_return("x.xlsx", e, _value("env_diesel", "1", "L")) for e in ("SAMI", "GAMI", "HQ")]
    staged = stage(returns, unit_factors(catalog))
    assert staged.select("key", "entity").rows() == [(0, "SAMI"), (1, "GAMI"), (2, "HQ")]


def test_stage_needs_one_key_per_return(catalog: Catalog) -> None:
    returns = [_return("x.xlsx", e, _value("env_diesel", "1", "L")) for e in ("SAMI", "GAMI")]
    with pytest.raises(ValueError):
        stage(returns, unit_factors(catalog), keys=[1])


def test_stage_of_nothing_is_an_empty_frame(catalog: Catalog) -> None:
    staged = stage([], unit_factors(catalog))
    assert staged.is_empty() and "value" in staged.columns


def test_split_rows_are_staged_in_reporting_units(catalog: Catalog) -> None:
    from esgflow.intake.stage import stage_splits
    from esgflow.workbooks.returns import SplitRow

    rows = [
        SplitRow("env_electricity", "CN-YN", Decimal(600000), "kWh", "环境", "E23", "B23", "600,000"),
        SplitRow("env_electricity", "CN-LN", Decimal(400000), "kWh", "环境", "E24", "B24", "400000"),
    ]
    ret = ParsedReturn("a.xlsx", "SAMI", "2025", "2", [], [], {}, splits=rows)
    frame = stage_splits(ret, unit_factors(catalog))
    assert frame.select("location", "value", "original_value", "cell").rows() == [
        ("CN-YN", Decimal(60), "600,000", "E23"),
        ("CN-LN", Decimal(40), "400000", "E24"),
    ]


def test_the_estimated_mark_is_staged_with_its_figure_and_changes_no_value(catalog: Catalog) -> None:
    marked = ReportedValue("env_electricity", Decimal("4094380.3"), "kWh", "环境", "E7", "4094380.3", None, True)
    plain = _value("env_diesel", "1500.5", "L")
    frame = stage([_return("a.xlsx", "SAMI", marked, plain)], unit_factors(catalog))
    assert frame.schema["estimated"] == pl.Boolean
    rows = {r["indicator"]: (r["estimated"], r["value"]) for r in frame.iter_rows(named=True)}
    assert rows == {"env_electricity": (True, Decimal("409.43803")), "env_diesel": (False, Decimal("1500.5"))}
