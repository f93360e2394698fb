"""Worksheet parts (esgflow.workbooks.ooxml.sheet): marked cells, missing cells and rows, prefixed XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote
from tests.ooxml_world import (
    AMBER,
    ENV,
    NS,
    RED,
    edit_part,
    members_of,
    open_workbook,
    part_of,
    patched,
    returned_workbook,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_a_missing_cell_or_row_is_created_in_its_place(returned: bytes) -> None:
    notes = {(ENV, "K6"): CellNote(RED, "beyond the row"), (ENV, "C3"): CellNote(AMBER, "an empty row")}
    out = patched(returned, notes)
    wb = open_workbook(out)
    assert wb[ENV]["K6"].fill.fgColor.rgb == RED and wb[ENV]["C3"].fill.fgColor.rgb == AMBER
    assert wb[ENV]["C3"].comment.text.endswith("an empty row")
    root = ET.fromstring(members_of(out)[part_of(out, ENV)])
    rows = [int(r.get("r", "0")) for r in root.iterfind("m:sheetData/m:row", NS)]
    assert rows == sorted(rows) and 3 in rows
    [row6] = root.iterfind("m:sheetData/m:row[@r='6']", NS)
    cells = [c.get("r", "") for c in row6]
    assert cells[-1] == "K6" and cells == sorted(cells, key=lambda r: (len(r), r))


def test_an_excel_style_prefixed_sheet_is_edited_in_its_own_prefix(returned: bytes) -> None:
    def excel(data: bytes) -> bytes:
        text = data.decode()
        text = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([\s/>])", r"<\1x:\2\3", text)
        text = text.replace(
            f'<x:worksheet xmlns="{NS["m"]}"',
            f'<x:worksheet xmlns:x="{NS["m"]}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
            ' mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"',
        )
        return re.sub(r'<x:row r="(\d+)"', r'<x:row r="\1" spans="1:8" x14ac:dyDescent="0.25"', text).encode()

    raw = edit_part(returned, part_of(returned, ENV), excel)
    out = patched(raw, {(ENV, "E6"): CellNote(RED, "text"), (ENV, "K7"): CellNote(AMBER, "new cell")})
    sheet = members_of(out)[part_of(out, ENV)].decode()
    assert 'mc:Ignorable="x14ac"' in sheet and sheet.count("x14ac:dyDescent") == members_of(raw)[
        part_of(raw, ENV)
    ].decode().count("x14ac:dyDescent")
    assert '<x:c r="K7" s="' in sheet and not re.search(r"<c[\s>]", sheet)
    assert re.search(r'<x:row r="7" spans="1:11"', sheet)
    wb = open_workbook(out)
    assert wb[ENV]["E6"].fill.fgColor.rgb == RED and wb[ENV]["K7"].comment.text == "new cell"
