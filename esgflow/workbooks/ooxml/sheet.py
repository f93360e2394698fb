"""A worksheet part: marked cells get their new style (a missing row or cell is made in order), and a
<legacyDrawing> is added when the sheet had no comments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from esgflow.workbooks.ooxml.package import Package
from esgflow.workbooks.ooxml.xml import (
    MAIN,
    REL,
    Edits,
    Element,
    declared_prefix,
    ns_prefix,
    scan,
    split_ref,
    start_tag,
    unsupported,
    utf8,
)
from esgflow.workbooks.reader import column_letters

# Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet), where it goes before.
_AFTER_LEGACY_DRAWING = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
}


@dataclass
class _Row:
    el: Element
    number: int
    cells: list[tuple[int, Element]] = field(default_factory=list)  # (column, <c>)


class Sheet:
    """A worksheet part: where its rows and cells are, and edits to it."""

    def __init__(self, package: Package, part: str, rows: Iterable[int] = ()) -> None:
        """Where the sheet's rows are, and the cells of `rows` (none: only its views, to unselect it)."""
        self.part = part
        self.data = utf8(package.read(part), part)
        wanted = {str(r) for r in rows}
        current: list[str | None] = [None]

        def row(attrs: dict[str, str]) -> bool:
            current[0] = attrs.get("r")
            return True

        when = {"row": row, "c": lambda _attrs: current[0] in wanted} if wanted else None
        self.root, found = scan(self.data, part, ["sheetData", "sheetView"], top=True, when=when)
        self.p = ns_prefix(self.root, MAIN, part)
        if self.root.local != "worksheet":
            raise unsupported(part, f"is a {self.root.local}, not a worksheet")
        self.top = [e for e in found if e.depth == 1]
        self.views = [e for e in found if e.local == "sheetView"]
        self.sheet_data = next((e for e in self.top if e.local == "sheetData"), None)
        self.rows: list[_Row] = []
        for e in found:
            if e.depth == 2 and e.local == "row" and self.sheet_data and e.start < self.sheet_data.close:
                self.rows.append(_Row(e, self._number(e.attrs.get("r"))))
            elif e.depth == 3 and e.local == "c" and self.rows and e.start < self.rows[-1].el.close:
                row, column = split_ref(e.attrs.get("r") or "", part) if e.attrs.get("r") else (0, 0)
                if row != self.rows[-1].number:
                    raise unsupported(part, "has a cell without its reference, or outside its row")
                self.rows[-1].cells.append((column, e))
        self.edits = Edits(self.data)

    def _number(self, r: str | None) -> int:
        if not r or not r.isdigit():
            raise unsupported(self.part, "has a row without its number")
        return int(r)

    def style_of(self, ref: str) -> int:
        row, column = split_ref(ref, self.part)
        for r in self.rows:
            if r.number == row:
                for c, el in r.cells:
                    if c == column:
                        s = el.attrs.get("s") or "0"
                        if not s.isdigit():
                            raise unsupported(self.part, f"cell {ref} has style {s!r}")
                        return int(s)
        return 0  # a cell not written has the default format, as openpyxl gives it

    def set_styles(self, styles: dict[str, int]) -> None:
        """Give cells (A1 -> cellXfs index) their style, creating cells and rows that are missing."""
        wanted: dict[int, dict[int, int]] = {}
        for ref, s in styles.items():
            row, column = split_ref(ref, self.part)
            wanted.setdefault(row, {})[column] = s
        p = self.p
        by_number = {r.number: r for r in self.rows}
        new_rows: list[tuple[int, str]] = []
        for number, columns in sorted(wanted.items()):
            row = by_number.get(number)
            if row is None:
                cells = "".join(f'<{p}c r="{column_letters(c)}{number}" s="{s}"/>' for c, s in sorted(columns.items()))
                new_rows.append((number, f'<{p}row r="{number}">{cells}</{p}row>'))
                continue
            existing = dict(row.cells)
            inserts: list[tuple[int, str]] = []  # (offset, xml)
            for column, s in sorted(columns.items()):
                if column in existing:
                    el = existing[column]
                    self.edits.retag(el, {**el.attrs, "s": str(s)})
                    continue
                after = next((el for c, el in row.cells if c > column), None)
                xml = f'<{p}c r="{column_letters(column)}{number}" s="{s}"/>'
                inserts.append((after.start if after else -1, xml))
            attrs = self._spans(row, [c for c in columns if c not in existing])
            if row.el.empty and inserts:
                body = "".join(x for _, x in inserts)
                self.edits.replace(row.el.start, row.el.end, start_tag(row.el.name, attrs) + body + f"</{row.el.name}>")
                continue
            if attrs != row.el.attrs:
                self.edits.retag(row.el, attrs)
            for at, xml in inserts:
                self.edits.insert(row.el.close if at < 0 else at, xml)
        if new_rows:
            if self.sheet_data is None:
                raise unsupported(self.part, "has no sheetData")
            if self.sheet_data.empty:
                self.edits.append(self.sheet_data, "".join(x for _, x in new_rows))
                return
            for number, xml in new_rows:
                after = next((r.el for r in self.rows if r.number > number), None)
                self.edits.insert(after.start if after else self.sheet_data.close, xml)

    @staticmethod
    def _spans(row: _Row, columns: list[int]) -> dict[str, str]:
        """The row's attributes, its spans hint widened to new cells."""
        spans = row.el.attrs.get("spans")
        if not (spans and columns):
            return row.el.attrs
        try:
            bounds = [int(b) for s in spans.split() for b in s.split(":")]
        except ValueError:
            return {k: v for k, v in row.el.attrs.items() if k != "spans"}
        low, high = min(bounds + columns), max(bounds + columns)
        return {**row.el.attrs, "spans": f"{low}:{high}"}

    def unselect(self) -> None:
        for view in self.views:
            if view.attrs.get("tabSelected") in ("1", "true"):
                self.edits.retag(view, {k: v for k, v in view.attrs.items() if k != "tabSelected"})

    def legacy_drawing(self) -> Element | None:
        return next((e for e in self.top if e.local == "legacyDrawing"), None)

    def add_legacy_drawing(self, rid: str) -> None:
        r = declared_prefix(self.root, REL)
        attrs = {f"{r}:id": rid} if r else {"xmlns:r": REL, "r:id": rid}
        after = next((e for e in self.top if e.local in _AFTER_LEGACY_DRAWING), None)
        self.edits.insert(after.start if after else self.root.close, start_tag(f"{self.p}legacyDrawing", attrs, True))
