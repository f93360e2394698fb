"""A corpus of spreadsheets this project did not write (tests/corpus/foreign, see its SOURCES.md),
ingested beside good returns: each foreign file gets one outcome that says what it is and what to
do, nothing foreign is stored, and the good returns are accepted with their figures as filled."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from esgflow.config import Settings
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.workbooks.formats import in_language
from tests.returns_factory import _complete, fill, open_collection

CORPUS = Path(__file__).parent / "corpus" / "foreign"
FOREIGN = sorted(p for p in CORPUS.iterdir() if p.name != "SOURCES.md")
# Words of a reason a reporter can act on; a Python exception's text is none of them.
TO_DO = re.compile(r"save it as|send|attach|export|fill in", re.IGNORECASE)
EXCEPTION_TEXT = re.compile(r"Error\b|Exception|Traceback|errno|line \d+, column \d+|\bat 0x")
GOOD = {"SAMI": {"env_diesel": Decimal("123.456")}, "OS-IN": {"env_water_total": Decimal("7890.12")}}


def _stored(settings: Settings) -> tuple[set[str], dict[str, dict[str, str]]]:
    """Content hashes of every submission, and each entity's figures as written (indicator -> text)."""
    with db.session_scope(settings.database_url) as s:
        hashes = set(s.scalars(select(m.Submission.content_hash)))
        rows = s.execute(
            select(m.Entity.code, m.Indicator.code, m.Observation.original_value)
            .join(m.Submission, m.Submission.id == m.Observation.submission_id)
            .join(m.Entity, m.Entity.id == m.Submission.entity_id)
            .join(m.Indicator, m.Indicator.id == m.Observation.indicator_id)
        )
        figures: dict[str, dict[str, str]] = {}
        for entity, indicator, written in rows:
            if written is not None:
                figures.setdefault(entity, {})[indicator] = written
    return hashes, figures


def test_the_corpus_holds_foreign_files_of_every_kind() -> None:
    suffixes = {p.suffix for p in FOREIGN}
    assert {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".fods", ".numbers", ".et", ".png", ".jpg"} <= suffixes
    sources = (CORPUS / "SOURCES.md").read_text("utf-8")
    assert all(p.name in sources for p in FOREIGN), "every file names its source and licence in SOURCES.md"


def test_every_foreign_file_is_refused_with_what_to_do_beside_good_returns_that_are_accepted_exactly(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", list(GOOD))
    good = [fill(templates[e], tmp_path / "good", values) for e, values in GOOD.items()]
    outcomes = ingest_files(sqlite_settings, [*FOREIGN, *good])

    assert sorted(o.path.name for o in outcomes) == sorted(p.name for p in [*FOREIGN, *good])  # one each
    by_name = {o.path.name: o for o in outcomes}
    for path in FOREIGN:
        outcome = by_name[path.name]
        assert outcome.status == "refused", outcome.line()
        [finding] = outcome.findings
        assert TO_DO.search(finding.message) and not EXCEPTION_TEXT.search(finding.message), outcome.line()
        assert in_language(finding.message, "zh") != finding.message, f"no Chinese wording: {outcome.line()}"
        assert outcome.line().startswith(f"{path.name}: refused: ")

    hashes, figures = _stored(sqlite_settings)
    assert hashes == {by_name[p.name].content_hash for p in good}, "only the good returns are stored"
    for path, (entity, values) in zip(good, GOOD.items(), strict=True):
        outcome = by_name[path.name]
        assert (outcome.status, outcome.entity, outcome.version) == ("accepted", entity, 1), outcome.line()
        filled = {k: float(v) for k, v in {**_complete(entity), **values}.items()}  # fill writes numbers as floats
        assert {k: float(v.replace(",", "")) for k, v in figures[entity].items()} == filled


def test_the_foreign_files_say_what_they_are(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    lines = {o.path.name: o.line() for o in ingest_files(sqlite_settings, FOREIGN)}
    expected = {
        "calamine_issues.ods": "saved as OpenDocument spreadsheet (.ods); open it and save it as Excel Workbook",
        "calamine_pass_protected.ods": "saved as a password-protected OpenDocument spreadsheet (.ods)",
        "calamine_issues.xlsb": "saved as Excel Binary Workbook (.xlsb)",
        "calamine_issue_666_panic.xlsb": "saved as Excel Binary Workbook (.xlsb)",
        "calamine_pass_protected.xlsx": "the workbook is password-protected; remove the password",
        "calamine_pass_protected.xlsb": "the workbook is password-protected; remove the password",
        "calamine_issues.xls": "this is a legacy Excel 97-2003 file (.xls)",
        "calamine_vba.xlsm": "the workbook contains macros (VBA)",
        "calamine_picture.png": "this is a picture (PNG)",
        "calamine_picture.jpg": "this is a picture (JPEG)",
        "calamine_too_small.xls": "this is a text or CSV file",
        "calamine_strict_iso_paths.xlsx": "it is not an esgflow template: fill in the Excel template you were sent",
        "sheetjs_minimal_112.numbers": "saved as Apple Numbers (.numbers); in Numbers choose File > Export To > Excel",
        "sheetjs_fn.et": "saved in WPS Office's own spreadsheet format",
        "sheetjs_crlf.fods": "saved as Flat OpenDocument spreadsheet (.fods)",
        "sheetjs_sushi.xml": "saved as XML Spreadsheet 2003",
        "sheetjs_row_height.htm": "this is a web page (HTML)",
    }
    for name, reason in expected.items():
        assert reason in lines[name], lines[name]
