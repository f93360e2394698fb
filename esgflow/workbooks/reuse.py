"""Templates of one entity kind and language written from one built workbook.

Building a template cell by cell in openpyxl is most of its cost, and everything built depends only
on the entity's kind and language and on the period, version, deadline and contact of the run. So the
first template of each such group is built, and each next one reuses that workbook, rewriting only
what names its entity: the name on each sheet, the instructions' entity, signature and full name, and
last period's figures. Each saved workbook is the one write_template gives for its entity, cell by cell
(tests/test_workbooks_reuse.py); only the numbering of the styles inside the file may differ.

Saving is then most of what is left, so a reused workbook is not saved: the group's first file is
patched instead, its rewritten cells and its styles replaced by what saving would write, byte for byte.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Hashable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.xml.functions import tostring

from esgflow.catalog import Catalog
from esgflow.workbooks import layout as L
from esgflow.workbooks.fill import stored_cell
from esgflow.workbooks.template import TemplateRequest, build_template, write_prior


def _named_cell(wb: Workbook, name: str) -> tuple[str, str, int]:
    """(sheet, column, row) of the one cell a defined name points at."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    _, column, row = ref.split("$")
    return sheet, column, int(row)


class TemplateWriter:
    """Writes the templates of one run (write_template's, each), reusing a built workbook per group."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._built: dict[Hashable, tuple[Workbook, list[str]]] = {}
        self._saved: dict[Hashable, list[tuple[zipfile.ZipInfo, bytes]]] = {}

    def write(self, path: Path, req: TemplateRequest) -> list[str]:
        """Write `req`'s template to `path`; returns the codes of the indicators it asks for."""
        version = req.template_version or self.catalog.template_version
        entity = req.entity
        group = (entity.kind, entity.language, req.period, version, req.deadline, req.contact)
        path.parent.mkdir(parents=True, exist_ok=True)
        if group in self._built:
            wb, codes = self._built[group]
            changed = self._rename(wb, req, codes, version)
            if not self._patch(group, wb, changed, path):
                wb.save(path)
            return codes
        wb, codes = self._built[group] = build_template(req, self.catalog)
        wb.save(path)
        with zipfile.ZipFile(path) as z:  # what the next ones of the group patch
            self._saved[group] = [(i, z.read(i)) for i in z.infolist()]
        return codes

    def _patch(self, group: Hashable, wb: Workbook, changed: list[Cell], path: Path) -> bool:
        """Write the group's saved file with the changed cells and the styles rewritten: what saving
        the workbook again gives, without writing its thousands of other cells. False: not done."""
        parts = dict(self._saved[group])
        names = {info.filename: info for info, _ in self._saved[group]}
        index = {ws.title: n for n, ws in enumerate(wb.worksheets)}
        cells = sorted(changed, key=lambda c: (index[c.parent.title], c.row, c.column))  # the order saving meets them
        xml: dict[str, str] = {}
        for cell in cells:
            part = cell.parent.path.lstrip("/")  # where the first save put the sheet
            if part not in names or not isinstance(cell.value, str | float | int | None):
                return False
            style = f' s="{cell.style_id}"' if cell.has_style else ""  # as saving numbers the styles
            stored = stored_cell(cell.value) if cell.value is not None else " />"
            if stored is None or cell.data_type not in ("s", "n"):
                return False
            text = xml.setdefault(part, parts[names[part]].decode("utf-8"))
            old = re.search(f'<c r="{cell.coordinate}"[^>]*?(?: />|>.*?</c>)', text, re.DOTALL)
            if old is None:
                return False
            kind = ' t="n"' if cell.value is None else ""
            xml[part] = f'{text[: old.start()]}<c r="{cell.coordinate}"{style}{kind}{stored}{text[old.end() :]}'
        xml["xl/styles.xml"] = tostring(write_stylesheet(wb)).decode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in self._saved[group]:
                z.writestr(info, xml[info.filename].encode("utf-8") if info.filename in xml else data)
        return True

    def _rename(self, wb: Workbook, req: TemplateRequest, codes: list[str], version: str) -> list[Cell]:
        """Make a workbook built for another entity of the group `req`'s: what names the entity, and the
        figures; returns the cells rewritten."""
        entity, changed = req.entity, []

        def put(sheet: str, ref: str, value: str) -> None:
            wb[sheet][ref] = value
            changed.append(wb[sheet][ref])

        sheet, column, row = _named_cell(wb, "meta_entity")
        put(sheet, f"{column}{row}", entity.code)
        sheet, column, row = _named_cell(wb, "meta_signature")
        put(sheet, f"{column}{row}", req.signature)
        sheet, column, row = _named_cell(wb, L.PEOPLE[-1][0])  # the entity's full name is on the row under them
        put(sheet, f"{column}{row + 1}", f"{entity.name_zh} / {entity.name_en}")
        pillars = set()
        for code in codes:
            sheet, _, row = _named_cell(wb, code)
            pillars.add(sheet)
            prior = wb[sheet][f"{L.COL_PRIOR}{row}"]
            write_prior(prior, self.catalog[code], req.prior_values.get(code))
            changed.append(prior)
        for sheet in pillars:
            put(sheet, "A1", f"{entity.short_zh} {entity.name_en}")
        title = f"{entity.short_zh} {entity.name_en} {req.period}"
        for table in (t for t in self.catalog.tables if t.in_template(version, entity.kind)):
            put(table.sheet_title, "A1", f"{table.zh} {table.en} · {title}")
        for ws in wb.worksheets:  # what saving found last time; unset, the file says what the first one said
            ws.column_dimensions.max_outline = None
        return changed
