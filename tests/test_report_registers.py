"""The group's registers in the report (esgflow.report.registers): every entity's rows of its newest accepted
return in sites.csv and climate_risks.csv, entity first, and the framework items they answer counted answered."""

from __future__ import annotations

import csv
from pathlib import Path

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.disclosure import show_disclosure
from esgflow.jobs.figures import consolidate_period, report_period
from esgflow.periods import parse_period
from esgflow.registers import RegisterRow
from esgflow.report.registers import answered_registers, write_register_csvs
from tests.returns_factory import (
    CLIMATE_RISKS,
    CLIMATE_RISKS_STORED,
    SITES,
    SITES_STORED,
    fill,
    fill_registers,
    open_collection,
)

P2026 = parse_period("2026")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_no_rows_no_register_files_and_a_blank_cell_stays_empty(catalog: Catalog, tmp_path: Path) -> None:
    assert write_register_csvs([], catalog, tmp_path) == []
    row = RegisterRow("climate_risks", "气候风险与机遇 Climate risks", 5, CLIMATE_RISKS_STORED[1])  # no sites
    files = write_register_csvs([("SAMI", 3, row)], catalog, tmp_path)
    assert [f.name for f in files] == ["sites.csv", "climate_risks.csv"]
    assert _csv(files[0]) == []
    [written] = _csv(files[1])
    assert list(written)[:3] == ["entity", "version", "row"]
    assert (written["entity"], written["version"], written["row"], written["sites"]) == ("SAMI", "3", "5", "")
    assert answered_registers([("SAMI", 3, row)], catalog) == {"tbl_climate_risks"}


def test_the_report_consolidates_each_entitys_rows_and_the_index_counts_them(
    sqlite_settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, P2026, tmp_path / "tpl", ["SAMI", "HQ"])
    sami = fill_registers(
        fill(templates["SAMI"], tmp_path / "in", {}), {"tbl_sites": SITES, "tbl_climate_risks": CLIMATE_RISKS}
    )
    hq = fill_registers(fill(templates["HQ"], tmp_path / "in", {}), {"tbl_sites": [SITES[0]]})
    before = {(a.framework, a.item): a.status for a in show_disclosure(sqlite_settings, P2026)}
    assert before[("hkex", "D20")] == before[("hkex", "D29")] == "open"
    outcomes = ingest_files(sqlite_settings, [sami, hq])
    assert all(o.status.startswith("accepted") for o in outcomes), [o.line() for o in outcomes]
    consolidate_period(sqlite_settings, P2026)
    report = report_period(sqlite_settings, P2026, tmp_path / "report", ["zh", "en"])
    out = tmp_path / "report"
    assert {out / "sites.csv", out / "climate_risks.csv"} <= set(report.files)
    sites = _csv(out / "sites.csv")
    assert [(r["entity"], r["version"]) for r in sites] == [("HQ", "1"), ("SAMI", "1"), ("SAMI", "1")]
    keys = [c.key for c in catalog.tables[0].columns]
    assert [{k: r[k] for k in keys} for r in sites] == [SITES_STORED[0], *SITES_STORED]
    risks = _csv(out / "climate_risks.csv")
    assert [{k: v for k, v in r.items() if k not in ("entity", "version", "row") and v} for r in risks] == [
        {k: v for k, v in stored.items() if v} for stored in CLIMATE_RISKS_STORED
    ]
    zh, en = (out / "appendix.zh.html").read_text("utf-8"), (out / "appendix.en.html").read_text("utf-8")
    assert 'id="registers"' in zh and "实体风险-急性" in zh and "Physical risk - acute" not in zh
    assert "Physical risk - acute" in en and "Jakarta smelter site" in en and "physical_acute" not in en
    after = {(a.framework, a.item): a for a in show_disclosure(sqlite_settings, P2026)}
    assert after[("hkex", "D20")].status == after[("hkex", "D29")].status == "answered"
    assert "tbl_sites" in after[("hkex", "D29")].codes
    index = {(r["framework"], r["item"]): r for r in _csv(out / "disclosure_index.csv")}
    assert index[("hkex", "D20")]["status"] == "answered"
    assert "tbl_climate_risks" in index[("hkex", "D20")]["codes"]
    assert "气候风险与机遇" in index[("hkex", "D20")]["names_zh"]


def test_a_restated_period_shows_the_rows_of_the_approved_version_its_figures_stand_on(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from esgflow.jobs.figures import restate_period
    from esgflow.jobs.signoff import review_return

    templates = open_collection(sqlite_settings, P2026, tmp_path / "tpl", ["SAMI"])
    first = fill_registers(fill(templates["SAMI"], tmp_path / "v1", {}), {"tbl_sites": [SITES[0]]})
    [one] = ingest_files(sqlite_settings, [first])
    assert one.status.startswith("accepted"), one.line()
    consolidate_period(sqlite_settings, P2026)
    review_return(sqlite_settings, P2026, "SAMI", "approved", by="Wang Li", version=1)
    later = fill_registers(fill(templates["SAMI"], tmp_path / "v2", {}), {"tbl_sites": [SITES[1]]})
    [two] = ingest_files(sqlite_settings, [later])
    assert two.status.startswith("accepted") and two.version == 2, two.line()
    restate_period(sqlite_settings, P2026, "a factor was corrected", "Zhang Wei")  # from version 1, approved
    report_period(sqlite_settings, P2026, tmp_path / "report", ["en"])
    sites = _csv(tmp_path / "report" / "sites.csv")
    assert [(r["entity"], r["version"], r["name"]) for r in sites] == [("SAMI", "1", SITES_STORED[0]["name"])]
