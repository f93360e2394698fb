"""The package (esgflow.workbooks.ooxml.package): only the parts edited change, the others are copied."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote
from tests.ooxml_world import (
    ENV,
    RED,
    drawing_of,
    members_of,
    part_of,
    patched,
    returned_workbook,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_only_the_parts_it_edits_change_and_the_others_are_copied_as_they_are(returned: bytes) -> None:
    out = patched(returned, {(ENV, "E6"): CellNote(RED, "not a number")})
    before, after = members_of(returned), members_of(out)
    changed = {name for name in before if after.get(name) != before[name]}
    env = part_of(returned, ENV)
    rels = ET.fromstring(before[env.replace("worksheets/", "worksheets/_rels/") + ".rels"])
    comments = {r.get("Target", "").lstrip("/") for r in rels}
    assert drawing_of(returned, ENV) in comments
    assert changed == {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        env,
        *comments,  # the sheet's comments part and its note drawing
    }
    assert set(after) - set(before) == {part_of(out, "反馈 Feedback")}
    assert list(after)[: len(before)] == list(before)  # members keep their order
    with zipfile.ZipFile(io.BytesIO(returned)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        for name in set(before) - changed:
            assert a.getinfo(name).compress_size == b.getinfo(name).compress_size  # copied, not recompressed
