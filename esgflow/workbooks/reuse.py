"""Templates of one entity kind and language written from one built workbook.

Building a template cell by cell in openpyxl is most of its cost, and everything built depends only
on the entity's kind and language and on the period, version, deadline and contact of the run. So the
first template of each such group is built, and each next one reuses that workbook, rewriting only
what names its entity: the name on each sheet, the instructions' entity, signature and full name, and
last period's figures. Each saved workbook is the one write_template gives for its entity, cell by cell
(tests/test_workbooks_reuse.py); only the numbering of the styles inside the file may differ.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from openpyxl import Workbook

from esgflow.catalog import Catalog
from esgflow.workbooks import layout as L
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

    def write(self, path: Path, req: TemplateRequest) -> list[str]:
        """Write `req`'s template to `path`; returns the codes of the indicators it asks for."""
        version = req.template_version or self.catalog.template_version
        entity = req.entity
        group = (entity.kind, entity.language, req.period, version, req.deadline, req.contact)
        if group in self._built:
            wb, codes = self._built[group]
            self._rename(wb, req, codes, version)
        else:
            wb, codes = self._built[group] = build_template(req, self.catalog)
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return codes

    def _rename(self, wb: Workbook, req: TemplateRequest, codes: list[str], version: str) -> None:
        """Make a workbook built for another entity of the group `req`'s: what names the entity, and the figures."""
        entity = req.entity
        sheet, column, row = _named_cell(wb, "meta_entity")
        wb[sheet][f"{column}{row}"] = entity.code
        sheet, column, row = _named_cell(wb, "meta_signature")
        wb[sheet][f"{column}{row}"] = req.signature
        sheet, column, row = _named_cell(wb, L.PEOPLE[-1][0])  # the entity's full name is on the row under them
        wb[sheet][f"{column}{row + 1}"] = f"{entity.name_zh} / {entity.name_en}"
        pillars = set()
        for code in codes:
            sheet, _, row = _named_cell(wb, code)
            pillars.add(sheet)
            write_prior(wb[sheet][f"{L.COL_PRIOR}{row}"], self.catalog[code], req.prior_values.get(code))
        for sheet in pillars:
            wb[sheet]["A1"] = f"{entity.short_zh} {entity.name_en}"
        title = f"{entity.short_zh} {entity.name_en} {req.period}"
        for table in (t for t in self.catalog.tables if t.in_template(version, entity.kind)):
            wb[table.sheet_title]["A1"] = f"{table.zh} {table.en} · {title}"
        for ws in wb.worksheets:  # what saving found last time; unset, the file says what the first one said
            ws.column_dimensions.max_outline = None
