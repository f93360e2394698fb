"""The rule registry: each rule kind's expectations, description and wording; each passes and fails
through a real Great Expectations run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from esgflow import units
from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import CheckedValue, checked_value, group_frame, submission_frame
from esgflow.checks.gx_run import Validator, validator_for
from esgflow.checks.rules import RULES, compared_label, expectations, wording
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding

SUITES = ("submission", "group")


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Validator:
    return validator_for(tmp_path_factory.mktemp("gx"), catalog)


def _condition(expectation: Any) -> str:
    """The rows an expectation judges: the condition of the column it names (esgflow.checks.conditions)."""
    kwargs = expectation.kwargs
    assert "row_condition" not in kwargs  # a pandas query per metric is what the masked columns replace
    column = kwargs.get("column") or kwargs["column_B"]
    return column.split(" where ", 1)[1]


# --- the registry --------------------------------------------------------------------------------


def test_every_rule_checked_by_a_suite_can_describe_a_failing_row() -> None:
    for rule in RULES.values():
        assert bool(rule.expect) == bool(rule.suites), rule.name
        if rule.expect:
            assert rule.describe is not None, rule.name
        assert set(rule.suites) <= set(SUITES), rule.name
        assert rule.severity in ("error", "warning"), rule.name


def test_rule_severities_are_those_the_readme_promises() -> None:
    warnings = {name for name, rule in RULES.items() if rule.severity == "warning"}
    assert warnings == {
        "yoy_change_needs_note",
        "derived_recomputed_with_factors",
        "published_vs_computed",
        "not_in_older_template",
        "table_missing",
        "unit_slip_x10",
        "unit_slip_x1000",
        "unit_slip_x10000",
        "part_without_whole",
    }


def test_rules_are_registered_under_their_own_names() -> None:
    assert all(name == rule.name for name, rule in RULES.items())
    assert {"required", "type", "range", "whole_number", "part_not_above_whole", "parts_sum_to_total"} <= set(RULES)
    assert {"text_in_number_cell", "indicator_not_for_entity", "empty_return"} <= set(RULES)


def test_wording_of_a_rule_in_chinese_and_english() -> None:
    assert wording("required", "zh") == ("必填项缺失", "请填写该数值；如确无此项数据，请在“说明”列写明原因。")
    assert wording("required", "en") == (
        "Required figure missing",
        "Enter the figure; if there truly is none, explain why in its note cell.",
    )
    assert wording("parts_sum_to_total", "en")[0] == "The parts do not add up to the total"


def test_every_rule_is_worded_in_both_languages() -> None:
    for name in RULES:
        zh, en = wording(name, "zh"), wording(name, "en")
        assert all(zh) and all(en), name
        assert zh != en, name
        assert zh[0] != name and en[0] != name, name


def test_a_rule_without_wording_is_named_by_its_code() -> None:
    assert wording("reporter_note", "zh") == ("reporter_note", "请核对该数值。")
    assert wording("reporter_note", "en") == ("reporter_note", "Check this figure.")


def test_any_language_but_chinese_gets_english() -> None:
    assert wording("range", "fr") == wording("range", "en")


@pytest.mark.parametrize("suite", SUITES)
def test_a_suites_expectations_follow_the_rule_order(suite: str, catalog: Catalog) -> None:
    found = [e.meta["rule"] for e in expectations(suite, catalog)]
    in_order = [name for name, rule in RULES.items() if suite in rule.suites]
    assert list(dict.fromkeys(found)) == in_order
    assert found == sorted(found, key=in_order.index)  # a rule's expectations stay together


def test_which_rules_each_suite_holds(catalog: Catalog) -> None:
    submission = {e.meta["rule"] for e in expectations("submission", catalog)}
    group = {e.meta["rule"] for e in expectations("group", catalog)}
    assert submission - group == {
        "required",
        "unit_slip_x10",
        "unit_slip_x1000",
        "unit_slip_x10000",
        "part_without_whole",
    }
    assert group - submission == {"derived_recomputed", "derived_recomputed_with_factors", "published_vs_computed"}
    assert expectations("no_such_suite", catalog) == []


@pytest.mark.parametrize("suite", SUITES)
def test_every_expectation_carries_its_rules_severity(suite: str, catalog: Catalog) -> None:
    for e in expectations(suite, catalog):
        assert e.meta["severity"] == RULES[e.meta["rule"]].severity


def test_one_range_expectation_per_pair_of_bounds_in_the_catalog(catalog: Catalog) -> None:
    ranges = [e for e in expectations("submission", catalog) if e.meta["rule"] == "range"]
    bounds: dict[tuple[float | None, float | None], list[str]] = {}
    for ind in catalog.indicators:
        if ind.rules.min is not None or ind.rules.max is not None:
            bounds.setdefault((ind.rules.min, ind.rules.max), []).append(ind.code)
    assert {(e.meta["min"], e.meta["max"]) for e in ranges} == set(bounds)
    assert len(ranges) == len(bounds)
    for e in ranges:
        assert f"indicator in {bounds[(e.meta['min'], e.meta['max'])]!r}" in _condition(e)


def test_whole_numbers_are_asked_of_counts_people_type_in(catalog: Catalog) -> None:
    [whole] = [e for e in expectations("submission", catalog) if e.meta["rule"] == "whole_number"]
    counts = [i.code for i in catalog.indicators if i.dtype == "integer" and i.is_input]
    assert "soc_new_hires" in counts and "env_diesel" not in counts
    assert f"indicator in {counts!r}" in _condition(whole)


def test_exact_derived_figures_exclude_those_using_factors(catalog: Catalog) -> None:
    by_rule = {e.meta["rule"]: _condition(e) for e in expectations("group", catalog)}
    assert "not factor_based" in by_rule["derived_recomputed"]
    assert "env_water_intensity" in by_rule["derived_recomputed"]
    assert by_rule["derived_recomputed_with_factors"] == 'row == "derived" and factor_based'


# --- each rule kind through a real run -----------------------------------------------------------


def _check(
    validator: Validator, catalog: Catalog, figures: list[CheckedValue], frame: pl.DataFrame | None = None
) -> list[Finding]:
    frame = submission_frame(figures, catalog) if frame is None else frame
    failures = validator.run("submission", frame, run_name="test")
    return [f for found in findings_from(failures, frame, catalog).values() for f in found]


def _fig(catalog: Catalog, code: str, value: str | None, **kw: Any) -> CheckedValue:
    ind = catalog[code]
    written = None if value is None else Decimal(value)
    reported = None if written is None else units.convert(written, ind.input_unit or ind.unit, ind.unit)
    return checked_value("k", code, reported, catalog, written=written, **kw)


def _rules(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.indicators[0]) for f in findings}


def test_a_required_figure_missing_is_an_error_unless_its_note_explains_why(
    validator: Validator, catalog: Catalog
) -> None:
    assert _check(validator, catalog, [_fig(catalog, "env_diesel", "5", required=True)]) == []
    missing = _check(validator, catalog, [_fig(catalog, "env_diesel", None, required=True)])
    assert _rules(missing) == {("required", "env_diesel")} and missing[0].severity == "error"
    explained = [_fig(catalog, "env_diesel", None, required=True, note="no vehicles 本单位无车辆")]
    assert _check(validator, catalog, explained) == []


def test_text_that_is_not_a_number_breaks_the_type_rule(validator: Validator, catalog: Catalog) -> None:
    frame = submission_frame([_fig(catalog, "env_diesel", "5")], catalog)
    assert _check(validator, catalog, [], frame) == []
    bad = frame.with_columns(pl.lit("five").alias("text"))
    assert _rules(_check(validator, catalog, [], bad)) == {("type", "env_diesel")}


def test_ranges_and_non_negativity(validator: Validator, catalog: Catalog) -> None:
    assert (
        _check(
            validator,
            catalog,
            [_fig(catalog, "env_diesel", "0"), _fig(catalog, "soc_complaint_resolution_rate", "100")],
        )
        == []
    )
    found = _check(
        validator, catalog, [_fig(catalog, "env_diesel", "-1"), _fig(catalog, "soc_complaint_resolution_rate", "120")]
    )
    assert _rules(found) == {("range", "env_diesel"), ("range", "soc_complaint_resolution_rate")}
    assert "it must be between 0 and 100" in next(f.message for f in found if "complaint" in f.message)


def test_counts_must_be_whole_numbers(validator: Validator, catalog: Catalog) -> None:
    assert _check(validator, catalog, [_fig(catalog, "soc_new_hires", "12")]) == []
    found = _check(validator, catalog, [_fig(catalog, "soc_new_hires", "12.5")])
    assert _rules(found) == {("whole_number", "soc_new_hires")}


def test_part_not_above_whole_across_units(validator: Validator, catalog: Catalog) -> None:
    # office water is asked in t and reported in 10k t; total water in t
    ok = [_fig(catalog, "env_office_water", "1000"), _fig(catalog, "env_water_total", "1000")]
    assert _check(validator, catalog, ok) == []
    assert (
        _check(
            validator, catalog, [_fig(catalog, "env_office_water", "1001"), _fig(catalog, "env_water_total", "1000")]
        )
        == []
    )
    bad = [_fig(catalog, "env_office_water", "1002"), _fig(catalog, "env_water_total", "1000")]  # beyond ±0.5 t each
    found = _check(validator, catalog, bad)
    assert _rules(found) == {("part_not_above_whole", "env_office_water")}
    assert found[0].indicators == ("env_office_water", "env_water_total")


def test_parts_add_up_within_the_rounding_of_the_inputs(validator: Validator, catalog: Catalog) -> None:
    people = ["soc_employees_total", "soc_employees_female", "soc_employees_male"]
    assert (
        _check(validator, catalog, [_fig(catalog, c, v) for c, v in zip(people, ["10", "4", "6"], strict=True)]) == []
    )
    found = _check(validator, catalog, [_fig(catalog, c, v) for c, v in zip(people, ["10", "4", "5"], strict=True)])
    assert _rules(found) == {("parts_sum_to_total", "soc_employees_total")}
    assert (found[0].expected, found[0].actual) == (Decimal("9"), Decimal("10"))


def test_large_change_needs_a_note(validator: Validator, catalog: Catalog) -> None:
    assert _check(validator, catalog, [_fig(catalog, "env_diesel", "110", prior=Decimal("100"))]) == []
    found = _check(validator, catalog, [_fig(catalog, "env_diesel", "200", prior=Decimal("100"))])
    assert _rules(found) == {("yoy_change_needs_note", "env_diesel")} and found[0].severity == "warning"
    noted = [_fig(catalog, "env_diesel", "200", prior=Decimal("100"), note="新增两个工地 two new sites")]
    assert _check(validator, catalog, noted) == []


def _group(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, figures: dict[str, dict[str, str]]
) -> list[Finding]:
    frame = group_frame(
        {b: {c: Decimal(v) for c, v in vals.items()} for b, vals in figures.items()},
        {},
        catalog,
        factors,
        date(2024, 12, 31),
    )
    failures = validator.run("group", frame, run_name="test-group")
    return [f for found in findings_from(failures, frame, catalog).values() for f in found]


def test_derived_figures_agree_at_their_published_precision(
    validator: Validator, catalog: Catalog, factors: FactorRegistry
) -> None:
    # 589761 / 2400325.45 = 0.2457, published as 0.25: agrees
    ok = {"published": {"env_water_total": "589761", "econ_revenue": "2400325.45", "env_water_intensity": "0.25"}}
    assert _group(validator, catalog, factors, ok) == []
    # 42099 / 2400325.45 = 0.0175, published as 0.0192: contradicts
    bad = {
        "published": {
            "env_energy_total": "42099",
            "econ_revenue": "2400325.45",
            "env_energy_intensity_revenue": "0.0192",
        }
    }
    found = _group(validator, catalog, factors, bad)
    assert _rules(found) == {("derived_recomputed", "env_energy_intensity_revenue")} and found[0].severity == "error"
    assert float(found[0].expected) == pytest.approx(0.017539, abs=1e-6) and found[0].actual == Decimal("0.0192")


def test_a_factor_based_figure_differing_is_a_warning(
    validator: Validator, catalog: Catalog, factors: FactorRegistry
) -> None:
    figures = {
        "published": {
            "env_gasoline": "0",
            "env_diesel": "0",
            "env_natural_gas": "0",
            "env_electricity": "1.00",
            "env_energy_total": "2",
        }
    }
    found = _group(validator, catalog, factors, figures)
    assert _rules(found) == {("derived_recomputed_with_factors", "env_energy_total")} and found[0].severity == "warning"
    figures["published"]["env_energy_total"] = "1.229"  # 10k kWh x 0.1229 kgce/kWh
    assert _group(validator, catalog, factors, figures) == []


def test_a_published_figure_differing_from_the_computed_one_is_found(
    validator: Validator, catalog: Catalog, factors: FactorRegistry
) -> None:
    same = {"published": {"env_diesel": "100.5"}, "computed": {"env_diesel": "100.5"}}
    assert _group(validator, catalog, factors, same) == []
    differ = {"published": {"env_diesel": "100.5"}, "computed": {"env_diesel": "99"}}
    assert _rules(_group(validator, catalog, factors, differ)) == {("published_vs_computed", "env_diesel")}


def test_each_rule_says_what_its_expected_figure_is() -> None:
    assert compared_label("yoy_change_needs_note") == ("上期数值", "Last period")
    assert compared_label("published_vs_computed") == ("按单位数据计算", "The entity data give")
    assert compared_label("required") == compared_label("no_such_rule") == ("对比数值", "Compared with")


def test_discharge_above_the_sum_of_the_withdrawal_sources_is_an_error(validator: Validator, catalog: Catalog) -> None:
    sources = [
        _fig(catalog, code, value)
        for code, value in (
            ("env_water_withdrawal_municipal", "600"),
            ("env_water_withdrawal_surface", "300"),
            ("env_water_withdrawal_ground", "100"),
            ("env_water_withdrawal_sea", "0"),
            ("env_water_withdrawal_reclaimed", "0"),
        )
    ]
    assert _check(validator, catalog, [*sources, _fig(catalog, "env_water_discharge", "1000")]) == []
    # each of the six figures written to the tonne may be half a tonne off: 1003 t is still within
    found = _check(validator, catalog, [*sources, _fig(catalog, "env_water_discharge", "1004")])
    assert _rules(found) == {("part_not_above_whole", "env_water_discharge")}
    assert found[0].indicators == ("env_water_discharge", "env_water_withdrawal_total")
    # a source left blank: no total to compare with (the blank is reported as missing, not read as zero)
    assert _check(validator, catalog, [*sources[:-1], _fig(catalog, "env_water_discharge", "1004")]) == []
