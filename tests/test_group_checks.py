"""Group checks on the published 2022-2024 history: the contradictions judged real are found,
and figures that agree at their published precision raise no error."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from esgflow import jobs
from esgflow.config import Settings
from esgflow.findings import Finding

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
    jobs.init_warehouse(settings)
    jobs.import_history_file(settings, seed_dir / "appendix_2022_2024.csv")
    jobs.import_history_file(settings, seed_dir / "body_kpis_2024.csv")
    return settings


def _errors(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.indicators[0]) for f in findings if f.severity == "error"}


@pytest.mark.parametrize("year", ["2022", "2023", "2024"])
def test_the_real_contradictions_are_found_and_nothing_else_is_an_error(history: Settings, year: str) -> None:
    findings = jobs.check_group(history, year)
    assert _errors(findings) == REAL_ERRORS[year]
    agreeing = {
        (r, c)
        for r, c in _errors(findings)
        if c in AGREE and not (year == "2022" and c in ("env_water_intensity", "env_fuel_total"))
    }
    assert agreeing == set()
    energy = [f for f in findings if f.indicators[0] == "env_energy_total" and f.rule.startswith("derived")]
    assert [f.severity for f in energy] == ["warning"]  # depends on assumed densities and coefficients


def test_findings_carry_what_was_compared(history: Settings) -> None:
    findings = jobs.check_group(history, "2024")
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
    assert {("part_not_above_whole", "env_office_electricity")} <= {(f["rule"], f["indicators"][0]) for f in findings}
