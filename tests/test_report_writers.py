"""The appendix and the disclosure index written as CSV and as a formatted workbook."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog
from esgflow.demo import bundled_history
from esgflow.history import read_published
from esgflow.periods import parse_period
from esgflow.report.disclosure import FRAMEWORK_NAMES, disclosure_index
from esgflow.report.tables import AppendixTable, build_appendix
from esgflow.report.writers import write_appendix_csv, write_appendix_xlsx, write_index_csv

P2024 = parse_period("2024")


@pytest.fixture(scope="module")
def published(catalog: Catalog) -> AppendixTable:
    """The appendix of the published 2022-2024 report, straight from the bundled CSV."""
    figures = {(f.code, f.year, f.basis): f.value for f in read_published(bundled_history(), catalog)}
    return build_appendix(figures, catalog, P2024)


@pytest.fixture
def computed(catalog: Catalog) -> AppendixTable:
    """A 2024 column computed from returns, beside a published 2023."""
    figures = {
        ("env_diesel", "2023", "published"): Decimal("22157752.40"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),
        ("env_energy_intensity_revenue", "2023", "published"): Decimal("0.0378"),
        ("env_energy_intensity_revenue", "2024", "computed"): Decimal("0.01924"),
        ("soc_employees_total", "2024", "computed"): Decimal("10853"),
    }
    return build_appendix(figures, catalog, P2024)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_appendix_csv_gives_code_names_unit_then_the_year_columns(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_csv(published, tmp_path / "appendix.csv")
    with (tmp_path / "appendix.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["code", "name_zh", "name_en", "unit", "2022", "2022_restated", "2023", "2024"]
    rows = _csv(tmp_path / "appendix.csv")
    assert [r["code"] for r in rows] == [i.code for i in catalog.appendix()]
    diesel = next(r for r in rows if r["code"] == "env_diesel")
    assert (diesel["name_zh"], diesel["name_en"], diesel["unit"]) == ("柴油使用量", "Diesel consumption", "L")


def test_appendix_csv_gives_published_figures_exactly_as_published(published: AppendixTable, tmp_path: Path) -> None:
    write_appendix_csv(published, tmp_path / "appendix.csv")
    ours = {r["code"]: r for r in _csv(tmp_path / "appendix.csv")}
    source = _csv(bundled_history())
    compared = 0
    for row in source:
        for year in ("2022", "2022_restated", "2023", "2024"):
            written, shown = row[year], ours[row["code"]][year]
            if "e" in written.lower():
                assert Decimal(shown) == Decimal(written) and "e" not in shown.lower(), (row["code"], year)
            else:
                assert shown == written, (row["code"], year)  # trailing zeros kept: 3423.10, 12.10
            compared += bool(written)
    assert compared > 200


def test_appendix_csv_gives_computed_figures_at_catalog_precision_and_blanks_for_none(
    computed: AppendixTable, tmp_path: Path
) -> None:
    write_appendix_csv(computed, tmp_path / "appendix.csv")
    rows = {r["code"]: r for r in _csv(tmp_path / "appendix.csv")}
    assert (rows["env_diesel"]["2022"], rows["env_diesel"]["2023"], rows["env_diesel"]["2024"]) == (
        "",
        "22157752.40",
        "17298567.74",
    )
    assert rows["env_energy_intensity_revenue"]["2024"] == "0.0192"
    assert rows["soc_employees_total"]["2024"] == "10853"
    assert rows["env_gasoline"]["2024"] == ""


def test_index_csv_has_a_row_per_framework_item(catalog: Catalog, tmp_path: Path) -> None:
    entries = disclosure_index(catalog)
    write_index_csv(entries, catalog, tmp_path / "disclosure_index.csv")
    rows = _csv(tmp_path / "disclosure_index.csv")
    assert list(rows[0]) == [
        "framework",
        "item",
        "title_zh",
        "title_en",
        "mandatory",
        "status",
        "codes",
        "names_zh",
        "names_en",
        "chapter",
    ]
    assert [(r["framework"], r["item"]) for r in rows] == [(e.framework, e.item) for e in entries]
    energy = next(r for r in rows if (r["framework"], r["item"]) == ("hkex", "A2.1"))
    assert "env_diesel" in energy["codes"].split("; ") and "柴油使用量" in energy["names_zh"].split("; ")
    assert energy["status"] == "answered" and energy["mandatory"] == "yes" and energy["title_en"]
    fatalities = next(r for r in rows if (r["framework"], r["item"]) == ("gri", "403-9"))
    assert "soc_work_fatalities" in fatalities["codes"].split("; ")
    explain = [r for r in rows if r["status"] == "comply_or_explain"]
    assert explain and all(r["mandatory"] == "yes" and not r["codes"] for r in explain)


def test_workbook_has_a_sheet_per_pillar_with_units_separators_and_frozen_headers(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(published, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    assert wb.sheetnames == [
        "经济 Economic",
        "环境 Environmental",
        "社会 Social",
        "治理 Governance",
        "估算 Estimates",
        "披露索引 Index",
    ]
    ws = wb["环境 Environmental"]
    assert ws.freeze_panes == "C2"
    header = [c.value for c in ws[1]]
    assert header[3:5] == ["单位", "Unit"] and header[5:] == ["2022", "2022_restated", "2023", "2024"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert list(rows) == [i.code for i in catalog.appendix() if i.pillar == "env"]
    diesel = rows["env_diesel"]
    assert diesel[4].value == "L" and diesel[8].value == 17298567.74
    assert diesel[8].number_format == "#,##0.00"
    assert diesel[6].value is None  # nothing restated for diesel
    assert rows["env_waste_hazardous_intensity"][8].number_format.startswith("#,##0.0000")
    assert rows["env_waste_hazardous_intensity"][5].value == pytest.approx(7.17e-8)


def test_workbook_numbers_keep_the_digits_they_are_shown_with(
    computed: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(computed, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    ws = load_workbook(tmp_path / "appendix.xlsx")["环境 Environmental"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    intensity = rows["env_energy_intensity_revenue"]  # catalog: 4 decimals
    assert intensity[6].value == 0.0378 and intensity[6].number_format == "#,##0.0000"
    assert intensity[7].value == 0.0192 and intensity[7].number_format == "#,##0.0000"  # 0.01924 at 4 decimals
    diesel = rows["env_diesel"]
    assert diesel[7].value == 17298567.74 and isinstance(diesel[7].value, float)
    employees = {r[0].value: r for r in load_workbook(tmp_path / "appendix.xlsx")["社会 Social"].iter_rows(min_row=2)}
    assert employees["soc_employees_total"][7].value == 10853
    assert employees["soc_employees_total"][7].number_format == "#,##0"


def test_workbook_ends_with_the_disclosure_index(published: AppendixTable, catalog: Catalog, tmp_path: Path) -> None:
    entries = disclosure_index(catalog)
    write_appendix_xlsx(published, entries, catalog, tmp_path / "appendix.xlsx")
    ws = load_workbook(tmp_path / "appendix.xlsx")["披露索引 Index"]
    assert ws.freeze_panes == "C2"
    assert [c.value for c in ws[1]][:4] == ["框架 Framework", "条目 Item", "标题", "Title"]
    rows = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert [(r[0], r[1]) for r in rows] == [(FRAMEWORK_NAMES[e.framework]["en"], e.item) for e in entries]
    energy = next(r for r in rows if r[1] == "A2.1")
    assert "env_diesel" in energy[6] and "Diesel consumption" in energy[8]
    explained = [r for r, e in zip(ws.iter_rows(min_row=2), entries, strict=True) if e.comply_or_explain]
    assert explained and all(r[5].value == "不遵守就解释 comply or explain" for r in explained)
    assert explained[0][0].fill.fgColor.rgb.endswith("FDE2E1")


def test_workbook_leaves_out_pillars_without_appendix_rows(catalog: Catalog, tmp_path: Path) -> None:
    env_only = Catalog(tuple(i for i in catalog.indicators if i.pillar == "env"), catalog.pillars)
    table = build_appendix({("env_diesel", "2024", "published"): Decimal("1")}, env_only, P2024)
    write_appendix_xlsx(table, disclosure_index(env_only), env_only, tmp_path / "appendix.xlsx")
    sheets = load_workbook(tmp_path / "appendix.xlsx").sheetnames
    assert sheets == ["环境 Environmental", "估算 Estimates", "披露索引 Index"]
