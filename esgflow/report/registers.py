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

from esgflow.catalog import Catalog
from esgflow.registers import RegisterRow

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
    for table in catalog.tables:
        path = out / f"{table.name}.csv"
        keys = [c.key for c in table.columns]
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*LEAD, *keys])
            for entity, version, row in by_table.get(table.name, []):
                writer.writerow([entity, version, row.row, *(row.cells.get(k, "") for k in keys)])
        files.append(path)
    return files
