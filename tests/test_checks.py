"""Each rule kind passes and fails through a real Great Expectations run."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import Figure, figure_of, group_frame, submission_frame
from esgflow.checks.gx_run import Validator, validator_for
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Validator:
    return validator_for(tmp_path_factory.mktemp("gx"), catalog)


def _check(
    validator: Validator, catalog: Catalog, figures: list[Figure], frame: pl.DataFrame | None = None
) -> list[Finding]:
    frame = submission_frame(figures, catalog) if frame is None else frame
    failures = validator.run("submission", frame, run_name="test")
    rows = {r["row_id"]: r for r in frame.iter_rows(named=True)}
    return [f for found in findings_from(failures, rows, catalog).values() for f in found]


def _fig(catalog: Catalog, code: str, value: str | None, **kw) -> Figure:  # type: ignore[no-untyped-def]
    ind = catalog[code]
    written = None if value is None else Decimal(value)
    from esgflow import units

    reported = None if written is None else units.convert(written, ind.input_unit or ind.unit, ind.unit)
    return figure_of("k", code, reported, catalog, written=written, **kw)


def _rules(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.indicators[0]) for f in findings}


def test_required(validator: Validator, catalog: Catalog) -> None:
    assert _check(validator, catalog, [_fig(catalog, "env_diesel", "5", required=True)]) == []
    missing = _check(validator, catalog, [_fig(catalog, "env_diesel", None, required=True)])
    assert _rules(missing) == {("required", "env_diesel")} and missing[0].severity == "error"
    explained = [_fig(catalog, "env_diesel", None, required=True, note="no vehicles 本单位无车辆")]
    assert _check(validator, catalog, explained) == []


def test_type(validator: Validator, catalog: Catalog) -> None:
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


def test_whole_numbers(validator: Validator, catalog: Catalog) -> None:
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
    assert (found[0].expected, found[0].actual) == (Decimal("10"), Decimal("9"))


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
    rows = {r["row_id"]: r for r in frame.iter_rows(named=True)}
    return [f for found in findings_from(failures, rows, catalog).values() for f in found]


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


def test_published_against_computed(validator: Validator, catalog: Catalog, factors: FactorRegistry) -> None:
    same = {"published": {"env_diesel": "100.5"}, "computed": {"env_diesel": "100.5"}}
    assert _group(validator, catalog, factors, same) == []
    differ = {"published": {"env_diesel": "100.5"}, "computed": {"env_diesel": "99"}}
    assert _rules(_group(validator, catalog, factors, differ)) == {("published_vs_computed", "env_diesel")}


def test_suites_under_expectations_match_the_catalog(catalog: Catalog, tmp_path: Path) -> None:
    from esgflow.checks.suites import write_suites

    root = Path(__file__).resolve().parents[1] / "expectations"
    for path in write_suites(tmp_path, catalog):
        assert (root / path.name).read_text("utf-8") == path.read_text("utf-8"), (
            f"expectations/{path.name} is stale: run python -m esgflow.checks.suites expectations"
        )
