"""Findings from failing rows of a check frame: grouped by key, worded by their rule, with what was compared."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import CheckedValue, checked_value, submission_frame
from esgflow.checks.gx_run import Failure


def _fig(catalog: Catalog, key: str, code: str, written: str | None, **kw: Any) -> CheckedValue:
    ind = catalog[code]
    w = None if written is None else Decimal(written)
    value = None if w is None else units.convert(w, ind.input_unit or ind.unit, ind.unit)
    return checked_value(key, code, value, catalog, written=w, **kw)


def _row_id(frame: pl.DataFrame, key: str, indicator: str, row: str = "figure") -> int:
    [row_id] = frame.filter((pl.col("key") == key) & (pl.col("indicator") == indicator) & (pl.col("row") == row))[
        "row_id"
    ].to_list()
    return int(row_id)


def _failure(row_id: int, rule: str, severity: str = "error", **meta: object) -> Failure:
    return Failure(row_id, rule, severity, {"rule": rule, "severity": severity, **meta})


@pytest.fixture(scope="module")
def frame(catalog: Catalog) -> pl.DataFrame:
    return submission_frame(
        [
            _fig(catalog, "a", "env_diesel", "-1"),
            _fig(catalog, "a", "soc_new_hires", "12.5"),
            _fig(catalog, "a", "env_office_water", "1002"),
            _fig(catalog, "a", "env_water_total", "1000"),
            _fig(catalog, "b", "soc_complaint_resolution_rate", "120"),
            _fig(catalog, "b", "env_gasoline", "200", prior=Decimal("100")),
            _fig(catalog, "b", "env_natural_gas", None, required=True),
            _fig(catalog, "b", "soc_employees_total", "10"),
            _fig(catalog, "b", "soc_employees_female", "4"),
            _fig(catalog, "b", "soc_employees_male", "5"),
        ],
        catalog,
    )


def test_no_failures_make_no_findings(frame: pl.DataFrame, catalog: Catalog) -> None:
    assert findings_from([], frame, catalog) == {}


def test_findings_are_grouped_by_the_key_of_their_row(frame: pl.DataFrame, catalog: Catalog) -> None:
    failures = [
        _failure(_row_id(frame, "b", "soc_complaint_resolution_rate"), "range", min=0, max=100),
        _failure(_row_id(frame, "a", "env_diesel"), "range", min=0, max=None),
        _failure(_row_id(frame, "a", "soc_new_hires"), "whole_number"),
    ]
    found = findings_from(failures, frame, catalog)
    assert {key: [(f.rule, f.indicators) for f in fs] for key, fs in found.items()} == {
        "a": [("range", ("env_diesel",)), ("whole_number", ("soc_new_hires",))],
        "b": [("range", ("soc_complaint_resolution_rate",))],
    }


def test_findings_of_a_key_come_in_row_order(frame: pl.DataFrame, catalog: Catalog) -> None:
    later, earlier = _row_id(frame, "a", "soc_new_hires"), _row_id(frame, "a", "env_diesel")
    assert earlier < later
    found = findings_from(
        [_failure(later, "whole_number"), _failure(earlier, "range", min=0, max=None)], frame, catalog
    )
    assert [f.indicators[0] for f in found["a"]] == ["env_diesel", "soc_new_hires"]


def test_a_range_finding_says_which_bound_the_figure_broke(frame: pl.DataFrame, catalog: Catalog) -> None:
    failures = [
        _failure(_row_id(frame, "a", "env_diesel"), "range", min=0, max=None),
        _failure(_row_id(frame, "b", "soc_complaint_resolution_rate"), "range", min=0, max=100),
    ]
    found = findings_from(failures, frame, catalog)
    [diesel], [rate] = found["a"], found["b"]
    assert diesel.message == "env_diesel (Diesel consumption) is -1 L; it must be at least 0"
    assert rate.message.endswith("is 120 %; it must be between 0 and 100")
    assert (diesel.expected, diesel.actual) == (None, Decimal("-1"))
    assert diesel.severity == "error"


def test_a_whole_number_finding_shows_the_figure_as_written(frame: pl.DataFrame, catalog: Catalog) -> None:
    [found] = findings_from([_failure(_row_id(frame, "a", "soc_new_hires"), "whole_number")], frame, catalog)["a"]
    assert "is 12.5; it must be a whole number" in found.message and found.actual == Decimal("12.5")


def test_a_part_above_its_whole_names_both_and_compares_them_in_one_unit(frame: pl.DataFrame, catalog: Catalog) -> None:
    failure = _failure(_row_id(frame, "a", "env_office_water"), "part_not_above_whole")
    [found] = findings_from([failure], frame, catalog)["a"]
    assert found.indicators == ("env_office_water", "env_water_total")
    assert (found.expected, found.actual) == (Decimal("0.1"), Decimal("0.1002"))  # both in 10k t
    assert "more than env_water_total (Total water consumption) allows" in found.message


def test_a_breakdown_finding_names_the_parts_and_their_sum(frame: pl.DataFrame, catalog: Catalog) -> None:
    failure = _failure(_row_id(frame, "b", "soc_employees_total", "breakdown"), "parts_sum_to_total")
    [found] = findings_from([failure], frame, catalog)["b"]
    assert found.indicators == ("soc_employees_total", "soc_employees_female", "soc_employees_male")
    assert (found.expected, found.actual) == (Decimal("9"), Decimal("10"))  # the parts' sum, the total entered
    assert found.message.startswith("soc_employees_female + soc_employees_male add up to 9, but soc_employees_total")


def test_a_warning_stays_a_warning_with_both_figures(frame: pl.DataFrame, catalog: Catalog) -> None:
    failure = _failure(_row_id(frame, "b", "env_gasoline"), "yoy_change_needs_note", "warning")
    [found] = findings_from([failure], frame, catalog)["b"]
    assert found.severity == "warning"
    assert (found.expected, found.actual) == (Decimal("100"), Decimal("200"))
    assert "changed by 100% (last period 100, now 200)" in found.message


def test_a_missing_figure_is_described_as_missing(frame: pl.DataFrame, catalog: Catalog) -> None:
    [found] = findings_from([_failure(_row_id(frame, "b", "env_natural_gas"), "required")], frame, catalog)["b"]
    assert found.message.startswith("env_natural_gas (Natural gas consumption) is missing")
    assert (found.expected, found.actual) == (None, None)


def test_two_rules_failing_on_one_row_give_two_findings(frame: pl.DataFrame, catalog: Catalog) -> None:
    row_id = _row_id(frame, "b", "env_gasoline")
    failures = [_failure(row_id, "yoy_change_needs_note", "warning"), _failure(row_id, "range", min=0, max=None)]
    found = findings_from(failures, frame, catalog)["b"]
    assert sorted((f.rule, f.severity) for f in found) == [("range", "error"), ("yoy_change_needs_note", "warning")]
