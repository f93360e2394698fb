"""Restatement: a corrected factor moves nothing until `restate`, which records why and what moved."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from esgflow import EsgflowError
from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.factors import FILE_ENV, FactorRegistry, registry_from
from esgflow.figures.restatement import Change, corrected_factors, factor_names
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.figures import consolidate_period, report_period, restate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import audit_trail, review_return
from esgflow.periods import parse_period
from tests.returns_factory import P2024, demo_inputs, fill, open_collection

P2025 = parse_period("2025")
ENTITIES = ["HQ", "SAMI", "KMSI", "OS-IN"]  # Beijing, Liaoning, Yunnan, India


def _appendix(out: Path) -> dict[str, dict[str, str]]:
    with (out / "appendix.csv").open(encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def _report(settings: Settings, out: Path) -> dict[str, dict[str, str]]:
    report_period(settings, P2025, out, ["en"])
    return _appendix(out)


def _corrected_registry(tmp_path: Path, code: str, value: str) -> Path:
    raw = yaml.safe_load((Path(__file__).parents[1] / "esgflow/data/factors.yaml").read_text("utf-8"))
    for f in raw["factors"]:
        if f["code"] == code:
            f["value"] = value
    path = tmp_path / "factors.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _collect(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2025, tmp_path / "tpl", ENTITIES)
    returns = [fill(templates[e], tmp_path / "in", {}) for e in ENTITIES]
    assert {o.status for o in ingest_files(settings, returns, docs=False)} <= {
        "accepted",
        "accepted_with_warnings",
    }
    consolidate_period(settings, P2025)
    for entity in ENTITIES:
        review_return(settings, P2025, entity, "approved", by="Wang Li")


def test_factor_names_follow_formulas_through_derived_figures(catalog: Catalog) -> None:
    assert factor_names(catalog["env_ghg_total"], catalog) >= {"grid_co2", "co2_diesel", "density_diesel"}
    assert factor_names(catalog["env_diesel"], catalog) == set()


def test_corrected_factors_name_the_factor_and_both_values(factors: FactorRegistry) -> None:
    raw = factors.snapshot()
    for f in raw["factors"]:
        if f["code"] == "grid_co2_cn_ln_2023":
            f["value"] = "0.6"
    assert corrected_factors(factors, registry_from(raw)) == {
        "grid_co2": "grid_co2_cn_ln_2023: 0.4878 -> 0.6 kgCO2/kWh"
    }


def test_a_corrected_factor_moves_nothing_until_restate(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _collect(settings, tmp_path)
    first = _report(settings, tmp_path / "before")
    scope2 = Decimal(first["env_ghg_scope2_location"]["2025"])

    monkeypatch.setenv(FILE_ENV, str(_corrected_registry(tmp_path, "grid_co2_cn_ln_2023", "0.9878")))
    consolidate_period(settings, P2025)  # a later consolidation keeps the pinned factors
    again = _report(settings, tmp_path / "again")
    assert Decimal(again["env_ghg_scope2_location"]["2025"]) == scope2 and "2025_restated" not in again["env_ghg_total"]

    result = restate_period(settings, P2025, "MEE corrected the Liaoning grid factor", "Zhang Wei")
    moved = {c.indicator: c for c in result.changes}
    assert set(moved) >= {"env_ghg_scope2_location", "env_ghg_total", "env_ghg_intensity_revenue"}
    change = moved["env_ghg_scope2_location"]
    # SAMI's electricity is used in Liaoning: 0.5 kgCO2/kWh more on each kWh
    more = (
        Decimal(demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]["env_electricity"]) * Decimal("0.5") / 1000
    )
    assert change.after - change.before == pytest.approx(more, abs=Decimal("0.0001"))
    assert change.factors == ("grid_co2_cn_ln_2023: 0.4878 -> 0.9878 kgCO2/kWh",) and change.entities == ()
    assert change.significant and result.significant and "env_diesel" not in moved

    after = _report(settings, tmp_path / "after")
    assert Decimal(after["env_ghg_scope2_location"]["2025"]) == scope2  # what was signed off stands
    assert Decimal(after["env_ghg_scope2_location"]["2025_restated"]) == pytest.approx(
        scope2 + more, abs=Decimal("0.01")
    )
    page = (tmp_path / "after" / "appendix.en.html").read_text("utf-8")
    assert "MEE corrected the Liaoning grid factor" in page and "grid_co2_cn_ln_2023: 0.4878 -&gt; 0.9878" in page


def test_a_newer_return_counts_only_once_approved_and_is_named_as_the_cause(settings: Settings, tmp_path: Path) -> None:
    _collect(settings, tmp_path)
    templates = open_collection(settings, P2025, tmp_path / "tpl2", ["KMSI", "SAMI"])
    [late] = ingest_files(settings, [fill(templates["KMSI"], tmp_path / "late", {"env_diesel": 3000})], docs=False)
    assert late.status.startswith("accepted") and late.version == 2
    [worse] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "l2", {"env_diesel": 4000})], docs=False)
    assert worse.status.startswith("accepted") and worse.version == 2
    review_return(settings, P2025, "SAMI", "returned", "diesel in the wrong unit", by="Wang Li")

    # pending (KMSI v2) and returned (SAMI v2): left out, named; the figures stand on the approved v1s
    unapproved = restate_period(settings, P2025, "late corrections", "Zhang Wei")
    assert unapproved.changes == [] and unapproved.basis.used == {e: 1 for e in ENTITIES}
    assert [o.line() for o in unapproved.basis.left_out] == [
        "KMSI version 2 (pending review)",
        "SAMI version 2 (returned)",
    ]

    review_return(settings, P2025, "KMSI", "approved", by="Wang Li", version=2)
    approved = restate_period(settings, P2025, "late KMSI correction, approved", "Zhang Wei")
    assert approved.basis.used == {"HQ": 1, "SAMI": 1, "KMSI": 2, "OS-IN": 1}
    assert [o.line() for o in approved.basis.left_out] == ["SAMI version 2 (returned)"]
    moved = {c.indicator: c for c in approved.changes}
    assert moved["env_diesel"].entities == ("KMSI",) and moved["env_diesel"].factors == ()
    assert moved["env_ghg_scope1"].entities == ("KMSI",)
    kmsi_before = Decimal(demo_inputs(load_catalog(), load_registry(), P2024)["KMSI"]["env_diesel"])
    assert moved["env_diesel"].after - moved["env_diesel"].before == 3000 - kmsi_before
    trail = audit_trail(settings, P2025)[-1]
    assert (trail.action, trail.actor) == ("restated", "Zhang Wei")
    assert trail.detail["used"]["KMSI"] == 2 and trail.detail["left_out"] == ["SAMI version 2 (returned)"]


def test_restate_needs_a_reason_a_name_a_consolidated_period_and_approved_returns(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="needs a reason"):
        restate_period(sqlite_settings, P2025, "  ", "Zhang Wei")
    with pytest.raises(EsgflowError, match="needs the name of the person who restates"):
        restate_period(sqlite_settings, P2025, "why not", " ")
    with pytest.raises(EsgflowError, match="run 'esgflow consolidate' first"):
        restate_period(sqlite_settings, P2025, "why not", "Zhang Wei")
    templates = open_collection(sqlite_settings, P2025, tmp_path / "tpl", ["SAMI"])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], docs=False)
    consolidate_period(sqlite_settings, P2025)
    with pytest.raises(EsgflowError, match="no approved return to restate from"):
        restate_period(sqlite_settings, P2025, "why not", "Zhang Wei")


def test_a_change_reads_as_a_sentence_without_padding_zeros() -> None:
    change = Change(
        "env_ghg_total", "tCO2e", Decimal("4313.549750000000"), Decimal("4909.0897500"), ("f: 1 -> 2",), ("SAMI",), True
    )
    assert change.line() == (
        "env_ghg_total: 4313.54975 -> 4909.08975 tCO2e (significant: 5 % or more); "
        "because of factor f: 1 -> 2, return of SAMI"
    )
