"""XML at byte offsets (esgflow.workbooks.ooxml.xml): characters XML cannot hold."""

from __future__ import annotations

import pytest

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote
from esgflow.workbooks.ooxml.xml import clean
from tests.ooxml_world import (
    ENV,
    RED,
    open_workbook,
    patched,
    returned_workbook,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_characters_xml_cannot_hold_are_replaced(returned: bytes) -> None:
    assert clean("a\x01b\x1f\ud800c\n\t") == "a\ufffdb\ufffd\ufffdc\n\t"
    out = patched(returned, {(ENV, "E6"): CellNote(RED, clean("bell \x07 in a message"))})
    assert open_workbook(out)[ENV]["E6"].comment.text == "bell \ufffd in a message"
