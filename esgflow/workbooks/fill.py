"""Fill a template through its defined names, as a script or a careful reporter would."""

from __future__ import annotations

import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from openpyxl import load_workbook
from openpyxl.compat import safe_string

from esgflow.safety import write_text
from esgflow.workbooks.layout import NOTE_SUFFIX

Value = Decimal | int | float | str | None
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DESTINATION = re.compile(r"^'((?:[^']|'')+)'!\$([A-Z]{1,3})\$(\d+)$")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # what openpyxl refuses in a cell


def fill_template(
    template: Path,
    out: Path,
    values: dict[str, Value],
    notes: dict[str, str] | None = None,
) -> Path:
    """Write values (in the template's input units) and notes into the cells the names point at."""
    wb = load_workbook(template)
    for name, value in [*values.items(), *((k + NOTE_SUFFIX, v) for k, v in (notes or {}).items())]:
        if name not in wb.defined_names:
            raise KeyError(f"{template.name} has no defined name {name}")
        for sheet, coord in wb.defined_names[name].destinations:
            cell = wb[sheet][coord.replace("$", "")]
            if isinstance(value, str):
                write_text(cell, value)
            else:
                cell.value = float(value) if isinstance(value, Decimal) else value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def stored_cell(value: Value) -> str | None:
    """A filled cell's XML as openpyxl writes it (after the reference and style), or None when only
    openpyxl can write it (a formula-like text, a flag, an odd number)."""
    if isinstance(value, str):
        if value.startswith(_FORMULA_PREFIXES) or _ILLEGAL.search(value):
            return None
        space = ' xml:space="preserve"' if value.strip() != value else ""
        return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        return None
    number = float(value) if isinstance(value, Decimal) else value
    if number != number or number in (float("inf"), float("-inf")):  # NaN, or no figure Excel holds
        return None
    return f' t="n"><v>{safe_string(number)}</v></c>'


def _destinations(parts: dict[str, bytes]) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """(sheet name -> its part, defined name -> the (sheet, cell) it points at) from workbook.xml."""
    rels = {
        r.get("Id", ""): posixpath.normpath(posixpath.join("xl", r.get("Target", "")))
        if not r.get("Target", "").startswith("/")
        else r.get("Target", "").lstrip("/")
        for r in ET.fromstring(parts["xl/_rels/workbook.xml.rels"]).iter(_RELS)
    }
    book = ET.fromstring(parts["xl/workbook.xml"])
    sheets = {s.get("name", ""): rels.get(s.get(_REL, ""), "") for s in book.iter(f"{_MAIN}sheet")}
    names: dict[str, list[tuple[str, str]]] = {}
    for d in book.iter(f"{_MAIN}definedName"):
        m = _DESTINATION.match(d.text or "")
        if d.get("localSheetId") is None and m:
            names.setdefault(d.get("name", ""), []).append((m.group(1).replace("''", "'"), m.group(2) + m.group(3)))
    return sheets, names


def fill_cells(template: Path, out: Path, values: dict[str, Value]) -> Path:
    """fill_template's workbook, written without loading it: each named cell of a template is an empty
    styled cell, which becomes the same cell holding the value; every other part is copied as it is.
    Anything else (a formula-like text, a cell that is not empty) is left to fill_template."""
    with zipfile.ZipFile(template) as z:
        order = z.infolist()
        parts = {i.filename: z.read(i) for i in order}
    sheets, names = _destinations(parts)
    edits: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        if name not in names:
            raise KeyError(f"{template.name} has no defined name {name}")
        stored = stored_cell(value) if value is not None else ""
        if stored is None:
            return fill_template(template, out, values)
        for sheet, ref in names[name]:
            edits.setdefault(sheets[sheet], {})[ref] = stored
    for part, cells in edits.items():
        xml = parts[part].decode("utf-8")
        for ref, stored in cells.items():
            empty = re.search(f'<c r="{ref}"( s="[0-9]+")? t="n" />', xml)
            if empty is None:  # not an empty styled cell as openpyxl writes one
                return fill_template(template, out, values)
            if stored:
                xml = f'{xml[: empty.start()]}<c r="{ref}"{empty.group(1) or ""}{stored}{xml[empty.end() :]}'
        parts[part] = xml.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in order:
            z.writestr(info, parts[info.filename], compress_type=zipfile.ZIP_DEFLATED)
    return out
