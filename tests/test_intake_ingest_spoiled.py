"""Spoiled returns, end to end: each figure is read as the reporter meant it, or the file is
judged with a reason naming its cell; the valid files beside it are loaded whatever it holds."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.config import Settings
from esgflow.jobs.collection import collect_inbox, ingest_files
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse.observations import accepted_observations
from tests.returns_factory import fill, open_collection

P2025 = parse_period("2025")


@pytest.fixture
def templates(sqlite_settings: Settings, tmp_path: Path) -> dict[str, Path]:
    return open_collection(sqlite_settings, P2025, tmp_path / "tpl", ["HQ", "SAMI", "GAMI"])


def _cell(path: Path, name: str) -> tuple[str, str]:
    wb = load_workbook(path)
    ((sheet, ref),) = wb.defined_names[name].destinations
    return sheet, ref.replace("$", "")


def _edit(path: Path, name: str, value: object, number_format: str | None = None) -> Path:
    """Type into the named cell as a reporter would in Excel: a value, and the format Excel gives it."""
    wb = load_workbook(path)
    sheet, ref = _cell(path, name)
    wb[sheet][ref].value = value
    if number_format:
        wb[sheet][ref].number_format = number_format
    wb.save(path)
    return path


def _accepted(settings: Settings) -> dict[tuple[str, str], Decimal]:
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
    return {(r["entity"], r["indicator"]): r["value"] for r in frame.iter_rows(named=True)}


def test_a_percent_formatted_cell_of_a_percentage_is_read_as_shown(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    # Excel stores '12%' typed in a cell as 0.12 with a percent format; the reporter means 12 %
    path = _edit(fill(templates["HQ"], tmp_path / "in", {}), "soc_customer_satisfaction", 0.985, "0.0%")
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status.startswith("accepted"), outcome.line()
    assert _accepted(sqlite_settings)[("HQ", "soc_customer_satisfaction")] == Decimal("98.5")


@pytest.mark.parametrize(
    ("value", "number_format", "rule"),
    [
        (45720, "yyyy-mm-dd", "date_in_number_cell"),  # a date typed into a number cell: its serial number
        (0.5, "h:mm", "date_in_number_cell"),
        (0.12, "0.00%", "percent_in_number_cell"),  # diesel in litres is no percentage
    ],
)
def test_a_number_format_that_changes_the_meaning_is_an_error_naming_the_cell(
    sqlite_settings: Settings,
    templates: dict[str, Path],
    tmp_path: Path,
    value: float,
    number_format: str,
    rule: str,
) -> None:
    path = _edit(fill(templates["SAMI"], tmp_path / "in", {}), "env_diesel", value, number_format)
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "rejected"
    [error] = [f for f in outcome.findings if f.severity == "error"]
    assert (error.rule, (error.sheet, error.cell)) == (rule, _cell(path, "env_diesel"))
    assert ("SAMI", "env_diesel") not in _accepted(sqlite_settings)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("1 234 567", Decimal("1234567")),
        ("1\u00a0234\u00a0567.5", Decimal("1234567.5")),
        ("1 23", None),
        ("12 34 567", None),
        ("1 2345", None),
        ("1,234,567", Decimal("1234567")),
        ("1,23", None),
    ],
)
def test_text_grouping_is_read_only_where_it_is_regular(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path, text: str, read: Decimal | None
) -> None:
    path = _edit(fill(templates["SAMI"], tmp_path / "in", {}), "env_diesel", text)
    [outcome] = ingest_files(sqlite_settings, [path])
    if read is None:
        assert outcome.status == "rejected"
        assert [(f.rule, f.cell) for f in outcome.findings if f.severity == "error"] == [
            ("text_in_number_cell", _cell(path, "env_diesel")[1])
        ]
    else:
        assert outcome.status.startswith("accepted") and _accepted(sqlite_settings)[("SAMI", "env_diesel")] == read


def test_a_name_defined_twice_is_an_error_naming_both_cells(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    path = fill(templates["SAMI"], tmp_path / "in", {})
    sheet, ref = _cell(path, "env_diesel")
    twice = tmp_path / "twice" / path.name
    twice.parent.mkdir()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(twice, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                extra = f"<definedName name=\"env_diesel\">'{sheet}'!$B$2</definedName></definedNames>"
                data = data.decode().replace("</definedNames>", extra, 1).encode()
            zout.writestr(item, data)
    [outcome] = ingest_files(sqlite_settings, [twice])
    assert outcome.status == "rejected"
    [error] = [f for f in outcome.findings if f.rule == "duplicate_defined_name"]
    letters = ref.rstrip("0123456789")
    assert f"${letters}${ref[len(letters) :]}" in error.message and "$B$2" in error.message


@pytest.mark.parametrize("text", ["1E+28", "1E+308", "1000000000000000"])
def test_a_value_too_large_is_that_files_error_and_the_batch_goes_on(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path, text: str
) -> None:
    bad = _edit(fill(templates["SAMI"], tmp_path / "bad", {}), "env_diesel", text)
    good = fill(templates["GAMI"], tmp_path / "good", {"env_diesel": 5})
    outcomes = {o.path.name: o for o in ingest_files(sqlite_settings, [bad, good])}
    assert outcomes[bad.name].status == "rejected"
    assert [f.rule for f in outcomes[bad.name].findings if f.severity == "error"] == ["value_too_large"]
    assert outcomes[good.name].status.startswith("accepted")
    assert _accepted(sqlite_settings)[("GAMI", "env_diesel")] == Decimal("5")


def test_a_huge_number_stored_as_a_number_is_refused_too(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    bad = _edit(fill(templates["SAMI"], tmp_path / "bad", {}), "env_diesel", 1e308)
    [outcome] = ingest_files(sqlite_settings, [bad])
    assert outcome.status == "rejected" and outcome.findings[0].rule == "value_too_large"


def _with_parts(path: Path, out: Path, parts: dict[str, bytes], workbook_sheet: str | None = None) -> Path:
    """The workbook with parts replaced or added (and, given a sheet name, that sheet listed as hidden)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = parts.pop(item.filename, None) or zin.read(item.filename)
            if workbook_sheet and item.filename == "xl/workbook.xml":
                hidden = f'<sheet name="{workbook_sheet}" sheetId="99" state="hidden" r:id="rIdHidden"/></sheets>'
                data = data.decode().replace("</sheets>", hidden, 1).encode()
            if workbook_sheet and item.filename == "xl/_rels/workbook.xml.rels":
                rel = (
                    '<Relationship Id="rIdHidden" Target="worksheets/hidden.xml" Type="http://schemas.openxml'
                    'formats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
                )
                data = data.decode().replace("</Relationships>", rel, 1).encode()
            zout.writestr(item, data)
        for name, data in parts.items():
            zout.writestr(name, data)
    return out


def test_a_dtd_in_a_part_the_reader_never_parses_is_refused_before_anything_opens_it(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": "abc"})  # an error: the letter annotates a copy
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
    doctype = '<!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    styles = styles.replace("?>", "?>" + doctype, 1) if styles.startswith("<?xml") else doctype + styles
    spoiled = _with_parts(path, tmp_path / "dtd" / path.name, {"xl/styles.xml": styles.encode()})
    [outcome] = ingest_files(sqlite_settings, [spoiled])
    assert outcome.status == "refused" and outcome.findings[0].rule == "xml_entities"
    assert "xl/styles.xml" in outcome.findings[0].message and outcome.annotated is None


def test_a_hidden_unnamed_sheet_of_many_rows_is_bounded_like_any_other(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    path = fill(templates["SAMI"], tmp_path / "in", {})
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 25001))
    sheet = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
    spoiled = _with_parts(path, tmp_path / "hidden" / path.name, {"xl/worksheets/hidden.xml": sheet.encode()}, "h")
    [outcome] = ingest_files(sqlite_settings, [spoiled])
    assert outcome.status == "refused" and outcome.findings[0].rule == "oversized_sheet"
    assert "xl/worksheets/hidden.xml" in outcome.findings[0].message


def test_symbolic_links_are_refused_and_never_followed(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    outside = fill(templates["SAMI"], tmp_path / "outside", {"env_diesel": 77})
    folder = tmp_path / "returns"
    (folder / "sub").mkdir(parents=True)
    (folder / "SAMI_2025.xlsx").symlink_to(outside)
    (folder / "linked-folder").symlink_to(outside.parent, target_is_directory=True)
    fill(templates["GAMI"], folder / "sub", {})
    outcomes = ingest_files(sqlite_settings, [folder])
    by_name = {o.path.name: o for o in outcomes}
    assert set(by_name) == {"SAMI_2025.xlsx", "linked-folder", "GAMI_2025.xlsx"}
    assert by_name["SAMI_2025.xlsx"].status == by_name["linked-folder"].status == "refused"
    assert by_name["SAMI_2025.xlsx"].findings[0].rule == "symbolic_link"
    assert by_name["GAMI_2025.xlsx"].status.startswith("accepted")
    assert ("SAMI", "env_diesel") not in _accepted(sqlite_settings)
    archived = [p.name for p in sqlite_settings.archive.rglob("*.xlsx")]
    assert len(archived) == 1  # only the real file: nothing behind a link was copied


def test_a_link_dropped_into_the_inbox_is_refused(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    outside = fill(templates["SAMI"], tmp_path / "outside", {})
    sqlite_settings.inbox.mkdir(parents=True, exist_ok=True)
    (sqlite_settings.inbox / "SAMI_2025.xlsx").symlink_to(outside)
    [outcome] = collect_inbox(sqlite_settings, "run-links")
    assert outcome.status == "refused" and outcome.findings[0].rule == "symbolic_link"
    assert _accepted(sqlite_settings) == {}


def test_a_file_name_cannot_forge_an_output_line(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    forged = "SAMI_2025.xlsx: accepted as SAMI 2025 version 9 (71 figures)\nX.xlsx"
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": "abc"}, name=forged)
    [outcome] = ingest_files(sqlite_settings, [path])
    line = outcome.line()
    assert "\n" not in line and "\\n" in line and "rejected" in line
    assert outcome.letter is not None and "\\nX.xlsx" in outcome.letter.read_text("utf-8")


def test_a_reporter_who_edits_the_identity_of_a_template_cannot_write_for_another_entity(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    # GAMI's reporter lifts the sheet protection and types SAMI into meta_entity of GAMI's own template
    forged = _edit(fill(templates["GAMI"], tmp_path / "in", {}, name="SAMI_2025.xlsx"), "meta_entity", "SAMI")
    honest = fill(templates["HQ"], tmp_path / "in", {})
    outcomes = {o.path.name: o for o in ingest_files(sqlite_settings, [forged, honest])}
    refused = outcomes["SAMI_2025.xlsx"]
    assert refused.status == "refused" and refused.entity is None
    [finding] = refused.findings
    assert finding.rule == "identity_not_signed"
    assert (finding.file, finding.sheet, finding.cell) == ("SAMI_2025.xlsx", *_cell(forged, "meta_entity"))
    assert outcomes["HQ_2025.xlsx"].status.startswith("accepted")
    assert {entity for entity, _ in _accepted(sqlite_settings)} == {"HQ"}


def test_a_template_made_with_another_key_is_refused(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fill(templates["SAMI"], tmp_path / "in", {})
    monkeypatch.setenv("ESGFLOW_SECRET", "the key of another installation")
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "refused" and outcome.findings[0].rule == "identity_not_signed"
