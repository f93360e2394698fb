"""An annotated copy of the reporter's workbook: offending cells highlighted and commented."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from esgflow.catalog import Catalog
from esgflow.checks.rules import wording
from esgflow.feedback.letter import Judged
from esgflow.safety import write_text

ERROR_FILL = PatternFill("solid", fgColor="FF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
FEEDBACK_SHEET = "反馈 Feedback"


def annotate_workbook(raw: bytes, j: Judged, catalog: Catalog, out: Path) -> Path:
    """Write a copy of the returned workbook with every finding marked where it points.

    The raw bytes have passed the container checks (no macros, bounded size) before this runs.
    """
    wb = load_workbook(io.BytesIO(raw))
    lang = j.entity.language
    for f in j.findings:
        if not (f.sheet and f.cell and f.sheet in wb.sheetnames):
            continue
        cell = wb[f.sheet][f.cell]
        cell.fill = ERROR_FILL if f.severity == "error" else WARNING_FILL
        name, action = wording(f.rule, lang)
        text = f"{name}: {action}\n{f.message}"
        cell.comment = Comment(text if not cell.comment else cell.comment.text + "\n\n" + text, "esgflow")
    if FEEDBACK_SHEET in wb.sheetnames:
        del wb[FEEDBACK_SHEET]
    wb.security.lockStructure = False
    ws = wb.create_sheet(FEEDBACK_SHEET, 0)
    headers = [
        "级别 Severity",
        "工作表 Sheet",
        "单元格 Cell",
        "指标 Indicator",
        "规则 Rule",
        "请 What to do",
        "说明 Detail",
    ]
    ws.append(headers)
    for c in ws[1]:
        c.font = Font(bold=True)
    for f in j.findings:
        code = f.indicators[0] if f.indicators else ""
        name, action = wording(f.rule, lang)
        ws.append([f.severity, f.sheet or "", f.cell or "", code, None, None, None])
        row = ws.max_row
        for col, text in ((5, name), (6, action), (7, f.message)):
            write_text(ws.cell(row, col), text)  # messages quote reporters' text: keep it inert
        ws.cell(row, 1).fill = ERROR_FILL if f.severity == "error" else WARNING_FILL
    for col, width in zip("ABCDEFG", [10, 24, 10, 34, 26, 60, 90], strict=True):
        ws.column_dimensions[col].width = width
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
