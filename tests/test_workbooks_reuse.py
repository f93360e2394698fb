"""Templates written from one built workbook per kind and language are the templates written one by one."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.demo.group import demo_inputs
from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.workbooks.reader import read_named_cells
from esgflow.workbooks.reuse import TemplateWriter
from esgflow.workbooks.safe_zip import SafeZip
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.workbook_view import workbook_view

# in the order written: each group's first is built, the others reuse it (Chinese and English, four kinds)
ORDER = ("NFC6", "NFC12", "NMC9", "OS-HK", "OS-IN", "BR-LY", "BR-CS", "SAMI", "GAMI")


def _priors(code: str, values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Last year's figures, different for each entity: none at all, some, or with more decimal places."""
    if code in ("NFC12", "BR-CS"):
        return {}
    if code in ("NMC9", "OS-IN"):
        return {k: v + Decimal("0.125") for i, (k, v) in enumerate(sorted(values.items())) if i % 3}
    return values


def test_templates_written_from_one_built_workbook_are_the_ones_written_one_by_one(
    tmp_path: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    """Issue 30, goal 4: every cell's value, number format and style, every validation, defined name,
    protection and sheet of each template is what write_template gives for that entity alone."""
    period = parse_period("2024")
    inputs = demo_inputs(catalog, registry, period)
    writer = TemplateWriter(catalog)
    for n, code in enumerate(ORDER):
        request = TemplateRequest(
            registry[code], period, _priors(code, inputs[code]), f"esg1-sig{n}", contact="esg@example.com"
        )
        alone, reused = tmp_path / "alone" / f"{code}.xlsx", tmp_path / "reused" / f"{code}.xlsx"
        assert writer.write(reused, request) == write_template(alone, request, catalog)
        assert workbook_view(reused) == workbook_view(alone), code
        named = [read_named_cells(SafeZip.open(p.read_bytes(), p.name)).cells for p in (reused, alone)]
        assert named[0] == named[1], code
        if n in (0, 3, 5, 7):  # the first of its group: built and saved
            continue
        # patched, not saved: byte for byte what openpyxl saving the same workbook writes
        (wb,) = [wb for wb, _ in writer._built.values() if wb["说明 Instructions"]["B3"].value == code]
        wb.save(tmp_path / "saved.xlsx")
        assert _parts(reused) == _parts(tmp_path / "saved.xlsx"), code
    assert len(writer._built) == 4  # four groups: the other five templates were not built again


def _parts(path: Path) -> dict[str, bytes]:
    """Every part of an .xlsx but its document properties (the time it was written)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def test_a_prior_figure_left_out_empties_its_cell(tmp_path: Path, catalog: Catalog, registry: EntityRegistry) -> None:
    period = parse_period("2024")
    writer = TemplateWriter(catalog)
    writer.write(tmp_path / "a.xlsx", TemplateRequest(registry["TJC"], period, {"env_diesel": Decimal("1.5")}, "s1"))
    writer.write(tmp_path / "b.xlsx", TemplateRequest(registry["NFC6"], period, {}, "s2"))
    views = [workbook_view(tmp_path / f"{x}.xlsx") for x in "ab"]
    with pytest.raises(AssertionError):
        assert views[0] == views[1]
    write_template(tmp_path / "c.xlsx", TemplateRequest(registry["NFC6"], period, {}, "s2"), catalog)
    assert views[1] == workbook_view(tmp_path / "c.xlsx")
