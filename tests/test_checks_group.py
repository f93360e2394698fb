"""Group checks: by_basis, note_findings and check_period on plain figures; and on the published
2022-2024 history, the contradictions judged real are found and figures that agree at their
published precision raise no error."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.group import (
    CONTRADICTION_RULES,
    by_basis,
    check_period,
    note_findings,
    published_contradictions,
)
from esgflow.checks.gx_run import Validator, validator_for
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding
from esgflow.jobs.figures import check_group
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.periods import parse_period
from esgflow.records import ReporterNote
from esgflow.warehouse import db
from esgflow.warehouse.figures import group_figures

# The published report's own contradictions, checked by hand (see the issue notes):
REAL_ERRORS = {
    "2022": {
        ("derived_recomputed", "env_fuel_total"),  # 38462.46 L, but gasoline + diesel = 3926838.22 L
        ("derived_recomputed", "env_energy_intensity_revenue"),  # 0.0462, but 11362.05 / 2369732.89 = 0.0048
        ("derived_recomputed", "env_water_intensity"),  # 0.68, but 199459.76 / 2369732.89 = 0.084
        ("part_not_above_whole", "env_office_electricity"),  # 7230.48 > 5418.74 (10k kWh)
        ("part_not_above_whole", "env_office_water"),  # 70.23 (10k t) > 199459.76 t
    },
    "2023": {("derived_recomputed", "env_energy_intensity_revenue")},  # 0.0378, but 80794 / 2233717.10 = 0.0362
    "2024": {
        ("derived_recomputed", "env_energy_intensity_revenue"),  # 0.0192, but 42099 / 2400325.45 = 0.0175
        ("derived_recomputed", "soc_training_hours_per_capita"),  # 58 h, but 542529 / 10853 = 50.0 h
    },
}
# Derived figures that agree with their parts at the precision they were published with.
AGREE = [
    "env_water_intensity",
    "env_waste_nonhazardous_intensity",
    "env_waste_hazardous_intensity",
    "soc_work_fatality_rate",
    "env_fuel_total",
    "econ_rd_intensity",
]


@pytest.fixture
def history(settings: Settings, seed_dir: Path) -> Settings:
    init_warehouse(settings)
    import_history_file(settings, seed_dir / "appendix_2022_2024.csv")
    import_history_file(settings, seed_dir / "body_kpis_2024.csv")
    return settings


def _errors(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.indicators[0]) for f in findings if f.severity == "error"}


@pytest.mark.parametrize("year", ["2022", "2023", "2024"])
def test_the_real_contradictions_are_found_and_nothing_else_is_an_error(history: Settings, year: str) -> None:
    findings = check_group(history, parse_period(year))
    assert _errors(findings) == REAL_ERRORS[year]
    agreeing = {
        (r, c)
        for r, c in _errors(findings)
        if c in AGREE and not (year == "2022" and c in ("env_water_intensity", "env_fuel_total"))
    }
    assert agreeing == set()
    energy = [f for f in findings if f.indicators[:1] == ("env_energy_total",) and f.rule.startswith("derived")]
    assert [f.severity for f in energy] == ["warning"]  # depends on assumed densities and coefficients


def test_findings_carry_what_was_compared(history: Settings) -> None:
    findings = check_group(history, parse_period("2024"))
    intensity = next(f for f in findings if f.indicators[0] == "env_energy_intensity_revenue" and f.severity == "error")
    assert intensity.entity is None and intensity.period == "2024"
    assert str(intensity.actual) == "0.0192" and abs(float(intensity.expected) - 42099 / 2400325.45) < 1e-9
    assert set(intensity.indicators) == {"env_energy_intensity_revenue", "env_energy_total", "econ_revenue"}


def test_check_json_from_the_shell(tmp_path: Path, seed_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESGFLOW_")}
    env["ESGFLOW_HOME"] = str(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "esgflow.cli", *args], capture_output=True, text=True, env=env, timeout=300
        )

    assert run("init").returncode == 0
    assert run("history", "import", str(seed_dir / "appendix_2022_2024.csv")).returncode == 0
    result = run("check", "--period", "2022", "--json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    for f in findings:
        assert {"period", "rule", "severity", "indicators", "entity", "message", "expected", "actual"} <= set(f)
        assert f["severity"] in ("error", "warning", "info") and f["period"] == "2022"
    assert {("part_not_above_whole", "env_office_electricity")} <= {
        (f["rule"], f["indicators"][0]) for f in findings if f["indicators"]
    }
    # every mandatory framework item nothing answers or explains for 2022 is a finding too (issue 28.5)
    assert any(f["rule"] == "disclosure_open" and f["severity"] == "warning" for f in findings)


# --- by_basis, note_findings and check_period on plain figures ------------------------------------

P2024 = parse_period("2024")
Figures = dict[tuple[str, str, str], Decimal]


def _figures(rows: dict[tuple[str, str, str], str]) -> Figures:
    return {key: Decimal(value) for key, value in rows.items()}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def validator(home: Path, catalog: Catalog) -> Validator:
    """The home's validator, made once: check_period finds it by its home."""
    return validator_for(home, catalog)


def test_by_basis_takes_one_periods_figures_per_basis() -> None:
    figures = _figures(
        {
            ("env_diesel", "2024", "published"): "200",
            ("env_diesel", "2024", "computed"): "199",
            ("env_gasoline", "2024", "published"): "7",
            ("env_water_total", "2024", "published_restated"): "800000",
            ("env_diesel", "2023", "published"): "100",
            ("env_diesel", "2024-Q1", "computed"): "50",
        }
    )
    assert by_basis(figures, P2024) == {
        "published": {"env_diesel": Decimal("200"), "env_gasoline": Decimal("7")},
        "computed": {"env_diesel": Decimal("199")},
        "published_restated": {"env_water_total": Decimal("800000")},
    }
    assert by_basis(figures, parse_period("2024-Q1")) == {"computed": {"env_diesel": Decimal("50")}}
    assert by_basis(figures, parse_period("2022")) == {}


def test_each_reporter_note_becomes_an_info_finding_in_order() -> None:
    notes = [
        ReporterNote("SAMI", "env_diesel", "两个新工地 two new sites", "SAMI_2024.xlsx", "Environment", "D7"),
        ReporterNote("GAMI", "soc_new_hires", "merger", "GAMI_2024.xlsx", None, None),
    ]
    found = note_findings(notes, P2024)
    assert [(f.rule, f.severity, f.indicators, f.entity, f.period) for f in found] == [
        ("reporter_note", "info", ("env_diesel",), "SAMI", "2024"),
        ("reporter_note", "info", ("soc_new_hires",), "GAMI", "2024"),
    ]
    assert found[0].message == "SAMI wrote beside env_diesel: 两个新工地 two new sites"
    assert (found[0].file, found[0].sheet, found[0].cell) == ("SAMI_2024.xlsx", "Environment", "D7")
    assert (found[1].file, found[1].sheet, found[1].cell) == ("GAMI_2024.xlsx", None, None)
    assert note_findings([], P2024) == []


def test_check_period_names_the_basis_and_period_of_each_finding(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    figures = _figures(
        {("env_office_water", "2024", "published"): "70.23", ("env_water_total", "2024", "published"): "199459.76"}
    )
    [found] = check_period(figures, [], P2024, catalog, factors, home)
    assert (found.rule, found.severity, found.indicators) == (
        "part_not_above_whole",
        "error",
        ("env_office_water", "env_water_total"),
    )
    assert found.period == "2024" and found.entity is None
    assert found.message.startswith("published 2024: env_office_water (Office water consumption) is 70.23 10k t")
    assert (found.expected, found.actual) == (Decimal("19.945976"), Decimal("70.23"))


def test_figures_that_agree_at_their_precision_give_no_findings(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    figures = _figures(
        {
            ("env_water_total", "2024", "published"): "589761",
            ("econ_revenue", "2024", "published"): "2400325.45",
            ("env_water_intensity", "2024", "published"): "0.25",  # 589761 / 2400325.45 = 0.2457
            ("env_water_total", "2024", "computed"): "589761",
        }
    )
    assert check_period(figures, [], P2024, catalog, factors, home) == []


# Group figures with two errors, a change and a difference from the returns to warn of.
CONTRADICTING = {
    ("env_diesel", "2023", "published"): "100",
    ("env_diesel", "2024", "published"): "200",  # a change of 100%: warning
    ("env_diesel", "2024", "computed"): "150",  # not the published figure: warning
    ("env_office_water", "2024", "published"): "70.23",  # more than all the water: error
    ("env_water_total", "2024", "published"): "199459.76",
    ("env_water_intensity", "2024", "published"): "0.68",  # 199459.76 / 2369732.89 = 0.084: error
    ("econ_revenue", "2024", "published"): "2369732.89",
}


def test_errors_come_before_warnings_and_notes_last(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    figures = _figures(CONTRADICTING)
    notes = [ReporterNote("SAMI", "env_diesel", "new sites", "SAMI_2024.xlsx", "Environment", "D7")]
    found = check_period(figures, notes, P2024, catalog, factors, home)
    assert [(f.severity, f.rule, f.message.split(":")[0]) for f in found] == [
        ("error", "derived_recomputed", "published 2024"),
        ("error", "part_not_above_whole", "published 2024"),
        ("warning", "published_vs_computed", "published 2024"),
        ("warning", "yoy_change_needs_note", "published 2024"),
        ("warning", "yoy_change_needs_note", "computed 2024"),
        ("info", "reporter_note", "SAMI wrote beside env_diesel"),
    ]


def test_a_chinese_page_reads_every_group_finding_in_chinese(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    """Issue 26.10: the office's Chinese sign-off page shows the group checks in Chinese: names, units and words."""
    more = {("env_gasoline", "2024", "published"): "100", ("env_fuel_total", "2024", "published"): "500"}
    figures = _figures({**CONTRADICTING, **more})
    notes = [ReporterNote("SAMI", "env_diesel", "两个新工地", "SAMI_2024.xlsx", "Environment", "D7")]
    english = check_period(figures, notes, P2024, catalog, factors, home)
    chinese = check_period(figures, notes, P2024, catalog, factors, home, "zh")
    assert [(f.rule, f.severity, f.indicators, f.expected, f.actual) for f in chinese] == [
        (f.rule, f.severity, f.indicators, f.expected, f.actual) for f in english
    ]  # the same findings, only worded for the reader
    assert {f.rule for f in chinese} >= {"derived_recomputed", "part_not_above_whole", "published_vs_computed"}
    for f in chinese:
        assert not re.search(r"[A-Za-z]{3,}", f.message.replace("SAMI", "")), f.message  # a note names its entity
    by_rule = {f.rule: f.message for f in chinese}
    assert by_rule["part_not_above_whole"].startswith("2024 年已发布数据：办公用水量为 70.23 万吨，超过")
    assert any("燃油使用量为 500.00 升，但按 汽油使用量 + 柴油使用量 计算为 300.00" in f.message for f in chinese)
    assert any(
        "柴油使用量变动 100%（上期 100.00，本期 200.00 升）；变动超过 30%，报告应予说明" in f.message for f in chinese
    )
    assert chinese[-1].message == "SAMI 在“柴油使用量”旁注明：两个新工地"


@pytest.mark.parametrize(
    ("last_year", "prior"),
    [
        ({"computed": "100"}, "100"),
        ({"computed": "195", "published": "100"}, "100"),
        ({"computed": "195", "published": "195", "published_restated": "100"}, "100"),
    ],
)
def test_last_periods_figure_is_the_restated_then_the_published_then_the_computed_one(
    validator: Validator,
    catalog: Catalog,
    factors: FactorRegistry,
    home: Path,
    last_year: dict[str, str],
    prior: str,
) -> None:
    figures = _figures(
        {
            ("env_diesel", "2024", "computed"): "200",
            **{("env_diesel", "2023", basis): value for basis, value in last_year.items()},
        }
    )
    [change] = check_period(figures, [], P2024, catalog, factors, home)
    assert (change.rule, change.expected, change.actual) == ("yoy_change_needs_note", Decimal(prior), Decimal("200"))
    assert change.message.startswith("computed 2024: env_diesel")


def test_a_restated_basis_repeats_only_what_the_restatement_changed(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    published = {
        ("env_office_water", "2024", "published"): "70.23",
        ("env_water_total", "2024", "published"): "199459.76",
        ("econ_revenue", "2024", "published"): "2400325.45",
        ("env_water_intensity", "2024", "published"): "0.25",
    }
    # restating something unrelated repeats nothing of what the published figures already show
    unrelated = check_period(
        _figures({**published, ("econ_tax_paid", "2024", "published_restated"): "5"}),
        [],
        P2024,
        catalog,
        factors,
        home,
    )
    assert [(f.rule, f.message.split(":")[0]) for f in unrelated] == [
        ("derived_recomputed", "published 2024"),
        ("part_not_above_whole", "published 2024"),
    ]
    # restating the total water clears the part above its whole, and changes what the intensity is compared with
    restated = check_period(
        _figures({**published, ("env_water_total", "2024", "published_restated"): "800000"}),
        [],
        P2024,
        catalog,
        factors,
        home,
    )
    assert [(f.rule, f.message.split(":")[0]) for f in restated] == [
        ("derived_recomputed", "published 2024"),
        ("derived_recomputed", "published (restated) 2024"),
        ("part_not_above_whole", "published 2024"),
    ]
    assert float(restated[1].expected) == pytest.approx(800000 / 2400325.45)


def test_a_period_without_figures_gives_only_its_notes_and_runs_no_validation(
    catalog: Catalog, factors: FactorRegistry, tmp_path: Path
) -> None:
    figures = _figures({("env_diesel", "2023", "published"): "100"})
    notes = [ReporterNote("SAMI", "env_diesel", "new sites", "SAMI_2024.xlsx", "Environment", "D7")]
    found = check_period(figures, notes, P2024, catalog, factors, tmp_path / "fresh")
    assert found == note_findings(notes, P2024)
    assert not (tmp_path / "fresh").exists()


def test_published_contradictions_are_the_reports_own_and_nothing_else(
    home: Path, validator: Validator, catalog: Catalog, factors: FactorRegistry
) -> None:
    figures = _figures(
        {
            ("env_gasoline", "2023", "published"): "100",
            ("env_diesel", "2023", "published"): "50",
            ("env_fuel_total", "2023", "published"): "160",  # the report contradicts itself
            ("env_diesel", "2024", "published"): "500",  # a tenfold change is no contradiction
            ("env_gasoline", "2024", "computed"): "1",
            ("env_diesel", "2024", "computed"): "1",
            ("env_fuel_total", "2024", "computed"): "9",  # computed figures are not the published report
        }
    )
    found = published_contradictions(figures, [parse_period("2023"), parse_period("2024")], catalog, factors, home)
    assert [(f.rule, f.period, f.indicators[0], f.actual, f.expected) for f in found] == [
        ("derived_recomputed", "2023", "env_fuel_total", Decimal("160"), Decimal("150"))
    ]


def test_the_published_history_contradicts_itself_where_the_issue_notes_say(
    history: Settings, catalog: Catalog, factors: FactorRegistry
) -> None:
    years = [parse_period(y) for y in ("2022", "2023", "2024")]
    with db.session_scope(history.database_url) as s:
        figures = group_figures(s, load_registry().root(), years)
    found = published_contradictions(figures, years, catalog, factors, history.home)
    for year, errors in REAL_ERRORS.items():
        assert {(f.rule, f.indicators[0]) for f in found if f.period == year and f.severity == "error"} == errors
    assert {f.rule for f in found} <= CONTRADICTION_RULES


def test_group_findings_show_figures_at_their_published_places_and_leave_notes_to_reporters(
    validator: Validator, catalog: Catalog, factors: FactorRegistry, home: Path
) -> None:
    figures = _figures(
        {
            ("soc_training_hours", "2024", "published"): "542529",
            ("soc_employees_total", "2024", "published"): "10853",
            ("soc_training_hours_per_capita", "2024", "published"): "58",  # 542529 / 10853 = 49.99
            ("soc_training_hours", "2023", "published"): "377686.45",
            ("env_gasoline", "2024", "published"): "12327323.56",
            ("env_gasoline", "2024", "computed"): "12327000",
        }
    )
    found = {f.rule: f.message for f in check_period(figures, [], P2024, catalog, factors, home)}
    assert found["derived_recomputed"] == (
        "published 2024: soc_training_hours_per_capita (Training hours per employee) is 58 h/person, "
        "but soc_training_hours / soc_employees_total gives 50"
    )
    assert found["yoy_change_needs_note"] == (
        "published 2024: soc_training_hours (Employee training hours) changed by 44% "
        "(last period 377,686.45, now 542,529.00 h); a change beyond 30% is one the report should explain"
    )
    assert found["published_vs_computed"] == (
        "published 2024: env_gasoline (Gasoline consumption): published 12,327,323.56 L, "
        "the entity data give 12,327,000.00"
    )
