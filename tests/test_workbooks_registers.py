"""The registers' sheets of a template (esgflow.workbooks.registers): a named Excel table per register with
bilingual headers, empty unlocked rows, drop-downs for the list columns, the sheet protected, and the template
still signed and read as a return."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.workbooks.registers import CHOICES_SHEET
from esgflow.workbooks.returns import read_return
from esgflow.workbooks.template import INPUT_FILL, OPTIONAL_FILL, TemplateRequest, write_template
from tests.libreoffice import artefacts, picture, print_workbook
from tests.returns_factory import SITES, fill_registers


@pytest.fixture(scope="module")
def fy2026(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    path = tmp_path_factory.mktemp("fy2026") / "SAMI_2026.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2026"), {}, "esg1-test"), catalog)
    return path


def test_each_register_is_a_named_table_with_bilingual_headers_and_twenty_open_rows(
    fy2026: Path, catalog: Catalog
) -> None:
    wb = load_workbook(fy2026)
    for register in catalog.tables:
        ws = wb[register.sheet_title]
        table = ws.tables[register.list_name]
        first_col, top, last_col, bottom = range_boundaries(table.ref)
        assert bottom - top == register.rows == 20
        headers = [ws.cell(top, c).value for c in range(first_col, last_col + 1)]
        assert headers == [c.heading for c in register.columns]
        assert [c.name for c in table.tableColumns] == headers
        for c, column in zip(range(first_col, last_col + 1), register.columns, strict=True):
            cell = ws.cell(top + 1, c)
            assert cell.protection.locked is False and ws.cell(top, c).protection.locked is not False
            assert cell.fill.fgColor.rgb == (INPUT_FILL if column.required else OPTIONAL_FILL).fgColor.rgb
        assert ws.protection.sheet and ws.protection.insertRows is False  # rows may be inserted, nothing else
    assert wb[CHOICES_SHEET].protection.sheet


def test_list_columns_drop_down_their_choices_and_numbers_their_range(fy2026: Path, catalog: Catalog) -> None:
    wb = load_workbook(fy2026)
    sites = next(t for t in catalog.tables if t.name == "sites")
    ws = wb[sites.sheet_title]
    by_cell = {str(r).split(":")[0]: dv for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    kind = by_cell["B5"]
    assert kind.type == "list" and kind.formula1.startswith(f"'{CHOICES_SHEET}'!$")
    letter, rows = kind.formula1.split("!$")[1].split("$")[0], range(2, 8)
    assert [wb[CHOICES_SHEET][f"{letter}{r}"].value for r in rows] == [c.label for c in sites.columns[1].choices]
    latitude = by_cell["D5"]
    assert (latitude.type, latitude.formula1, latitude.formula2) == ("decimal", "-90", "90")


def test_an_older_template_has_no_register_and_a_new_one_still_reads_as_its_entitys(
    fy2026: Path, catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    old = tmp_path / "SAMI_2025.xlsx"
    request = TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test", template_version="3")
    write_template(old, request, catalog)
    assert not any(ws.tables for ws in load_workbook(old).worksheets)
    parsed = read_return(fy2026.read_bytes(), fy2026.name, catalog)
    assert (parsed.entity, parsed.template_version, parsed.signature) == ("SAMI", "4", "esg1-test")


def test_libreoffice_prints_the_sites_sheet_with_its_headers_and_rows(fy2026: Path, tmp_path: Path) -> None:
    filled = fill_registers(fy2026, {"tbl_sites": SITES}, tmp_path / "SAMI_2026.xlsx")
    printed = print_workbook(filled, tmp_path / "pdf")
    page = next(n for n, text in enumerate(printed.pages, 1) if "Site name" in text)
    text = " ".join(printed.pages[page - 1].split())
    for words in ("场所名称", "Site name", "纬度", "Latitude", "是否运营控制", "Jakarta smelter site", "39.9042"):
        assert words in text, words
    picture(printed, page, artefacts(tmp_path) / "template_sites.png")
    risks = next(n for n, t in enumerate(printed.pages, 1) if "Affected sites" in t)
    picture(printed, risks, artefacts(tmp_path) / "template_climate_risks.png")
