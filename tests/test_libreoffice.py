"""Workbooks re-saved by headless LibreOffice Calc read back the same."""

from pathlib import Path

from sqlalchemy import select

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.figures import consolidate_period
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import P2024, demo_inputs, fill, libreoffice_resave, open_collection
from tests.test_intake_ingest import _expected_sums, _group_figures


def test_round_trip_after_libreoffice_resave(
    sqlite_settings: Settings, catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2024", tmp_path / "tpl")
    filled = demo_inputs(catalog, registry, P2024)
    notes = {"env_diesel": '=HYPERLINK("http://example.com","x") 新工地 new site'}
    originals = [fill(t, tmp_path / "filled", filled[code], notes) for code, t in templates.items()]
    resaved = libreoffice_resave(originals, tmp_path / "libreoffice")
    assert all(p.read_bytes() != o.read_bytes() for p, o in zip(resaved, originals, strict=True))
    outcomes = ingest_files(sqlite_settings, resaved)
    assert [o.status for o in outcomes] == ["accepted"] * len(templates), [o.line() for o in outcomes]
    consolidate_period(sqlite_settings, parse_period("2024"))
    figures = _group_figures(sqlite_settings, "2024")
    for code, total in _expected_sums(catalog, filled).items():
        assert figures[code] == total, code


def test_note_text_survives_libreoffice_as_text(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    note = "=1+1 这不是公式 not a formula"
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 7}, {"env_diesel": note})
    [resaved] = libreoffice_resave([path], tmp_path / "lo")
    [outcome] = ingest_files(sqlite_settings, [resaved])
    assert outcome.status == "accepted"
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(m.Observation.note).where(m.Observation.note.is_not(None))) == note


def test_a_formula_uses_the_result_libreoffice_saved(sqlite_settings: Settings, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1})
    wb = load_workbook(path)
    ((sheet, coord),) = wb.defined_names["env_diesel"].destinations
    wb[sheet][coord.replace("$", "")] = "=1200.5+300"  # openpyxl saves no result; LibreOffice computes one
    wb.save(path)
    [resaved] = libreoffice_resave([path], tmp_path / "lo")
    [outcome] = ingest_files(sqlite_settings, [resaved])
    assert outcome.status == "accepted", outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        value = s.scalar(select(m.Observation.value).join(m.Indicator).where(m.Indicator.code == "env_diesel"))
    assert str(value) == "1500.5"


def test_the_estimated_drop_down_survives_libreoffice_and_its_value_reads_back(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    marks = {"env_diesel__estimate": "估算 Estimated", "env_gasoline__estimate": "实际 Actual"}
    path = fill(templates["SAMI"], tmp_path / "in", marks)
    [resaved] = libreoffice_resave([path], tmp_path / "lo")
    wb = load_workbook(resaved)
    ((sheet, coord),) = wb.defined_names["env_diesel__estimate"].destinations
    cell = coord.replace("$", "")
    assert wb[sheet][cell].value == "估算 Estimated"
    [choices] = [dv for dv in wb[sheet].data_validations.dataValidation if cell in dv.sqref]
    assert choices.type == "list" and "估算 Estimated" in (choices.formula1 or "")  # still a drop-down
    [outcome] = ingest_files(sqlite_settings, [resaved])
    assert outcome.status == "accepted", outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        estimated = s.scalars(select(m.Indicator.code).join(m.Observation).where(m.Observation.estimated)).all()
    assert estimated == ["env_diesel"]


def test_a_fy2026_return_with_both_registers_resaved_by_libreoffice_reads_every_row_exact(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from esgflow.warehouse.registers import period_rows
    from tests.returns_factory import CLIMATE_RISKS, CLIMATE_RISKS_STORED, SITES, SITES_STORED, fill_registers

    templates = open_collection(sqlite_settings, "2026", tmp_path / "tpl", ["SAMI"])
    filled = fill(templates["SAMI"], tmp_path / "in", {})
    fill_registers(filled, {"tbl_sites": [SITES[0], {}, SITES[1]], "tbl_climate_risks": CLIMATE_RISKS})
    [resaved] = libreoffice_resave([filled], tmp_path / "lo")
    assert resaved.read_bytes() != filled.read_bytes()
    [outcome] = ingest_files(sqlite_settings, [resaved])
    assert outcome.status.startswith("accepted"), outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        rows = period_rows(s, parse_period("2026"))
    by_table: dict[str, list[dict[str, str]]] = {}
    for entity, version, row in rows:
        assert (entity, version) == ("SAMI", 1)
        by_table.setdefault(row.table, []).append(row.cells)
    assert by_table == {"sites": SITES_STORED, "climate_risks": CLIMATE_RISKS_STORED}
    assert [r.row for _, _, r in rows if r.table == "sites"] == [5, 7]


def test_bad_register_cells_resaved_by_libreoffice_are_refused_at_their_sheet_and_cell(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from tests.returns_factory import CLIMATE_RISKS, SITES, fill_registers

    templates = open_collection(sqlite_settings, "2026", tmp_path / "tpl", ["SAMI"])
    filled = fill(templates["SAMI"], tmp_path / "in", {})
    bad_risk = {**CLIMATE_RISKS[0], "kind": "洪水 Flood"}
    fill_registers(filled, {"tbl_sites": [SITES[0], {**SITES[1], "latitude": -96}], "tbl_climate_risks": [bad_risk]})
    [resaved] = libreoffice_resave([filled], tmp_path / "lo")
    [outcome] = ingest_files(sqlite_settings, [resaved])
    assert outcome.status == "rejected", outcome.line()
    found = {(f.rule, f.sheet, f.cell) for f in outcome.findings if f.rule.startswith("table_")}
    assert found == {("table_range", "场所 Sites", "D6"), ("table_enum", "气候风险与机遇 Climate risks", "A5")}
