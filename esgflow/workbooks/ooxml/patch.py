"""Annotate an .xlsx by editing its XML in place: cells filled and commented, a sheet of text rows put first.

openpyxl loads a whole workbook into objects and writes all of it again; this copies every part
of the package unchanged except the few it has to touch, and edits those at byte offsets found
with expat, so whatever it does not know (extensions, Excel's mc:Ignorable attributes, shared
strings, validations, protection) stays exactly as the reporter's program wrote it:

  - xl/styles.xml: a fill per colour, a bold font, and new cellXfs, each a copy of the marked
    cell's own xf with only the fill changed (number format, borders, protection are kept);
  - each marked sheet: the marked `<c>` elements get the new `s=` (a missing cell or row is
    created in order), plus a `<legacyDrawing>` when the sheet had no comments;
  - its comments part and legacy VML drawing (a note's box), new or with notes added: text
    for a cell that already has a comment is appended to it, as a new run;
  - a new worksheet part with the text rows in inline strings, first in workbook.xml's
    `<sheets>` (a sheet of that name is replaced), localSheetId of defined names shifted, the
    new sheet the active and only selected tab, lockStructure off;
  - the relationships and [Content_Types].xml of all of these.

Whatever it does not understand it refuses with Unsupported before writing anything, and the
caller falls back to openpyxl. These are (see `unsupported` calls):
  - a part it edits that is not UTF-8 (a UTF-16 part), or Strict OOXML (other namespaces);
  - a marked sheet whose part is not a plain worksheet (a chart sheet, a macro sheet);
  - a marked sheet with a row or cell that has no r= reference, or a cell reference given
    other than as A1;
  - a marked sheet with a legacy VML drawing but no comments (form controls), shapes other
    than notes in its VML, comments without a drawing, threaded comments, or comments whose
    VML does not declare the usual namespaces on its root;
  - styles.xml missing its fonts, fills or cellXfs, or a cell whose style index is not in it;
  - a sheet already named like the new sheet, if the name differs only in letter case, its part
    is not a worksheet or has relationships of its own (drawings, comments, printer settings);
  - an archive with two members of one name, or a part it needs that is missing.
The container checks (SafeZip.open: no macros, no DTDs or entities, bounded sizes) ran on these
bytes before this runs; parts are read here through SafeZip's size limit and parsed with DTDs
and entities refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from esgflow.workbooks import fit
from esgflow.workbooks.ooxml.comments import Comments
from esgflow.workbooks.ooxml.package import Package, Rels
from esgflow.workbooks.ooxml.sheet import Sheet
from esgflow.workbooks.ooxml.styles import Styles
from esgflow.workbooks.ooxml.xml import (
    CALC_CHAIN,
    CT_WORKSHEET,
    FORMULA_PREFIXES,
    MAIN,
    REL,
    WORKSHEET,
    Edits,
    attr_of,
    declared_prefix,
    ns_prefix,
    rels_path,
    scan,
    split_ref,
    start_tag,
    t_element,
    unsupported,
    utf8,
)
from esgflow.workbooks.reader import column_letters


@dataclass(frozen=True)
class CellNote:
    fill: str  # ARGB of the cell's new fill
    text: str  # the comment, appended after a blank line to one the cell already has


@dataclass(frozen=True)
class TextSheet:
    """A sheet of text: a bold header row, then rows whose first cell may be filled."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | None, tuple[str, ...]], ...]  # (ARGB fill of the first cell or None, texts)
    widths: tuple[float, ...]

    def height(self, texts: tuple[str, ...]) -> float:
        """Points a row needs for its texts wrapped at the columns' widths."""
        return fit.row_height(zip(texts, self.widths, strict=False))


def _text_sheet(sheet: TextSheet, styles: Styles) -> bytes:
    """The worksheet: text in inline strings, never a formula, and quote-prefixed where it looks like one."""

    def cell(ref: str, value: str, fill: str | None = None, bold: bool = False) -> str:
        if value == "":
            return ""
        s = styles.xf(0, fill=fill, bold=bold, quote=value.startswith(FORMULA_PREFIXES), wrap=not bold)
        style = f' s="{s}"' if s else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is>{t_element("", value)}</is></c>'

    rows = ["".join(cell(f"{column_letters(i)}1", h, bold=True) for i, h in enumerate(sheet.header, 1))]
    for fill, texts in sheet.rows:
        n = len(rows) + 1
        rows.append(
            "".join(cell(f"{column_letters(i)}{n}", t, fill if i == 1 else None) for i, t in enumerate(texts, 1))
        )
    heights = [""] + [f' ht="{sheet.height(texts)}" customHeight="1"' for _, texts in sheet.rows]
    data = "".join(
        f'<row r="{n}"{ht}>{cells}</row>' for n, (ht, cells) in enumerate(zip(heights, rows, strict=True), 1)
    )
    width = max([len(sheet.header), *(len(t) for _, t in sheet.rows)])
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{column_letters(width)}{len(rows)}"/>'
        f'<sheetViews><sheetView tabSelected="1" '
        f'workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
        f'<sheetData>{data}</sheetData><printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" '
        f'top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape" '
        f'fitToWidth="1" fitToHeight="0"/><headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>'
        f"</worksheet>"
    ).encode()


def patch_workbook(raw: bytes, notes: dict[tuple[str, str], CellNote], sheet: TextSheet, author: str) -> bytes:
    """The workbook with cells (sheet, A1) filled and commented and `sheet` inserted first.

    Notes on sheets the workbook does not have, or on the sheet being replaced, are left out.
    Raises Unsupported, having written nothing, when the workbook needs openpyxl.
    """
    package = Package(raw)
    book_part = "xl/workbook.xml"
    book = utf8(package.read(book_part), book_part)
    root, found = scan(
        book,
        book_part,
        ["sheets", "sheet", "workbookProtection", "workbookView"],
        top=True,
        when={"definedName": lambda attrs: "localSheetId" in attrs},
    )
    p = ns_prefix(root, MAIN, book_part)
    rels = Rels(package, book_part)
    sheets = [e for e in found if e.local == "sheet" and e.depth == 2]
    sheets_el = next((e for e in found if e.local == "sheets" and e.depth == 1), None)
    if sheets_el is None or sheets_el.empty:
        raise unsupported(book_part, "lists no sheets")
    names = [e.attrs.get("name", "") for e in sheets]
    parts: dict[str, str] = {}
    for name, el in zip(names, sheets, strict=True):
        rel = rels.by_id(attr_of(el, "id"))
        if rel is not None and rel.attrs.get("Type") == WORKSHEET:
            parts[name] = rels.target(rel)
    old = names.index(sheet.name) if sheet.name in names else None
    if old is None and any(n.lower() == sheet.name.lower() for n in names):
        raise unsupported(book_part, f"has a sheet named like {sheet.name!r} in other letter case")
    if old is not None and (sheet.name not in parts or package.has(rels_path(parts[sheet.name]))):
        raise unsupported(book_part, f"its sheet {sheet.name!r} is not a plain worksheet")

    styles = Styles(package, _styles_part(rels))
    marked: dict[str, dict[str, CellNote]] = {}
    for (sheet_name, ref), note in notes.items():
        if sheet_name in names and sheet_name != sheet.name:
            if sheet_name not in parts:
                raise unsupported(book_part, f"sheet {sheet_name!r} is not a worksheet")
            marked.setdefault(sheet_name, {})[ref.upper()] = note
    edited: dict[str, Sheet] = {}
    for sheet_name, cells in marked.items():
        rows = {split_ref(ref, parts[sheet_name])[0] for ref in cells}
        ws = edited[parts[sheet_name]] = Sheet(package, parts[sheet_name], rows)
        sheet_rels = Rels(package, ws.part)
        comments = Comments(package, ws, sheet_rels, author)  # refuses before anything is written
        ws.set_styles({ref: styles.xf(ws.style_of(ref), fill=note.fill) for ref, note in cells.items()})
        comments.add({ref: note.text for ref, note in cells.items()})
        sheet_rels.save()
    for name, part in parts.items():  # the new sheet is the only one selected
        if name != sheet.name and part not in edited and b"tabSelected" in package.read(part):
            edited[part] = Sheet(package, part)
    for ws in edited.values():
        ws.unselect()
        package.write(ws.part, ws.edits.result())

    edits = Edits(book)
    r = declared_prefix(root, REL)
    if old is None:
        sheet_part = package.free("xl/worksheets/sheet{}.xml")
        rid = rels.add(WORKSHEET, sheet_part)
        package.override(sheet_part, CT_WORKSHEET)
        ids = [int(e.attrs["sheetId"]) for e in sheets if e.attrs.get("sheetId", "").isdigit()]
        sheet_id = str(max(ids, default=0) + 1)
    else:
        sheet_part, el = parts[sheet.name], sheets[old]
        rid, sheet_id = attr_of(el, "id") or "", el.attrs.get("sheetId", "")
        edits.replace(el.start, el.end, "")
        for calc in rels.of_type(CALC_CHAIN):  # it may list formulas of the sheet replaced; Excel rebuilds it
            package.remove(rels.target(calc))
            rels.remove(calc)
    attrs = {"name": sheet.name, "sheetId": sheet_id, **({f"{r}:id": rid} if r else {"xmlns:r": REL, "r:id": rid})}
    edits.insert(sheets_el.head, start_tag(f"{p}sheet", attrs, True))
    package.write(sheet_part, _text_sheet(sheet, styles))

    def moved(index: int) -> int | None:
        if old is None or index < old:
            return index + 1
        return None if index == old else index

    for e in found:
        if e.local == "definedName" and e.attrs.get("localSheetId", "").isdigit():
            index = moved(int(e.attrs["localSheetId"]))
            if index is None:
                edits.replace(e.start, e.end, "")
            else:
                edits.retag(e, {**e.attrs, "localSheetId": str(index)})
        elif e.local == "workbookView":
            view = {**e.attrs, **{k: "0" for k in ("activeTab", "firstSheet") if k in e.attrs}}
            if view != e.attrs:
                edits.retag(e, view)
        elif e.local == "workbookProtection" and e.attrs.get("lockStructure") in ("1", "true"):
            edits.retag(e, {**e.attrs, "lockStructure": "0"})
    package.write(book_part, edits.result())
    rels.save()
    styles.save()
    return package.save()


def _styles_part(rels: Rels) -> str:
    found = rels.of_type(REL + "/styles")
    if not found:
        raise unsupported(rels.part, "has no styles")
    return rels.target(found[0])
