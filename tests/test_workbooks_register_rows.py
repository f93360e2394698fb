"""Registers read from a returned workbook (esgflow.workbooks.register_rows): each table by its name, every
filled row exactly, blank rows ignored, a grown table read whole, a bad cell refused at its sheet and cell."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.jobs.collection import ingest_files
from esgflow.workbooks.register_rows import read_registers
from esgflow.workbooks.returns import read_return
from esgflow.workbooks.safe_zip import SafeZip
from tests.returns_factory import (
    CLIMATE_RISKS,
    CLIMATE_RISKS_STORED,
    SITES,
    SITES_STORED,
    fill,
    fill_registers,
    open_collection,
)


@pytest.fixture
def sami_2026(sqlite_settings: Settings, tmp_path: Path) -> Path:
    """SAMI's FY2026 template (version 4), its figures filled in from the demo return."""
    templates = open_collection(sqlite_settings, "2026", tmp_path / "tpl", ["SAMI"])
    return fill(templates["SAMI"], tmp_path / "filled", {})


def _rows(path: Path, catalog: Catalog) -> dict[str, list[dict[str, str]]]:
    parsed = read_return(path.read_bytes(), path.name, catalog)
    assert [f.line() for f in parsed.findings if f.severity == "error"] == []
    out: dict[str, list[dict[str, str]]] = {}
    for row in parsed.registers:
        out.setdefault(row.table, []).append(row.cells)
    return out


def test_every_filled_row_reads_exact_and_blank_rows_are_no_rows(sami_2026: Path, catalog: Catalog) -> None:
    fill_registers(sami_2026, {"tbl_sites": [SITES[0], {}, {}, SITES[1]], "tbl_climate_risks": CLIMATE_RISKS})
    rows = _rows(sami_2026, catalog)
    assert rows == {"sites": SITES_STORED, "climate_risks": CLIMATE_RISKS_STORED}
    parsed = read_return(sami_2026.read_bytes(), sami_2026.name, catalog)
    assert [(r.table, r.row) for r in parsed.registers][:2] == [("sites", 5), ("sites", 8)]  # rows 6, 7 blank


def test_a_true_false_cell_answers_a_yes_no_column(sami_2026: Path, catalog: Catalog) -> None:
    fill_registers(sami_2026, {"tbl_sites": [{**SITES[0], "operational_control": True}, SITES[1]]})
    rows = _rows(sami_2026, catalog)["sites"]
    assert [r["operational_control"] for r in rows] == ["yes", "no"]


def test_a_blank_number_stays_blank_and_an_untouched_template_has_no_rows(sami_2026: Path, catalog: Catalog) -> None:
    assert _rows(sami_2026, catalog) == {}
    fill_registers(sami_2026, {"tbl_sites": [{**SITES[0], "latitude": None}]})
    parsed = read_return(sami_2026.read_bytes(), sami_2026.name, catalog)
    [finding] = [f for f in parsed.findings if f.rule.startswith("table_")]
    assert (finding.rule, finding.sheet, finding.cell) == ("table_required", "场所 Sites", "D5")
    assert parsed.registers == []  # a row with an error is not kept, never with a zero latitude


def test_a_table_grown_by_the_reporter_is_read_whole(sami_2026: Path, catalog: Catalog) -> None:
    wb = load_workbook(sami_2026)
    ws = wb["场所 Sites"]
    ws.tables["tbl_sites"].ref = "A4:F40"  # the reporter inserted rows inside the table
    ws.tables["tbl_sites"].autoFilter.ref = "A4:F40"
    wb.save(sami_2026)
    many = [SITES[1]] * 30 + [{**SITES[0], "name": "第36行 row 36"}]
    fill_registers(sami_2026, {"tbl_sites": many})
    rows = _rows(sami_2026, catalog)["sites"]
    assert len(rows) == 31 and rows[-1]["name"] == "第36行 row 36"


@pytest.mark.parametrize(
    ("key", "value", "rule", "cell"),
    [
        ("latitude", 91.5, "table_range", "D5"),
        ("longitude", "-180.01", "table_range", "E5"),
        ("latitude", "北纬39度", "table_number", "D5"),
        ("kind", "工厂 Factory", "table_enum", "B5"),
        ("operational_control", "maybe", "table_enum", "F5"),
    ],
)
def test_a_bad_cell_is_an_error_at_its_sheet_and_cell(
    sami_2026: Path, catalog: Catalog, key: str, value: object, rule: str, cell: str
) -> None:
    fill_registers(sami_2026, {"tbl_sites": [{**SITES[0], key: value}]})
    zf = SafeZip.open(sami_2026.read_bytes(), sami_2026.name)
    rows, [finding] = read_registers(zf, catalog, "4", sami_2026.name)
    assert rows == []
    assert (finding.rule, finding.severity, finding.sheet, finding.cell) == (rule, "error", "场所 Sites", cell)
    assert finding.file == sami_2026.name and finding.found is not None


def test_an_older_template_is_asked_no_table_and_a_missing_table_warns(sami_2026: Path, catalog: Catalog) -> None:
    zf = SafeZip.open(sami_2026.read_bytes(), sami_2026.name)
    assert read_registers(zf, catalog, "3", sami_2026.name) == ([], [])
    wb = load_workbook(sami_2026)
    del wb["场所 Sites"].tables["tbl_sites"]
    wb.save(sami_2026)
    zf = SafeZip.open(sami_2026.read_bytes(), sami_2026.name)
    _, [finding] = read_registers(zf, catalog, "4", sami_2026.name)
    assert (finding.rule, finding.severity) == ("table_missing", "warning")


def test_bad_cells_refuse_the_return_and_its_letter_names_sheet_and_cell_in_chinese(
    sqlite_settings: Settings, sami_2026: Path, catalog: Catalog
) -> None:
    bad = [{**SITES[0], "latitude": 139.9}, SITES[1]]
    fill_registers(sami_2026, {"tbl_sites": bad, "tbl_climate_risks": [{**CLIMATE_RISKS[0], "horizon": "soon"}]})
    [outcome] = ingest_files(sqlite_settings, [sami_2026])
    assert outcome.status == "rejected", outcome.line()
    where = {(f.rule, f.sheet, f.cell) for f in outcome.findings}
    assert ("table_range", "场所 Sites", "D5") in where
    assert ("table_enum", "气候风险与机遇 Climate risks", "C5") in where
    assert outcome.letter is not None
    letter = outcome.letter.read_text("utf-8")  # SAMI's reporters read Chinese
    assert "'场所 Sites'!D5" in letter and "表格数值超出范围" in letter and "表格选项无法识别" in letter
    assert "out of range" not in letter
