"""What the portal shows, shaped from the library's records: findings in the reporter's words, versions
with what changed between them, and whether an entity is late."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from esgflow import display, glossary
from esgflow.catalog import Catalog
from esgflow.checks.quote import compared, entered
from esgflow.checks.rules import wording
from esgflow.cycle.states import ACCEPTED
from esgflow.decimals import tidy
from esgflow.findings import Finding
from esgflow.records import SubmissionRecord
from esgflow.workbooks.formats import in_language, is_format_refusal
from esgflow.workbooks.returns import readable_return

_FILE_NOT_READ = ("文件无法读取", "File not read")

# indicator -> the figure as the reporter wrote it, with the unit the template asked in
Written = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class FindingRow:
    severity: str
    sheet: str
    cell: str
    code: str
    indicator: str
    figure: str
    rule: str
    compared: str
    action: str
    message: str


@dataclass(frozen=True)
class Change:
    code: str
    indicator: str
    before: str
    after: str
    unit: str


@dataclass(frozen=True)
class VersionView:
    version: int
    status: str
    received_at: datetime
    file: str
    findings: list[FindingRow]
    changes: list[Change] | None  # None: the first version, nothing to compare with


def _text(value: Decimal | None) -> str:
    return "—" if value is None else format(tidy(value), ",f")


def written_figures(data: bytes, name: str, catalog: Catalog) -> Written:
    """What a workbook says, by its names (empty when it cannot be read as a return)."""
    parsed = readable_return(data, name, catalog)
    if parsed is None:
        return {}
    figures = {r.code: (_text(r.value) if r.value is not None else (r.found or "—"), r.unit) for r in parsed.reported}
    # what the reader found in other cells (an estimate mark "估"), by place: the warehouse keeps no cell text
    typed = {_place(f): (f.found, "") for f in parsed.findings if f.found is not None and f.sheet and f.cell}
    return {**figures, **typed}


def _place(f: Finding) -> str:
    return f"{f.sheet}!{f.cell}"


def archived_figures(path: str | None, name: str, catalog: Catalog) -> Written:
    archived = Path(path) if path else None
    return written_figures(archived.read_bytes(), name, catalog) if archived and archived.is_file() else {}


def finding_rows(
    findings: list[Finding] | tuple[Finding, ...], written: Written, catalog: Catalog, lang: str
) -> list[FindingRow]:
    """Every finding with sheet, cell, figure, rule and what to do, errors first, in `lang`."""
    rows = []
    for f in sorted(findings, key=lambda f: f.severity != "error"):
        code = f.indicators[0] if f.indicators else ""
        ind = catalog.by_code.get(code)
        name, action = wording(f.rule, lang)
        message = f.message
        if is_format_refusal(f.message):  # what the file is and how to send it, in the viewer's language
            name, action, message = _FILE_NOT_READ[lang == "en"], in_language(f.message, lang), ""
        if f.found is None and _place(f) in written:  # a stored finding: what its cell says, read again
            f = replace(f, found=written[_place(f)][0])
        # quoted as typed and compared in the unit asked, exactly as the letter does
        figure = entered(f, dict(written), ind, lang)
        compared_ = compared(f, ind, lang) if f.expected is not None else ""
        if lang == "zh":  # a Chinese reader reads Chinese only: no English detail line (nor code: findings.html)
            message = ""
        rows.append(
            FindingRow(
                f.severity,
                f.sheet or "",
                f.cell or "",
                code,
                ind.name(lang) if ind else "",
                figure,
                name,
                compared_,
                action,
                message,
            )
        )
    return rows


def changes(before: Written, after: Written, catalog: Catalog, lang: str) -> list[Change]:
    """Figures that differ from the previous version (added, removed or changed), in catalog order."""
    out = []
    for code in (c for c in catalog.by_code if c in before or c in after):
        old, new = before.get(code, ("—", "")), after.get(code, ("—", ""))
        if old[0] != new[0]:
            unit = new[1] or old[1]
            unit = glossary.unit_zh(unit) if lang == "zh" else display.unit(unit)
            out.append(Change(code, catalog.by_code[code].name(lang), old[0], new[0], unit))
    return out


def versions(records: list[SubmissionRecord], catalog: Catalog, lang: str) -> list[VersionView]:
    """Each version with its findings and what changed since the one before, newest first."""
    out, previous = [], None
    for r in records:
        written = archived_figures(r.archive_path, r.file, catalog)
        moved = None if previous is None else changes(previous, written, catalog, lang)
        out.append(
            VersionView(
                r.version, r.status, r.received_at, r.file, finding_rows(r.findings, written, catalog, lang), moved
            )
        )
        previous = written
    return out[::-1]


def is_late(status: str, received_at: datetime | None, deadline: date, today: date) -> bool:
    """Past the deadline without an accepted return, or accepted only after it."""
    if status in ACCEPTED:
        return received_at is not None and received_at.date() > deadline
    return today > deadline
