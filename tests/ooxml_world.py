"""What the tests of the OOXML engine (esgflow.workbooks.ooxml) share: a returned workbook, the text sheet
they put first, and ways to read, edit and re-zip its parts."""

from __future__ import annotations

import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.workbooks.ooxml.patch import CellNote, TextSheet, patch_workbook
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import fill

RED, AMBER = "FFFF9999", "FFFFD966"
ENV, SOCIAL, INSTRUCTIONS = "环境 Environmental", "社会 Social", "说明 Instructions"
SHEET = TextSheet(
    "反馈 Feedback",
    ("Severity", "Sheet", "Cell", "Detail"),
    (
        (RED, ("error", ENV, "E6", "the text 'lots' is not a number")),
        (AMBER, ("warning", "", "", "=cmd|' /C calc'!A0")),
    ),
    (10, 24, 10, 90),
)
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def returned_workbook(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    folder = tmp_path_factory.mktemp("xml_patch")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return fill(template, folder / "in", {"env_gasoline": "lots"}).read_bytes()


def members_of(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.testzip() is None  # every member's CRC checks
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def part_of(raw: bytes, sheet: str) -> str:
    """The part path of a sheet, through workbook.xml and its relationships."""
    members = members_of(raw)
    rels = ET.fromstring(members["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for s in ET.fromstring(members["xl/workbook.xml"]).iterfind("m:sheets/m:sheet", NS):
        if s.get("name") == sheet:
            target = targets[s.get(REL_NS + "id")]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(sheet)


def drawing_of(raw: bytes, sheet: str) -> str:
    """The part path of a sheet's VML drawing."""
    part = part_of(raw, sheet)
    folder, name = part.rsplit("/", 1)
    rels = ET.fromstring(members_of(raw)[f"{folder}/_rels/{name}.rels"])
    [target] = [r.get("Target", "") for r in rels if r.get("Type", "").endswith("/vmlDrawing")]
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")


def edit_part(raw: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    members = members_of(raw)
    members[part] = change(members[part])
    return rezip(members)


def with_openpyxl(raw: bytes, change: Callable) -> bytes:  # type: ignore[type-arg]
    wb = load_workbook(io.BytesIO(raw))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patched(raw: bytes, notes: dict[tuple[str, str], CellNote], sheet: TextSheet = SHEET) -> bytes:
    return patch_workbook(raw, notes, sheet, "esgflow")


def open_workbook(raw: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(raw))
