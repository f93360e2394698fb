"""Fill a template through its defined names, as a script or a careful reporter would."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from esgflow.safety import write_text
from esgflow.workbooks.layout import NOTE_SUFFIX


def fill_template(
    template: Path,
    out: Path,
    values: dict[str, Decimal | int | float | str | None],
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
