"""The group's registers: every entity's rows of each register (sites, climate risks) in one CSV per register.

The rows come from each entity's newest accepted return of the period, the same version its figures are
consolidated from (esgflow.warehouse.registers.period_rows). The entity comes first, then its version and the
sheet row the reporter typed it in, then the register's columns in catalog order: text as typed, numbers as the
exact decimal typed, a choice as its value (`physical_acute`), a blank cell empty, never 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from esgflow import glossary
from esgflow.catalog import Catalog
from esgflow.registers import RegisterRow, cells_text
from esgflow.report.page_sections import Cell, grid

Standing = tuple[str, int, RegisterRow]  # entity, version, row
LEAD = ("entity", "version", "row")


def answered_registers(rows: Iterable[Standing], catalog: Catalog) -> set[str]:
    """The ListObject names (tbl_sites) of the registers with at least one row: what answers their items."""
    filled = {row.table for _, _, row in rows}
    return {t.list_name for t in catalog.tables if t.name in filled}


def write_register_csvs(rows: Iterable[Standing], catalog: Catalog, out: Path) -> list[Path]:
    """`<register>.csv` for every register of the catalog once any of them has a row (none before)."""
    by_table: dict[str, list[Standing]] = {}
    for standing in rows:
        by_table.setdefault(standing[2].table, []).append(standing)
    if not by_table:
        return []
    files = []
    for register in catalog.tables:
        path = out / f"{register.name}.csv"
        keys = [c.key for c in register.columns]
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*LEAD, *keys])
            for entity, version, row in by_table.get(register.name, []):
                writer.writerow([entity, version, row.row, *(row.cells.get(k, "") for k in keys)])
        files.append(path)
    return files


def registers_section(rows: Iterable[Standing], catalog: Catalog, lang: str) -> dict | None:
    """The page's registers for its partial (report_registers.html): a table per register with rows, entity
    first, choices in the reader's language."""
    standing = list(rows)
    if not standing:
        return None
    tables = []
    for register in catalog.tables:
        mine = [(entity, row) for entity, _, row in standing if row.table == register.name]
        if not mine:
            continue
        heads = [Cell(glossary.word(glossary.REGISTER, "entity", lang))]
        heads += [Cell(c.zh if lang == "zh" else c.en) for c in register.columns]
        body = []
        for entity, row in mine:
            shown = cells_text(row.cells, register, lang)
            body.append(([], [Cell(entity), *(Cell(shown[c.key]) for c in register.columns)]))
        title = register.zh if lang == "zh" else register.en
        tables.append({"name": register.name, "title": title, "grid": grid(heads, body, "register")})
    return {"tables": tables}
