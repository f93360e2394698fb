"""Report artefacts: the workbook, the HTML pages and the disclosure index."""

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow import EsgflowError, jobs
from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.report.disclosure import disclosure_index
from esgflow.report.html import sparkline


@pytest.fixture
def report_dir(sqlite_settings: Settings, seed_dir: Path, tmp_path: Path) -> Path:
    jobs.init_warehouse(sqlite_settings)
    jobs.import_history_file(sqlite_settings, seed_dir / "appendix_2022_2024.csv")
    out = tmp_path / "report"
    jobs.report_period(sqlite_settings, "2024", out, ["zh", "en"])
    return out


def test_workbook_has_a_sheet_per_pillar_with_units_separators_and_frozen_headers(
    report_dir: Path, catalog: Catalog
) -> None:
    wb = load_workbook(report_dir / "appendix.xlsx")
    assert wb.sheetnames == [
        "经济 Economic",
        "环境 Environmental",
        "社会 Social",
        "治理 Governance",
        "披露索引 Index",
    ]
    ws = wb["环境 Environmental"]
    assert ws.freeze_panes == "C2"
    header = [c.value for c in ws[1]]
    assert header[3:5] == ["单位", "Unit"] and header[5:] == ["2022", "2022_restated", "2023", "2024"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    diesel = rows["env_diesel"]
    assert diesel[4].value == "L" and diesel[8].value == 17298567.74
    assert diesel[8].number_format == "#,##0.00"
    assert rows["env_waste_hazardous_intensity"][8].number_format.startswith("#,##0.0000")


def test_html_pages_show_a_trend_per_indicator_in_each_language(report_dir: Path, catalog: Catalog) -> None:
    zh = (report_dir / "appendix.zh.html").read_text("utf-8")
    en = (report_dir / "appendix.en.html").read_text("utf-8")
    assert "关键绩效表" in zh and "柴油使用量" in zh and "Key performance table" in en and "Diesel consumption" in en
    for code in ("env_diesel", "soc_employees_total"):
        row = en.split(f'id="{code}"')[1].split("</tr>")[0]
        assert "<svg" in row and "<polyline" in row
    assert zh.count('class="trend"') >= 70


def test_sparkline_needs_two_points() -> None:
    from decimal import Decimal

    assert sparkline([None, Decimal(1), None]) == ""
    assert sparkline([Decimal(1), None, Decimal(3)]).count("<circle") == 2


def test_disclosure_index_comes_from_the_catalog(report_dir: Path, catalog: Catalog) -> None:
    rows = list(csv.DictReader((report_dir / "disclosure_index.csv").open(encoding="utf-8")))
    assert {"framework": "hkex", "item": "A2.1", "code": "env_diesel"}.items() <= next(
        r for r in rows if r["code"] == "env_diesel" and r["framework"] == "hkex"
    ).items()
    assert any(r["framework"] == "gri" and r["item"] == "403-9" and r["code"] == "soc_work_fatalities" for r in rows)
    entries = disclosure_index(catalog)
    sse = [e.item for e in entries if e.framework == "sse"]
    assert sse.index("第三十条") < sse.index("第四十二条") < sse.index("第五十五条")


def test_report_refuses_unknown_language_and_empty_periods(sqlite_settings: Settings, tmp_path: Path) -> None:
    jobs.init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="unknown language fr"):
        jobs.report_period(sqlite_settings, "2024", tmp_path, ["fr"])
    with pytest.raises(EsgflowError, match="no group figures for 2031"):
        jobs.report_period(sqlite_settings, "2031", tmp_path, ["zh"])
