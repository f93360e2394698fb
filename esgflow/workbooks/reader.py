"""Read the cells a workbook's defined names point at, exactly as stored.

Goes by workbook-level defined names, never by coordinates, so a workbook that was
re-saved by LibreOffice or WPS, reordered or reformatted reads the same. Each cell comes
back with its stored type, its text (the exact decimal digits of a number) and whether
it holds a formula, so that parsing can tell a blank from a formula with no cached value.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from io import BytesIO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from esgflow.findings import refuse
from esgflow.workbooks.safe_zip import SafeZip

MAX_ROWS = 3000
MAX_COLUMNS = 60
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass(frozen=True)
class RawCell:
    sheet: str
    ref: str
    type: str  # n, s, str, inlineStr, b, e, d; "" for an empty cell
    text: str | None
    formula: bool


@dataclass(frozen=True)
class NamedCells:
    cells: dict[str, RawCell]
    not_single_cells: dict[str, str]  # defined name -> what it points at instead


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _events(zf: SafeZip, part: str, events: tuple[str, ...] = ("end",)):  # type: ignore[no-untyped-def]
    try:
        yield from iterparse(BytesIO(zf.read(part)), events=events, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise refuse(
            "xml_entities",
            f"part {part} declares XML entities or a DTD (an entity-expansion attack); refused",
            file=zf.file,
        ) from exc
    except SyntaxError as exc:  # ElementTree.ParseError
        raise refuse("not_xlsx", f"part {part} is not well-formed XML ({exc})", file=zf.file) from exc


def _workbook(zf: SafeZip) -> tuple[dict[str, str], dict[str, str]]:
    """(sheet name -> part path, defined name -> reference text) from workbook.xml."""
    rels: dict[str, str] = {}
    for _, el in _events(zf, "xl/_rels/workbook.xml.rels"):
        if _local(el.tag) == "Relationship":
            target = el.get("Target", "")
            rels[el.get("Id", "")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            )
    sheets: dict[str, str] = {}
    names: dict[str, str] = {}
    for _, el in _events(zf, "xl/workbook.xml"):
        tag = _local(el.tag)
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            if rid in rels:
                sheets[el.get("name", "")] = rels[rid]
        elif tag == "definedName" and el.get("localSheetId") is None:
            names[el.get("name", "")] = (el.text or "").strip()
    return sheets, names


def _shared_strings(zf: SafeZip) -> list[str]:
    if not zf.has("xl/sharedStrings.xml"):
        return []
    strings: list[str] = []
    for _, el in _events(zf, "xl/sharedStrings.xml"):
        if _local(el.tag) == "si":
            # text runs, leaving out phonetic guides (rPh)
            parts = [
                t.text or ""
                for r in el
                if _local(r.tag) in ("t", "r")
                for t in ([r] if _local(r.tag) == "t" else r)
                if _local(t.tag) == "t"
            ]
            strings.append("".join(parts))
            el.clear()
    return strings


def _sheet_cells(zf: SafeZip, sheet: str, part: str, wanted: set[str]) -> dict[str, RawCell]:
    """The wanted cells of one sheet, streaming; refuses a sheet far larger than a template."""
    found: dict[str, RawCell] = {}
    rows = 0
    row_number = 0
    column = 0
    for event, el in _events(zf, part, ("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                rows += 1
                row_number = int(el.get("r") or row_number + 1)
                column = 0
                if rows > MAX_ROWS or row_number > MAX_ROWS * 10:
                    raise refuse(
                        "oversized_sheet",
                        f"sheet has more than {MAX_ROWS} rows, far more than any template",
                        file=zf.file,
                        sheet=sheet,
                    )
            continue
        if tag == "c":
            ref = el.get("r")
            if ref:
                m = _CELL.match(ref)
                column = _column_number(m.group(1)) if m else column + 1
            else:
                column += 1
                ref = f"{_column_letters(column)}{row_number}"
            if column > MAX_COLUMNS:
                raise refuse(
                    "oversized_sheet",
                    f"sheet uses column {_column_letters(column)}, far beyond any template",
                    file=zf.file,
                    sheet=sheet,
                )
            if ref in wanted:
                kind = el.get("t", "n")
                value = formula = None
                inline: list[str] = []
                for child in el:
                    ctag = _local(child.tag)
                    if ctag == "v":
                        value = child.text
                    elif ctag == "f":
                        formula = True
                    elif ctag == "is":
                        inline += [t.text or "" for t in child.iter() if _local(t.tag) == "t"]
                if kind == "inlineStr":
                    value = "".join(inline)
                if value is None and not formula:
                    kind = ""
                found[ref] = RawCell(sheet, ref, kind, value, bool(formula))
            el.clear()
        elif tag == "row":
            el.clear()
    return found


def read_named_cells(zf: SafeZip) -> NamedCells:
    """Every workbook-level defined name that points at one cell, with that cell's content."""
    sheets, names = _workbook(zf)
    targets: dict[str, tuple[str, str]] = {}
    not_single: dict[str, str] = {}
    for name, text in names.items():
        m = _REF.match(text)
        sheet = (m.group(1).replace("''", "'") if m.group(1) else m.group(2)) if m else None
        if m and sheet in sheets:
            targets[name] = (sheet, f"{m.group(3).upper()}{m.group(4)}")
        elif not name.startswith("_xlnm."):
            not_single[name] = text
    by_sheet: dict[str, set[str]] = {}
    for sheet, ref in targets.values():
        by_sheet.setdefault(sheet, set()).add(ref)
    cells: dict[tuple[str, str], RawCell] = {}
    for sheet, refs in by_sheet.items():
        for ref, cell in _sheet_cells(zf, sheet, sheets[sheet], refs).items():
            cells[(sheet, ref)] = cell
    strings: list[str] | None = None
    out: dict[str, RawCell] = {}
    for name, (sheet, ref) in targets.items():
        cell = cells.get((sheet, ref), RawCell(sheet, ref, "", None, False))
        if cell.type == "s" and cell.text is not None:
            strings = _shared_strings(zf) if strings is None else strings
            index = int(cell.text)
            if index >= len(strings):
                raise refuse(
                    "not_xlsx",
                    f"cell refers to shared string {index}, which does not exist",
                    file=zf.file,
                    sheet=sheet,
                    cell=ref,
                )
            cell = RawCell(sheet, ref, "str", strings[index], cell.formula)
        out[name] = cell
    return NamedCells(out, not_single)
