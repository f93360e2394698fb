"""The appendix and the disclosure index written as CSV and as a formatted workbook."""

from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from esgflow import display
from esgflow.catalog import Catalog
from esgflow.demo.group import bundled_history
from esgflow.figures.history import read_published
from esgflow.findings import Finding
from esgflow.periods import parse_period
from esgflow.report.disclosure import FRAMEWORK_NAMES, disclosure_index
from esgflow.report.tables import AppendixTable, build_appendix
from esgflow.report.writers import (
    COMPARISON_SHEET,
    CONTRADICTIONS_SHEET,
    write_appendix_csv,
    write_appendix_xlsx,
    write_index_csv,
    year_header,
)
from esgflow.workbooks import fit
from tests.libreoffice import artefacts, picture, print_workbook

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
        "text_zh",
        "text_en",
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
        "对比 Computed vs published",
        "矛盾 Contradictions",
        "估算 Estimates",
        "披露索引 Index",
    ]
    ws = wb["环境 Environmental"]
    assert ws.freeze_panes == "D2"
    header = [c.value for c in ws[1]]
    assert header[3:5] == ["单位", "Unit"] and header[5:] == ["2022", "2022（重述）\n2022 restated", "2023", "2024"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert list(rows) == [i.code for i in catalog.appendix() if i.pillar == "env"]
    diesel = rows["env_diesel"]
    assert diesel[4].value == "L" and diesel[8].value == 17298567.74
    assert diesel[8].number_format == "#,##0.00"
    assert diesel[6].value is None  # nothing restated for diesel
    # below a ten-thousandth: the scientific notation the report page shows it in
    assert rows["env_waste_hazardous_intensity"][8].number_format.endswith("E+00")
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
    assert sheets == [
        "环境 Environmental",
        "对比 Computed vs published",
        "矛盾 Contradictions",
        "估算 Estimates",
        "披露索引 Index",
    ]


@pytest.fixture
def checked(computed: AppendixTable) -> AppendixTable:
    """The computed table with the 2024 diesel figure published otherwise and a contradiction in 2023."""
    contradiction = Finding(
        "formula_mismatch",
        "error",
        "published 2023: env_energy_intensity_revenue is 0.0378, but env_energy_total / econ_revenue gives 0.0362",
        ("env_energy_intensity_revenue", "env_energy_total", "econ_revenue"),
        period="2023",
        expected=Decimal("0.03617"),
        actual=Decimal("0.0378"),
    )
    return replace(
        computed,
        published_now={"env_diesel": Decimal("17300000.00")},
        contradictions=(contradiction,),
    )


def _rows(ws: Worksheet, header_row: int) -> list[tuple[object, ...]]:
    return [tuple(c.value for c in r) for r in ws.iter_rows(min_row=header_row + 1)]


def test_year_headers_are_written_as_people_write_them(published: AppendixTable) -> None:
    assert [year_header(c) for c in published.columns] == ["2022", "2022（重述）\n2022 restated", "2023", "2024"]


def test_workbook_units_are_written_properly_and_formats_follow_the_published_places(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(published, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    rows = {r[0].value: r for r in load_workbook(tmp_path / "appendix.xlsx")["环境 Environmental"].iter_rows()}
    assert rows["env_ghg_total"][4].value == "tCO₂e" and rows["env_natural_gas"][4].value == "m³"
    for code, row in rows.items():
        if code in catalog:
            for cell in row[5:]:
                if cell.value is not None:
                    assert cell.number_format == display.excel_format(catalog[code].decimals, Decimal(str(cell.value)))


def test_workbook_a_tiny_figure_shows_in_scientific_notation(catalog: Catalog, tmp_path: Path) -> None:
    figures = {("env_energy_intensity_revenue", "2024", "computed"): Decimal("0.00000071")}
    table = build_appendix(figures, catalog, P2024)
    write_appendix_xlsx(table, [], catalog, tmp_path / "appendix.xlsx")
    rows = {r[0].value: r for r in load_workbook(tmp_path / "appendix.xlsx")["环境 Environmental"].iter_rows()}
    cell = rows["env_energy_intensity_revenue"][7]
    assert cell.value == 7.1e-07 and cell.number_format == "0.00E+00"  # not 0.0000, which would read as none


def test_workbook_columns_fit_their_longest_name_and_unit(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(published, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    for pillar, names in catalog.pillars.items():
        ws = wb[f"{names['zh']} {names['en']}"]
        shown = [i for i in catalog.appendix() if i.pillar == pillar]
        for letter, texts in (
            ("A", [i.code for i in shown]),
            ("B", [i.name_zh for i in shown]),
            ("D", [i.unit_zh for i in shown]),
            ("E", [display.unit(i.unit) for i in shown]),
        ):
            assert ws.column_dimensions[letter].width >= min(max(map(fit.text_width, texts)), fit.MAX_WIDTH), letter
        for row in ws.iter_rows(min_row=2):  # a name that wraps has a row tall enough for it
            needed = fit.lines(row[2].value, ws.column_dimensions["C"].width)
            assert ws.row_dimensions[row[0].row].height >= needed * fit.LINE_POINTS


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(
    checked: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(checked, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    titles = {"环境 Environmental": "$1:$1", COMPARISON_SHEET: "$4:$4", CONTRADICTIONS_SHEET: "$4:$4"}
    titles |= {"估算 Estimates": "$4:$4", "披露索引 Index": "$1:$1"}
    for name, rows in titles.items():
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.fitToWidth) == 1, name
        assert int(ws.page_setup.fitToHeight) == 0 and ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_title_rows == rows, name


def test_comparison_sheet_lists_each_computed_figure_that_differs_from_the_published_one(
    checked: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(checked, [], catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    ws = wb[COMPARISON_SHEET]
    assert "2024年按各单位填报数据计算的结果与已发布数值不一致" in ws["A1"].value and "differ" in ws["A2"].value
    [diesel] = _rows(ws, 4)
    assert diesel[:6] == ("env_diesel", "柴油使用量", "Diesel consumption", "升 L", 17300000.0, 17298567.74)
    assert diesel[6] == pytest.approx(-1432.2612 / 17300000)
    assert ws["E5"].number_format == ws["F5"].number_format == "#,##0.00" and "%" in ws["G5"].number_format
    marked = {r[0].value: r for r in wb["环境 Environmental"].iter_rows()}["env_diesel"][7]  # marked in the table
    assert marked.fill.fgColor.rgb.endswith("FFF2CC") and "已发布 Published: 17,300,000.00" in marked.comment.text


def test_contradictions_sheet_lists_the_published_reports_own_contradictions(
    checked: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(checked, [], catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    ws = wb[CONTRADICTIONS_SHEET]
    assert ws["A1"].value.startswith("已发布报告中数值之间互相不一致") and ws["A2"].value.startswith("Where")
    [row] = _rows(ws, 4)
    assert row[:5] == (
        "2023",
        "env_energy_intensity_revenue",
        "万元营收能源消耗强度",
        "Energy intensity per 10k CNY of revenue",
        "吨标准煤/万元 tce/10k CNY",
    )
    assert row[7:10] == (0.0378, 0.03617, "能源消耗总量 Total energy consumption; 营业收入 Operating revenue")
    assert row[10].startswith("published 2023")
    assert ws["H5"].number_format == ws["I5"].number_format == "#,##0.0000"
    marked = {r[0].value: r for r in wb["环境 Environmental"].iter_rows()}["env_energy_intensity_revenue"][6]
    assert marked.fill.fgColor.rgb.endswith("FDE2E1") and marked.comment.text.startswith("! published 2023")


def test_comparison_and_contradiction_sheets_say_when_there_is_nothing(
    computed: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    write_appendix_xlsx(computed, [], catalog, tmp_path / "appendix.xlsx")
    wb = load_workbook(tmp_path / "appendix.xlsx")
    assert _rows(wb[COMPARISON_SHEET], 4)[0][0] == "本期没有已发布数值 Nothing published"
    assert _rows(wb[CONTRADICTIONS_SHEET], 4)[0][1] == "没有矛盾 None found"


def test_libreoffice_prints_the_appendix_with_every_name_and_unit_whole(
    checked: AppendixTable, published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    table = replace(published, contradictions=checked.contradictions)
    write_appendix_xlsx(table, disclosure_index(catalog), catalog, tmp_path / "appendix.xlsx")
    printed = print_workbook(tmp_path / "appendix.xlsx", tmp_path / "pdf")
    lines = printed.lines()
    for ind in catalog.appendix():  # each on one printed line: nothing cut, nothing wrapped apart
        row = next((line for line in lines if line.startswith(ind.code + " ")), "")
        assert ind.name_zh in row and display.unit(ind.unit) in row, ind.code
        assert ind.name_en in row or all(word in printed.text for word in ind.name_en.split()), ind.code
    assert "2022 restated" in printed.text and "2022（重述）" in printed.text and "2022_restated" not in printed.text
    assert "4,739,128.86" in printed.text  # separators
    assert "已发布报告中数值之间互相不一致之处" in printed.text and "Figures involved" in printed.text
    picture(printed, 2, artefacts(tmp_path) / "appendix.png")


def test_the_estimates_sheet_names_a_restated_year_as_people_write_it(catalog: Catalog, tmp_path: Path) -> None:
    figures = {
        ("env_diesel", "2022", "published"): Decimal("10"),
        ("env_diesel", "2022", "computed_restated"): Decimal("12"),
        ("env_diesel", "2024", "computed"): Decimal("30"),
    }
    marked = {("env_diesel", "2022", "computed_restated"): ["SAMI"], ("env_diesel", "2024", "computed"): ["SAMI"]}
    table = replace(build_appendix(figures, catalog, P2024), estimates=marked)
    write_appendix_xlsx(table, [], catalog, tmp_path / "appendix.xlsx")
    ws = load_workbook(tmp_path / "appendix.xlsx")["估算 Estimates"]
    assert [r[3] for r in ws.iter_rows(min_row=5, values_only=True)] == ["2022（重述）\n2022 restated", "2024"]
    assert ws.print_title_rows == "$4:$4"
