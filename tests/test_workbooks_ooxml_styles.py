"""Styles (esgflow.workbooks.ooxml.styles): a marked cell keeps its own format but its fill or alignment."""

from __future__ import annotations

import re

import pytest

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote
from tests.ooxml_world import (
    AMBER,
    members_of,
    open_workbook,
    patched,
    returned_workbook,
    rezip,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_a_marked_cell_keeps_its_number_format_protection_and_alignment(returned: bytes) -> None:
    wb = open_workbook(returned)
    ((sheet, coord),) = wb.defined_names["env_trained_employees"].destinations
    ref = coord.replace("$", "")
    out = open_workbook(patched(returned, {(sheet, ref): CellNote(AMBER, "changed a lot")}))
    before, after = wb[sheet][ref], out[sheet][ref]
    assert after.fill.fgColor.rgb == AMBER and after.fill.fill_type == "solid"
    assert before.fill.fgColor.rgb != AMBER
    assert after.number_format == before.number_format == "#,##0"
    assert after.protection.locked is False  # the reporter can still type in it on the protected sheet
    assert after.alignment.vertical == before.alignment.vertical == "center"
    assert after.value == before.value


def test_a_wrapped_cell_format_replaces_the_alignment_its_base_had(returned: bytes) -> None:
    members = members_of(returned)
    styles = members["xl/styles.xml"].decode()
    first = re.search(r"<cellXfs[^>]*>(<xf [^>]*?)\s*/>", styles)
    assert first
    aligned = first.group(1) + ' applyAlignment="1"><alignment horizontal="right" wrapText="0"/></xf>'
    members["xl/styles.xml"] = styles.replace(
        first.group(0), first.group(0).replace(first.group(1) + " />", aligned).replace(first.group(1) + "/>", aligned)
    ).encode()
    assert 'horizontal="right"' in members["xl/styles.xml"].decode()  # the base now has an alignment
    out = patched(rezip(members), {})
    cell = open_workbook(out)["反馈 Feedback"]["A2"]
    assert (cell.alignment.wrap_text, cell.alignment.horizontal) == (True, None)
    xfs = re.search(r"<cellXfs.*?</cellXfs>", members_of(out)["xl/styles.xml"].decode(), re.S)
    assert xfs and all(xf.count("<alignment") <= 1 for xf in re.findall(r"<xf .*?(?:/>|</xf>)", xfs.group(0)))
