"""The annotated copy of a reporter's workbook: cells with findings highlighted and commented, a feedback sheet."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from esgflow.catalog import Catalog
from esgflow.checks.rules import wording
from esgflow.entities import EntityRegistry
from esgflow.feedback import annotate
from esgflow.feedback.annotate import (
    ERROR_FILL,
    FEEDBACK_SHEET,
    WARNING_FILL,
    annotate_with_openpyxl,
    annotate_workbook,
    annotation,
)
from esgflow.feedback.letter import Judged
from esgflow.findings import Finding, Severity
from esgflow.periods import parse_period
from esgflow.workbooks import fit
from esgflow.workbooks.ooxml.patch import patch_workbook
from esgflow.workbooks.returns import read_return
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.libreoffice import artefacts, picture, print_workbook
from tests.returns_factory import fill, libreoffice_resave

HEADERS = ["级别", "工作表", "单元格", "指标", "规则", "处理办法", "说明"]
HEADERS_EN = ["Severity", "Sheet", "Cell", "Indicator", "Rule", "What to do", "Detail"]


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> dict[str, Path]:
    """Filled returns of a Chinese and an overseas entity, with one figure in error."""
    folder = tmp_path_factory.mktemp("annotate")
    out = {}
    for code in ("SAMI", "OS-GN"):
        template = folder / "tpl" / f"{code}_2025.xlsx"
        write_template(template, TemplateRequest(registry[code], parse_period("2025"), {}, "esg1-test"), catalog)
        out[code] = fill(template, folder / "in", {"env_gasoline": "lots"})
    return out


def _where(path: Path, name: str) -> tuple[str, str]:
    ((sheet, coord),) = load_workbook(path).defined_names[name].destinations
    return sheet, coord.replace("$", "")


def _finding(path: Path, rule: str, severity: Severity, code: str, message: str) -> Finding:
    sheet, cell = _where(path, code)
    return Finding(rule, severity, message, (code,), sheet=sheet, cell=cell)


def _judged(registry: EntityRegistry, entity: str, findings: list[Finding]) -> Judged:
    return Judged(registry[entity], "2025", 1, f"{entity}_2025.xlsx", "rejected", findings, {})


def _marked(wb: Workbook, finding: Finding) -> Cell:
    """The cell a finding points at."""
    assert finding.sheet and finding.cell
    return wb[finding.sheet][finding.cell]


def _commented(wb: Workbook) -> set[tuple[str, str]]:
    return {
        (ws.title, c.coordinate)
        for ws in wb.worksheets
        if ws.title != FEEDBACK_SHEET
        for row in ws.iter_rows()
        for c in row
        if c.comment
    }


def _rgb(fill_rgb: str | None) -> str:
    return (fill_rgb or "")[-6:]


def test_cells_with_findings_are_highlighted_and_commented(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    error = replace(
        _finding(path, "text_in_number_cell", "error", "env_gasoline", "the text 'lots' is not a number"), found="lots"
    )
    warning = _finding(path, "yoy_change_needs_note", "warning", "env_diesel", "env_diesel changed by 120%")
    out = annotate_workbook(
        path.read_bytes(), _judged(registry, "SAMI", [error, warning]), catalog, tmp_path / "a.xlsx"
    )
    assert out == tmp_path / "a.xlsx"
    wb = load_workbook(out)
    gasoline = _marked(wb, error)
    diesel = _marked(wb, warning)
    assert _rgb(gasoline.fill.fgColor.rgb) == _rgb(ERROR_FILL.fgColor.rgb)
    assert _rgb(diesel.fill.fgColor.rgb) == _rgb(WARNING_FILL.fgColor.rgb)
    name, action = wording("text_in_number_cell", "zh")
    assert gasoline.comment.text == f"{name}：{action}\n填报值：lots"  # Chinese only, what was typed as typed
    assert gasoline.comment.author == "esgflow"
    untouched = wb[error.sheet]["E5"]
    assert untouched.comment is None and _rgb(untouched.fill.fgColor.rgb) != _rgb(ERROR_FILL.fgColor.rgb)


def test_an_overseas_reporter_reads_comments_in_english(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["OS-GN"]
    error = _finding(path, "text_in_number_cell", "error", "env_gasoline", "the text 'lots' is not a number")
    out = annotate_workbook(path.read_bytes(), _judged(registry, "OS-GN", [error]), catalog, tmp_path / "a.xlsx")
    wb = load_workbook(out)
    assert _marked(wb, error).comment.text.startswith("Text in a number cell: Enter a number only")
    assert wb[FEEDBACK_SHEET]["E2"].value == "Text in a number cell"
    assert [c.value for c in wb[FEEDBACK_SHEET][1]] == HEADERS_EN
    assert (wb[FEEDBACK_SHEET]["A2"].value, wb[FEEDBACK_SHEET]["D2"].value) == ("Error", "Gasoline consumption")


def test_two_findings_on_one_cell_share_its_comment(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    first = _finding(path, "yoy_change_needs_note", "warning", "env_diesel", "changed a lot")
    second = _finding(path, "range", "error", "env_diesel", "below zero")
    out = annotate_workbook(path.read_bytes(), _judged(registry, "SAMI", [first, second]), catalog, tmp_path / "a.xlsx")
    comment = _marked(load_workbook(out), first).comment.text
    assert comment.count("\n\n") == 1
    assert comment.index("与上期相比变化较大") < comment.index("\n\n") < comment.index("超出允许范围")


def test_the_feedback_sheet_comes_first_and_lists_every_finding(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    error = replace(
        _finding(path, "text_in_number_cell", "error", "env_gasoline", "the text 'lots' is not a number"), found="lots"
    )
    warning = _finding(path, "yoy_change_needs_note", "warning", "env_diesel", "env_diesel changed by 120%")
    whole = Finding("empty_return", "error", "no figure is filled in", file=path.name)
    judged = _judged(registry, "SAMI", [error, warning, whole])
    wb = load_workbook(annotate_workbook(path.read_bytes(), judged, catalog, tmp_path / "a.xlsx"))
    assert wb.sheetnames[0] == FEEDBACK_SHEET
    assert wb.sheetnames[1:] == load_workbook(path).sheetnames
    ws = wb[FEEDBACK_SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    name, action = wording("yoy_change_needs_note", "zh")
    assert rows[1][:6] == ("提示", warning.sheet, warning.cell, "柴油使用量", name, action)
    # a Chinese reporter's 说明 is the letter's Chinese detail, never the check's English sentence
    assert rows[0][6] == "填报值：lots" and rows[1][6].startswith("填报值：")
    assert [row[6] for row in rows] == ["填报值：lots", "填报值：–", None]  # no code, no English sentence
    assert rows[2][:4] == ("错误", None, None, None)  # openpyxl reads empty strings back as None
    assert len(rows) == 3
    assert _rgb(ws["A2"].fill.fgColor.rgb) == _rgb(ERROR_FILL.fgColor.rgb)
    assert _rgb(ws["A3"].fill.fgColor.rgb) == _rgb(WARNING_FILL.fgColor.rgb)


def test_findings_quoting_a_reporters_formula_stay_inert(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    attack = "=cmd|' /C calc'!A0"
    finding = _finding(path, "text_in_number_cell", "error", "env_gasoline", attack)
    wb = load_workbook(  # an English copy quotes the check's sentence, the reporter's text within it
        annotate_workbook(path.read_bytes(), _judged(registry, "OS-GN", [finding]), catalog, tmp_path / "a.xlsx")
    )
    detail = wb[FEEDBACK_SHEET]["G2"]
    assert (detail.value, detail.data_type) == (attack, "s")
    assert all(c.data_type != "f" for row in wb[FEEDBACK_SHEET].iter_rows() for c in row)


def test_findings_pointing_nowhere_in_the_workbook_mark_no_cell(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    elsewhere = Finding("range", "error", "on a sheet that is gone", ("env_diesel",), sheet="Deleted", cell="E7")
    sheet_only = Finding("defined_name_moved", "error", "moved", ("env_diesel",), sheet="环境 Environmental")
    judged = _judged(registry, "SAMI", [elsewhere, sheet_only])
    wb = load_workbook(annotate_workbook(path.read_bytes(), judged, catalog, tmp_path / "a.xlsx"))
    assert "Deleted" not in wb.sheetnames
    assert _commented(wb) == _commented(load_workbook(path))  # only the template's own header comments
    assert len(list(wb[FEEDBACK_SHEET].iter_rows(min_row=2))) == 2


def test_annotating_an_annotated_copy_keeps_one_feedback_sheet(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    first = _finding(path, "text_in_number_cell", "error", "env_gasoline", "first round")
    once = annotate_workbook(path.read_bytes(), _judged(registry, "OS-GN", [first]), catalog, tmp_path / "1.xlsx")
    second = _finding(path, "range", "error", "env_diesel", "second round")
    twice = annotate_workbook(once.read_bytes(), _judged(registry, "OS-GN", [second]), catalog, tmp_path / "2.xlsx")
    wb = load_workbook(twice)
    assert wb.sheetnames.count(FEEDBACK_SHEET) == 1 and wb.sheetnames[0] == FEEDBACK_SHEET
    assert [r[6] for r in wb[FEEDBACK_SHEET].iter_rows(min_row=2, values_only=True)] == ["second round"]


def test_the_copy_keeps_the_reporters_figures_and_names(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    before = path.read_bytes()
    finding = _finding(path, "text_in_number_cell", "error", "env_gasoline", "the text 'lots' is not a number")
    out = annotate_workbook(before, _judged(registry, "SAMI", [finding]), catalog, tmp_path / "letters" / "a.xlsx")
    assert path.read_bytes() == before and out.is_file()
    original, copy = load_workbook(path), load_workbook(out)
    assert set(copy.defined_names) == set(original.defined_names)
    for name in ("env_gasoline", "env_diesel", "meta_entity"):
        sheet, cell = _where(path, name)
        assert copy[sheet][cell].value == original[sheet][cell].value, name


def _summary(path: Path) -> tuple[object, ...]:
    """What a reporter sees in a copy: sheets, marked and commented cells, the feedback rows, the names."""
    wb = load_workbook(path)
    marks = {
        (ws.title, c.coordinate): (_rgb(c.fill.fgColor.rgb), c.comment.text if c.comment else None, c.number_format)
        for ws in wb.worksheets
        if ws.title != FEEDBACK_SHEET
        for row in ws.iter_rows()
        for c in row
        if c.comment or _rgb(c.fill.fgColor.rgb) in (_rgb(ERROR_FILL.fgColor.rgb), _rgb(WARNING_FILL.fgColor.rgb))
    }
    rows = list(wb[FEEDBACK_SHEET].iter_rows(values_only=True))
    names = {name: dn.attr_text.replace("&apos;", "'") for name, dn in wb.defined_names.items()}
    return wb.sheetnames, marks, rows, names


def _many(path: Path, registry: EntityRegistry) -> Judged:
    """Findings of every kind: two on a cell, one on a cell with the template's comment, one on a cell not
    written, one on the whole file."""
    return _judged(
        registry,
        "SAMI",
        [
            _finding(path, "text_in_number_cell", "error", "env_gasoline", "the text 'lots' is not a number"),
            _finding(path, "yoy_change_needs_note", "warning", "env_diesel", "=cmd|' /C calc'!A0"),
            _finding(path, "range", "error", "env_gasoline", "and below zero"),
            Finding("range", "warning", "on a header", ("env_diesel",), sheet="环境 Environmental", cell="E4"),
            Finding("range", "warning", "on no cell yet", ("env_diesel",), sheet="环境 Environmental", cell="K3"),
            Finding("empty_return", "error", "no figure is filled in", file=path.name),
        ],
    )


def test_the_xml_patch_writes_what_openpyxl_writes(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    judged = _many(path, registry)
    patched = annotate_workbook(path.read_bytes(), judged, catalog, tmp_path / "patched.xlsx")
    loaded = annotate_with_openpyxl(path.read_bytes(), judged, catalog, tmp_path / "openpyxl.xlsx")
    assert _summary(patched) == _summary(loaded)
    _, marks, rows, _ = _summary(patched)
    assert marks[("环境 Environmental", "K3")][0] == _rgb(WARNING_FILL.fgColor.rgb)
    gasoline = _where(path, "env_gasoline")  # two findings on one cell: two notes in its comment
    assert marks[gasoline][1].count("\n\n") == 1 and len(rows) == 7


def test_the_copy_reads_back_as_the_same_return(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    """The reporter corrects the copy and sends it back: it must read as the return it was."""
    path = returned["SAMI"]
    copy = annotate_workbook(path.read_bytes(), _many(path, registry), catalog, tmp_path / "a.xlsx")
    original, again = read_return(path.read_bytes(), path.name, catalog), read_return(copy.read_bytes(), "a", catalog)
    assert again.reported == original.reported and again.findings == [replace(f, file="a") for f in original.findings]
    assert (again.entity, again.period, again.signature, again.meta_cells) == (
        original.entity,
        original.period,
        original.signature,
        original.meta_cells,
    )


def test_a_workbook_the_patch_does_not_understand_is_written_with_openpyxl(
    returned: dict[str, Path],
    registry: EntityRegistry,
    catalog: Catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = returned["SAMI"]
    raw = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:  # a program that writes cells without their r= reference
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members = {n: re.sub(rb'<c r="[A-Z]+\d+"', b"<c", d) if "worksheets/sheet" in n else d for n, d in members.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    spoiled = buffer.getvalue()
    calls: list[str] = []
    fallback = annotate.annotate_with_openpyxl
    monkeypatch.setattr(annotate, "annotate_with_openpyxl", lambda *a: calls.append(a[3].name) or fallback(*a))
    judged = _judged(registry, "SAMI", [_finding(path, "text_in_number_cell", "error", "env_gasoline", "not a number")])
    annotate_workbook(raw, judged, catalog, tmp_path / "patched.xlsx")
    out = annotate_workbook(spoiled, judged, catalog, tmp_path / "fallback.xlsx")
    assert calls == ["fallback.xlsx"]
    wb = load_workbook(out)
    assert wb.sheetnames[0] == FEEDBACK_SHEET
    assert _rgb(_marked(wb, judged.findings[0]).fill.fgColor.rgb) == _rgb(ERROR_FILL.fgColor.rgb)


def test_libreoffice_keeps_the_copy_and_its_own_files_are_patched(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    judged = _many(path, registry)
    copy = annotate_workbook(path.read_bytes(), judged, catalog, tmp_path / "copy.xlsx")
    resaved_copy, resaved_return = libreoffice_resave([copy, path], tmp_path / "lo")
    assert _summary(resaved_copy) == _summary(copy)  # fills, comments, feedback sheet, names all kept
    original = read_return(path.read_bytes(), path.name, catalog).reported
    again = read_return(resaved_copy.read_bytes(), "c", catalog).reported
    assert sorted(again, key=lambda v: v.code) == sorted(original, key=lambda v: v.code)  # LibreOffice sorts names
    notes, sheet = annotation(judged, catalog)  # a return saved by LibreOffice (shared strings, its own VML) is patched
    patch_workbook(resaved_return.read_bytes(), notes, sheet, "esgflow")
    patched = annotate_workbook(resaved_return.read_bytes(), judged, catalog, tmp_path / "p.xlsx")
    loaded = annotate_with_openpyxl(resaved_return.read_bytes(), judged, catalog, tmp_path / "o.xlsx")
    assert _summary(patched) == _summary(loaded)


@pytest.mark.parametrize("writer", [annotate_workbook, annotate_with_openpyxl])
def test_the_feedback_sheet_wraps_its_text_in_rows_tall_enough_and_prints_on_a4(
    writer: object, returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    judged = _many(path, registry)
    out = writer(path.read_bytes(), judged, catalog, tmp_path / "a.xlsx")  # type: ignore[operator]
    ws = load_workbook(out)[FEEDBACK_SHEET]
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFG"}
    assert widths["D"] >= fit.text_width("汽油使用量") and widths["F"] <= 50
    for row in ws.iter_rows(min_row=2):
        needed = max(fit.lines(c.value, widths[c.column_letter]) for c in row if c.value)
        assert ws.row_dimensions[row[0].row].height >= needed * fit.LINE_POINTS
        assert all(c.alignment.wrap_text for c in row if c.value)
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.fitToWidth) == 1


def test_libreoffice_prints_the_annotated_copy_in_the_reporters_language(
    returned: dict[str, Path], registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    path = returned["SAMI"]
    out = annotate_workbook(path.read_bytes(), _many(path, registry), catalog, tmp_path / "annotated.xlsx")
    printed = print_workbook(out, tmp_path / "pdf")
    first = printed.pages[0]  # the feedback sheet
    header = next(line for line in printed.lines() if line.startswith("级别"))
    assert header.split() == HEADERS
    assert "汽油使用量" in first and "env_gasoline" not in first and "Severity" not in first
    assert "错误" in first and "提示" in first and "error" not in first.split()
    name, _ = wording("text_in_number_cell", "zh")
    assert name in first
    picture(printed, 1, artefacts(tmp_path) / "annotated.png")
