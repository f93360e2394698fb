"""Comments and their note drawings (esgflow.workbooks.ooxml.comments)."""

from __future__ import annotations

import re

import pytest
from openpyxl.comments import Comment

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote
from tests.ooxml_world import (
    AMBER,
    ENV,
    INSTRUCTIONS,
    RED,
    members_of,
    open_workbook,
    part_of,
    patched,
    returned_workbook,
    with_openpyxl,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_text_is_appended_to_a_comment_the_cell_already_has(returned: bytes) -> None:
    def comment(wb) -> None:  # type: ignore[no-untyped-def]
        wb[ENV]["E7"].comment = Comment("I checked this figure", "Reporter")

    raw = with_openpyxl(returned, comment)
    out = open_workbook(
        patched(raw, {(ENV, "E7"): CellNote(RED, "below zero"), (ENV, "E4"): CellNote(AMBER, "header")})
    )
    assert out[ENV]["E7"].comment.text == "I checked this figure\n\nbelow zero"
    assert out[ENV]["E7"].comment.author == "Reporter"
    assert out[ENV]["E4"].comment.text == "填写本期数值 Enter this period's figure\n\nheader"  # the template's own


def test_a_sheet_without_comments_gets_a_comments_part_and_a_note_drawing(returned: bytes) -> None:
    assert not any(c.comment for row in open_workbook(returned)[INSTRUCTIONS].iter_rows() for c in row)
    out = patched(returned, {(INSTRUCTIONS, "B5"): CellNote(RED, "not our version")})
    wb = open_workbook(out)
    assert wb[INSTRUCTIONS]["B5"].comment.text == "not our version"
    assert wb[INSTRUCTIONS]["B5"].comment.author == "esgflow"
    members = members_of(out)
    sheet = members[part_of(out, INSTRUCTIONS)].decode()
    assert re.search(r"<legacyDrawing [^>]*r:id=", sheet) and sheet.index("<legacyDrawing") > sheet.index("pageMargins")
    [vml] = [data for name, data in members.items() if name.endswith(".vml") and b'data="2"' in data]
    assert b"<x:Row>4</x:Row><x:Column>1</x:Column>" in vml and b'ObjectType="Note"' in vml
    types = members["[Content_Types].xml"].decode()
    assert "spreadsheetml.comments+xml" in types and 'Extension="vml"' in types
