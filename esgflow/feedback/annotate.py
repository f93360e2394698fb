"""An annotated copy of the reporter's workbook: offending cells highlighted and commented.

The copy is written by editing the workbook's XML in place (esgflow.workbooks.ooxml), which
costs about what parsing the return costs; a workbook holding something that module does not
edit (its docstring lists what) is written with openpyxl instead, as it always was.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill

from esgflow import glossary
from esgflow.catalog import Catalog
from esgflow.checks.rules import wording
from esgflow.feedback.letter import Judged, detail_zh
from esgflow.safety import write_text
from esgflow.workbooks import fit
from esgflow.workbooks.ooxml.patch import CellNote, TextSheet, patch_workbook
from esgflow.workbooks.ooxml.xml import Unsupported, clean

ERROR_FILL = PatternFill("solid", fgColor="FF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
FEEDBACK_SHEET = "反馈 Feedback"
AUTHOR = "esgflow"
# The feedback sheet in the reporter's language, as their letter is: (zh, en) per column.
_COLUMNS = ("severity", "sheet", "cell", "indicator", "rule", "todo", "detail")
HEADERS = {lang: tuple(glossary.COLUMNS[c][i] for c in _COLUMNS) for i, lang in enumerate(("zh", "en"))}
# The words the letter uses for a finding's severity, so that the sheet and the letter agree.
SEVERITY = {lang: {s: glossary.severity(s, lang) for s in ("error", "warning")} for lang in ("zh", "en")}
MAX_WIDTHS = (10, 24, 10, 30, 26, 50, 60)  # wider text wraps, in rows made tall enough for it
_FILLS = {"FF" + f.fgColor.rgb[-6:]: f for f in (ERROR_FILL, WARNING_FILL)}


def _fill(severity: str) -> str:
    """ARGB of the fill marking a finding of this severity."""
    return "FF" + (ERROR_FILL if severity == "error" else WARNING_FILL).fgColor.rgb[-6:]


def annotation(j: Judged, catalog: Catalog) -> tuple[dict[tuple[str, str], CellNote], TextSheet]:
    """What the copy says: a note for each cell findings point at, and the feedback sheet listing them all,
    in the reporter's language with indicators by name.

    A cell with several findings is filled for the last and its comment holds them all, a blank line apart.
    """
    lang = "zh" if j.entity.language == "zh" else "en"
    notes: dict[tuple[str, str], CellNote] = {}
    rows = []
    for f in j.findings:
        name, action = wording(f.rule, lang)
        # a Chinese reader reads Chinese only: the letter's detail, not the check's English sentence
        said = detail_zh(j, f, catalog) if lang == "zh" else f.message
        if f.sheet and f.cell:
            text = clean(f"{name}：{action}\n{said}" if lang == "zh" else f"{name}: {action}\n{said}")
            known = notes.get((f.sheet, f.cell))
            notes[(f.sheet, f.cell)] = CellNote(_fill(f.severity), known.text + "\n\n" + text if known else text)
        code = f.indicators[0] if f.indicators else ""
        indicator = catalog[code].name(lang) if code in catalog else code
        severity = SEVERITY[lang].get(f.severity, f.severity)
        texts = (severity, f.sheet or "", f.cell or "", indicator, name, action, said)
        rows.append((_fill(f.severity), tuple(clean(t) for t in texts)))
    header = HEADERS[lang]
    widths = tuple(
        fit.column_width([header[i], *(texts[i] for _, texts in rows)], maximum=most)
        for i, most in enumerate(MAX_WIDTHS)
    )
    return notes, TextSheet(FEEDBACK_SHEET, header, tuple(rows), widths)


def annotate_workbook(raw: bytes, j: Judged, catalog: Catalog, out: Path) -> Path:
    """Write a copy of the returned workbook with every finding marked where it points.

    The raw bytes have passed the container checks (no macros, bounded size) before this runs.
    """
    notes, sheet = annotation(j, catalog)
    try:
        data = patch_workbook(raw, notes, sheet, AUTHOR)
    except Unsupported:
        return annotate_with_openpyxl(raw, j, catalog, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def annotate_with_openpyxl(raw: bytes, j: Judged, catalog: Catalog, out: Path) -> Path:
    """The same copy written by loading and saving the whole workbook with openpyxl (the fallback)."""
    notes, sheet = annotation(j, catalog)
    wb = load_workbook(io.BytesIO(raw))
    for (name, ref), note in notes.items():
        if name not in wb.sheetnames:
            continue
        cell = wb[name][ref]
        cell.fill = _FILLS[note.fill]
        text = note.text if not cell.comment else cell.comment.text + "\n\n" + note.text
        cell.comment = Comment(text, AUTHOR)
    if sheet.name in wb.sheetnames:
        del wb[sheet.name]
    wb.security.lockStructure = False
    ws = wb.create_sheet(sheet.name, 0)
    ws.append(list(sheet.header))
    for c in ws[1]:
        c.font = fit.header_font()
    for fill, texts in sheet.rows:
        row = ws.max_row + 1
        for col, text in enumerate(texts, 1):
            write_text(ws.cell(row, col), text)  # messages quote reporters' text: keep it inert
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        if fill:
            ws.cell(row, 1).fill = _FILLS[fill]
        ws.row_dimensions[row].height = sheet.height(texts)
    for col, width in enumerate(sheet.widths, 1):
        ws.column_dimensions[chr(64 + col)].width = width
    fit.print_setup(ws)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
