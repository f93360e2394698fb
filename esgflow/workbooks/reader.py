"""Read the cells a workbook's defined names point at, exactly as stored.

Goes by workbook-level defined names, never by coordinates, so a workbook that was
re-saved by LibreOffice or WPS, reordered or reformatted reads the same. Each cell comes
back with its stored type, its text (the exact decimal digits of a number) and whether
it holds a formula, so that parsing can tell a blank from a formula with no cached value.

Parts are parsed with expat directly: a template sheet holds thousands of cells and we
want about a hundred, so text and end-of-element handlers run only inside wanted cells.
DTDs and entity declarations are refused, as defusedxml refuses them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from xml.parsers import expat

from esgflow.workbooks import formats as wording
from esgflow.workbooks.safe_zip import SafeZip

MAX_ROWS = 3000
MAX_COLUMNS = 60  # column BH
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)$")
_DIGITS = "0123456789"


@dataclass(frozen=True)
class RawCell:
    sheet: str
    ref: str
    type: str  # n, s, str, inlineStr, b, e, d; "" for an empty cell
    text: str | None
    formula: bool
    number_format: str | None = None  # the format code a number is shown with ('0%', 'yyyy-mm-dd'), if any


@dataclass(frozen=True)
class NamedCells:
    cells: dict[str, RawCell]
    not_single_cells: dict[str, str]  # defined name -> what it points at instead
    defined_twice: dict[str, list[str]] = field(default_factory=dict)  # name -> every reference it was given


class _Forbidden(Exception):
    pass


def _forbid(*_args: object) -> None:
    raise _Forbidden


def _local(name: str) -> str:
    return name if ":" not in name else name.rsplit(":", 1)[1]


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _parse(
    zf: SafeZip,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    setup: Callable[[expat.XMLParserType], None] | None = None,
) -> None:
    """Run expat over a part with DTDs and entities forbidden; errors become refusals."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    for handler in (
        "StartDoctypeDeclHandler",
        "EntityDeclHandler",
        "UnparsedEntityDeclHandler",
        "ExternalEntityRefHandler",
    ):
        setattr(parser, handler, _forbid)
    parser.StartElementHandler = start
    if setup:
        setup(parser)
    try:
        parser.Parse(zf.read(part), True)
    except _Forbidden as exc:
        raise wording.refusal("xml_entities", zf.file, part=part) from exc
    except expat.ExpatError as exc:
        where = {"line": exc.lineno, "column": exc.offset + 1}
        raise wording.refusal("malformed_xml", zf.file, part=part, **where) from exc


def _workbook(zf: SafeZip) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(sheet name -> part path, defined name -> its reference texts) from workbook.xml and its rels; parsed
    once per archive (the named cells and the registers both start from it)."""
    if zf.book is None:
        zf.book = _read_workbook(zf)
    return zf.book


def _read_workbook(zf: SafeZip) -> tuple[dict[str, str], dict[str, list[str]]]:
    rels: dict[str, str] = {}

    def rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            rels[attrs.get("Id", "")] = path

    _parse(zf, "xl/_rels/workbook.xml.rels", rel)
    sheets: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    pending: list[str] = []
    text: list[str] = []

    def collect(parser: expat.XMLParserType) -> None:
        parser.CharacterDataHandler = lambda data: text.append(data) if pending else None

        def end(name: str) -> None:
            if pending and _local(name) == "definedName":
                names.setdefault(pending.pop(), []).append("".join(text).strip())
                text.clear()

        parser.EndElementHandler = end

    def book(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            if rid in rels:
                sheets[attrs.get("name", "")] = rels[rid]
        elif local == "definedName" and attrs.get("localSheetId") is None:
            pending.append(attrs.get("name", ""))
            text.clear()

    _parse(zf, "xl/workbook.xml", book, collect)
    return sheets, names


def _shared_strings(zf: SafeZip) -> list[str]:
    if not zf.has("xl/sharedStrings.xml"):
        return []
    strings: list[str] = []
    state = {"in_t": False, "phonetic": 0}
    parts: list[str] = []

    def setup(parser: expat.XMLParserType) -> None:
        parser.CharacterDataHandler = lambda data: (
            parts.append(data) if state["in_t"] and not state["phonetic"] else None
        )

        def end(name: str) -> None:
            local = _local(name)
            if local == "t":
                state["in_t"] = False
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "si":
                strings.append("".join(parts))
                parts.clear()

        parser.EndElementHandler = end

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t":
            state["in_t"] = True
        elif local == "rPh":
            state["phonetic"] += 1

    _parse(zf, "xl/sharedStrings.xml", start, setup)
    return strings


# Built-in number formats (ECMA-376 18.8.30) that show a percentage or a date or time.
_BUILTIN_FORMATS = {9: "0%", 10: "0.00%", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM"}
_BUILTIN_FORMATS |= {19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 45: "mm:ss", 46: "[h]:mm:ss"}
_BUILTIN_FORMATS |= {47: "mmss.0"} | {n: "yyyy-mm-dd" for n in (*range(27, 37), *range(50, 59))}  # East Asian dates


def _number_formats(zf: SafeZip) -> list[str | None]:
    """Format code of each cell style (cellXfs, by index); None for General and plain number formats."""
    if not zf.has("xl/styles.xml"):
        return []
    custom: dict[int, str] = {}
    styles: list[str | None] = []
    depth = {"cellXfs": 0}

    def setup(parser: expat.XMLParserType) -> None:
        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                depth["cellXfs"] -= 1

        parser.EndElementHandler = end

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            fid = int(attrs.get("numFmtId", "0"))
            styles.append(custom.get(fid) or _BUILTIN_FORMATS.get(fid))

    _parse(zf, "xl/styles.xml", start, setup)
    return styles


def _sheet_cells(zf: SafeZip, sheet: str, part: str, wanted: set[str]) -> dict[str, RawCell]:
    """The wanted cells of one sheet; refuses a sheet far larger than a template."""
    found: dict[str, RawCell] = {}
    state = {"rows": 0, "row": 0, "col": 0}
    current: dict[str, object] = {}
    handle: dict[str, expat.XMLParserType] = {}

    def text(data: str) -> None:
        into = current.get("into")
        if into is not None:
            into.append(data)  # type: ignore[attr-defined]

    def end(name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            current["into"] = None
        elif local == "c":
            kind = str(current["kind"])
            value = "".join(current["v"]) if current["has_v"] else None  # type: ignore[arg-type]
            if kind == "inlineStr":
                value = "".join(current["t"])  # type: ignore[arg-type]
            formula = bool(current["f"])
            if value is None and not formula:
                kind = ""
            ref = str(current["ref"])
            style = current["style"]
            found[ref] = RawCell(sheet, ref, kind, value, formula, None if style is None else str(style))
            current.clear()
            handle["p"].CharacterDataHandler = None
            handle["p"].EndElementHandler = None

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "c" or name.endswith(":c"):
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                if len(letters) > 2 or (len(letters) == 2 and letters > column_letters(MAX_COLUMNS)):
                    state["col"] = MAX_COLUMNS + 1
                else:
                    state["col"] = -1  # known from r; computed only if a later cell lacks r
                    state["last"] = letters  # type: ignore[assignment]
            else:
                previous = state["col"] if state["col"] >= 0 else column_number(str(state.get("last", "")))
                state["col"] = previous + 1
                ref = f"{column_letters(state['col'])}{state['row']}"
            if state["col"] > MAX_COLUMNS:
                raise wording.refusal("columns", zf.file, sheet=sheet)
            if ref in wanted:
                current.update(
                    ref=ref, kind=attrs.get("t", "n"), v=[], t=[], f=False, has_v=False, into=None, style=attrs.get("s")
                )
                handle["p"].CharacterDataHandler = text
                handle["p"].EndElementHandler = end
        elif name == "row" or name.endswith(":row"):
            state["rows"] += 1
            given = attrs.get("r") or ""
            state["row"] = int(given) if given.isdigit() else state["row"] + 1  # a damaged r: the next row
            state["col"], state["last"] = 0, ""  # type: ignore[assignment]
            if state["rows"] > MAX_ROWS or state["row"] > MAX_ROWS * 10:
                raise wording.refusal("rows", zf.file, sheet=sheet, rows=MAX_ROWS)
        elif current:
            local = _local(name)
            if local == "v":
                current["has_v"] = True
                current["into"] = current["v"]
            elif local == "f":
                current["f"] = True
            elif local == "t":
                current["into"] = current["t"]

    def setup(parser: expat.XMLParserType) -> None:
        handle["p"] = parser

    _parse(zf, part, start, setup)
    return found


def read_named_cells(zf: SafeZip) -> NamedCells:
    """Every workbook-level defined name that points at one cell, with that cell's content."""
    sheets, defined = _workbook(zf)
    twice = {name: texts for name, texts in defined.items() if len(texts) > 1}
    names = {name: texts[0] for name, texts in defined.items() if len(texts) == 1}
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
    resolver = _Resolver(zf)
    out = {
        name: resolver.cell(cells.get((sheet, ref), RawCell(sheet, ref, "", None, False)))
        for name, (sheet, ref) in targets.items()
    }
    return NamedCells(out, not_single, twice)


class _Resolver:
    """Turns a stored cell into what it shows: a shared string's text, a style index's format code.
    The shared strings and styles are parsed once, and only when a cell needs them."""

    def __init__(self, zf: SafeZip) -> None:
        self.zf = zf
        self.strings: list[str] | None = None
        self.formats: list[str | None] | None = None

    def cell(self, cell: RawCell) -> RawCell:
        sheet, ref = cell.sheet, cell.ref
        if cell.number_format is not None:  # the style index, until resolved to its format code
            formats = self.formats = _number_formats(self.zf) if self.formats is None else self.formats
            index = int(cell.number_format) if cell.number_format.isdigit() else len(formats)
            cell = replace(cell, number_format=formats[index] if index < len(formats) else None)
        if cell.type == "s" and cell.text is not None:
            strings = self.strings = _shared_strings(self.zf) if self.strings is None else self.strings
            given = cell.text.strip()
            index = int(given) if given.isdigit() else -1  # a shared string's index, or a damaged cell
            if not 0 <= index < len(strings):
                raise wording.refusal("missing_string", self.zf.file, sheet=sheet, cell=ref, index=given[:20])
            cell = RawCell(sheet, ref, "str", strings[index], cell.formula)
        return cell


def resolve(zf: SafeZip, cells: dict[str, RawCell]) -> dict[str, RawCell]:
    """Cells read by `sheet_cells` as they show: shared strings as text, number formats as format codes."""
    resolver = _Resolver(zf)
    return {ref: resolver.cell(cell) for ref, cell in cells.items()}
