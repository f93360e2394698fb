"""Bad input: each gets a clear reason naming the file (and sheet and cell where there is one),
the warehouse does not change, and the raw file stays in the archive with its reason.

The container and XML checks themselves (legacy .xls, passwords, zip bombs, entity expansion,
oversized sheets) are tested where they live: test_workbooks_safe_zip.py, test_workbooks_reader.py."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from esgflow.config import Settings
from esgflow.intake.ingest import Outcome
from esgflow.jobs.collection import ingest_files
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import fill, open_collection

TABLES = (m.Submission, m.Observation, m.Finding, m.ConsolidatedFigure, m.Entity, m.Period)


def _snapshot(settings: Settings) -> dict[str, int]:
    with db.session_scope(settings.database_url) as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


def _rewrite(
    src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, (replace or {}).get(item.filename, zin.read(item.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


@pytest.fixture
def filled(sqlite_settings: Settings, tmp_path: Path) -> Path:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI", "GAMI"])
    return fill(templates["SAMI"], tmp_path / "ok", {"env_diesel": 100})


def _ingest_bad(settings: Settings, path: Path) -> Outcome:
    before = _snapshot(settings)
    [outcome] = ingest_files(settings, [path])
    assert _snapshot(settings) == before, "the warehouse changed"
    archived = list(settings.archive.rglob(f"{outcome.content_hash}*"))
    raw = next(p for p in archived if not p.name.endswith(".jsonl"))
    assert raw.read_bytes() == path.read_bytes()  # nothing is lost
    log = next(p for p in archived if p.name.endswith(".jsonl")).read_text("utf-8")
    assert json.loads(log.splitlines()[-1])["status"] == outcome.status
    assert outcome.status == "refused"
    return outcome


def _set_meta(path: Path, out: Path, name: str, value: str) -> Path:
    wb = load_workbook(path)
    ((sheet, coord),) = wb.defined_names[name].destinations
    wb[sheet][coord.replace("$", "")] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def test_metadata_naming_another_entity(sqlite_settings: Settings, filled: Path, tmp_path: Path) -> None:
    bad = _set_meta(filled, tmp_path / "bad" / "SAMI_2025.xlsx", "meta_entity", "GAMI")
    outcome = _ingest_bad(sqlite_settings, bad)
    assert "file name says SAMI but the workbook's meta_entity is GAMI" in outcome.line()


def test_metadata_naming_an_unknown_entity(sqlite_settings: Settings, filled: Path, tmp_path: Path) -> None:
    bad = _set_meta(filled, tmp_path / "bad" / "return.xlsx", "meta_entity", "ACME")
    outcome = _ingest_bad(sqlite_settings, bad)
    assert "meta_entity 'ACME' is not an entity of the group" in outcome.line()
    finding = outcome.findings[0]
    assert (finding.sheet, finding.cell, finding.rule) == ("说明 Instructions", "B3", "wrong_metadata")


def test_metadata_naming_a_period_not_open(sqlite_settings: Settings, filled: Path, tmp_path: Path) -> None:
    bad = _set_meta(filled, tmp_path / "bad" / "return.xlsx", "meta_period", "2031")
    # typed over the template's period: its signature no longer matches (a period not open is never signed)
    assert "meta_period 2031 ('说明 Instructions'!B4) do not match" in _ingest_bad(sqlite_settings, bad).line()
    bad = _set_meta(filled, tmp_path / "bad2" / "SAMI_2025.xlsx", "meta_period", "2024")
    assert (
        "the file name says period 2025 but the workbook's meta_period is 2024"
        in _ingest_bad(sqlite_settings, bad).line()
    )


def test_a_template_version_that_is_no_version_is_refused_with_its_cell(
    sqlite_settings: Settings, filled: Path, tmp_path: Path
) -> None:
    bad = _set_meta(filled, tmp_path / "bad" / "SAMI_2025.xlsx", "meta_template_version", "0")
    line = _ingest_bad(sqlite_settings, bad).line()
    assert (
        "is '0', not a template version esgflow writes (versions 1 to 4)" in line and "meta_template_version ('" in line
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("SAMI_2025.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF document, not an Excel workbook"),
        (
            "SAMI_2025.xlsx",
            b"code,value\nenv_diesel,100\n",
            "this is a text or CSV file, not an Excel workbook",
        ),
        ("SAMI_2025.csv", "指标,数值\n柴油,100\n".encode("gbk"), "not an Excel workbook"),
        ("SAMI_2025.xlsx", b"", "the file is empty (0 bytes)"),
    ],
)
def test_not_an_xlsx(
    sqlite_settings: Settings, filled: Path, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad" / name
    path.parent.mkdir()
    path.write_bytes(content)
    line = _ingest_bad(sqlite_settings, path).line()
    assert line.startswith(f"{name}: refused") and reason in line and "[not_xlsx]" in line


def test_a_macro_workbook_is_refused_and_its_macros_never_kept(
    sqlite_settings: Settings, filled: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(filled) as z:
        types = z.read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    ).replace("spreadsheetml.sheet.main+xml", "sheet.macroEnabled.main+xml")
    bad = _rewrite(
        filled,
        tmp_path / "SAMI_2025.xlsm",
        replace={"[Content_Types].xml": types.encode()},
        add={"xl/vbaProject.bin": b'\xd0\xcf\x11\xe0 Attribute VB_Name = "Module1" Shell("calc")'},
    )
    line = _ingest_bad(sqlite_settings, bad).line()
    assert "contains macros (VBA); macros are never run or kept" in line and "[macros]" in line


def test_parse_errors_name_every_cell(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(
        templates["SAMI"],
        tmp_path / "in",
        {"env_diesel": "#DIV/0!", "env_electricity": "abc", "env_natural_gas": "１２，３４５"},
    )
    wb = load_workbook(path)
    ((sheet, coord),) = wb.defined_names["env_gasoline"].destinations
    wb[sheet][coord.replace("$", "")] = "=1/0"  # a real formula, saved without a cached result
    wb.save(path)
    [outcome] = ingest_files(sqlite_settings, [path])
    rules = {f.indicators[0]: (f.rule, f.cell) for f in outcome.findings}

    def cell(code: str) -> str:
        return next(iter(wb.defined_names[code].destinations))[1].replace("$", "")

    assert rules == {
        "env_diesel": ("error_value", cell("env_diesel")),
        "env_gasoline": ("formula_without_cached_value", cell("env_gasoline")),
        "env_electricity": ("text_in_number_cell", cell("env_electricity")),
    }  # and the full-width １２，３４５ in env_natural_gas was read as a number: no finding
    assert outcome.status == "rejected"
