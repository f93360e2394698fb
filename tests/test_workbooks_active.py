"""Active content is refused by what the parts are, whatever they are called, and never reaches an
annotated copy: VBA under a neutral name, an Excel 4.0 macro sheet with Auto_Open, an external link to
a file share, OLE objects and ActiveX controls."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.findings import Refused
from esgflow.jobs.collection import entity_versions, ingest_bytes
from esgflow.periods import parse_period
from esgflow.workbooks.active import OLE_SIGNATURE
from esgflow.workbooks.formats import in_language
from esgflow.workbooks.safe_zip import SafeZip
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import fill, open_collection

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MS_REL = "http://schemas.microsoft.com/office/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
VBA_BIN = OLE_SIGNATURE + b"\x00" * 56 + "_VBA_PROJECT".encode("utf-16-le") + b'Attribute VB_Name = "M"'


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    folder = tmp_path_factory.mktemp("active")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return fill(template, folder / "in", {"env_diesel": 100})


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _add(
    parts: dict[str, bytes],
    part: str,
    rel_type: str,
    target: str,
    content_type: str | None,
    data: bytes,
    external: bool = False,
) -> dict[str, bytes]:
    """The workbook with one more part, related from the workbook, and its content type (None: none declared)."""
    out = dict(parts)
    rels = out["xl/_rels/workbook.xml.rels"].decode()
    mode = ' TargetMode="External"' if external else ""
    out["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdX9" Type="{rel_type}" Target="{target}"{mode}/></Relationships>'
    ).encode()
    if content_type:
        types = out["[Content_Types].xml"].decode()
        override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        out["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    if data:
        out[part] = data
    return out


MACROSHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"'
    b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1">'
    b'<f>EXEC("calc")</f></c></row></sheetData></xm:macrosheet>'
)
EXTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<externalBook r:id="rId1" xmlns:r="' + REL.encode() + b'"/></externalLink>'
)


def _crafted(parts: dict[str, bytes]) -> dict[str, tuple[dict[str, bytes], str]]:
    """name -> (parts, the rule it is refused under)."""
    vba_neutral = _add(parts, "xl/media/image7.png", f"{MS_REL}/vbaProject", "media/image7.png", None, VBA_BIN)
    vba_typed = _add(
        parts, "xl/styles2.xml", f"{REL}/styles", "styles2.xml", "application/vnd.ms-office.vbaProject", b"x"
    )
    vba_bytes_only = {**parts, "xl/printerSettings/printerSettings1.bin": VBA_BIN}  # no type, no relationship
    macro = _add(
        parts,
        "xl/worksheets/sheet8.xml",
        f"{MS_REL}/xlMacrosheet",
        "worksheets/sheet8.xml",
        "application/vnd.ms-excel.macrosheet+xml",
        MACROSHEET,
    )
    wb = macro["xl/workbook.xml"].decode()
    auto_open = '<definedName name="_xlnm.Auto_Open" hidden="1">Sheet8!$A$1</definedName>'
    macro["xl/workbook.xml"] = (
        wb.replace("</definedNames>", auto_open + "</definedNames>")
        if "</definedNames>" in wb
        else wb.replace("</workbook>", f"<definedNames>{auto_open}</definedNames></workbook>")
    ).encode()
    macro_untyped = {**parts, "xl/worksheets/sheet8.xml": MACROSHEET}  # its root says what it is
    link = _add(
        parts,
        "xl/theme/theme9.xml",
        f"{REL}/externalLink",
        "theme/theme9.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
        EXTERNAL,
    )
    link["xl/theme/_rels/theme9.xml.rels"] = (
        f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/externalLinkPath"'
        ' Target="file://fileserver/share/book.xlsx" TargetMode="External"/></Relationships>'
    ).encode()
    share = _add(parts, "", f"{REL}/hyperlink", "file://fileserver/share/run.bat", None, b"", external=True)
    ole = _add(
        parts,
        "xl/embeddings/oleObject1.bin",
        f"{REL}/oleObject",
        "embeddings/oleObject1.bin",
        "application/vnd.openxmlformats-officedocument.oleObject",
        OLE_SIGNATURE + b"\x00" * 100,
    )
    activex = _add(
        parts,
        "xl/activeX/activeX1.xml",
        f"{REL}/control",
        "activeX/activeX1.xml",
        "application/vnd.ms-office.activeX+xml",
        b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX"/>',
    )
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    wrapped = (  # as Excel writes a form control: inside mc:AlternateContent, not a child of the sheet itself
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="x14"><controls><control shapeId="1025" r:id="rId9" name="Button 1"'
        f' xmlns:r="{REL}"/></controls></mc:Choice></mc:AlternateContent></worksheet>'
    )
    controls = {**parts, sheet: parts[sheet].decode().replace("</worksheet>", wrapped).encode()}
    objects = '<oleObjects><oleObject progId="Package" shapeId="1026" r:id="rId8" xmlns:r="' + REL + '"/></oleObjects>'
    ole_in_sheet = {**parts, sheet: parts[sheet].decode().replace("</worksheet>", objects + "</worksheet>").encode()}
    return {
        "sheet_controls_wrapped": (controls, "embedded_objects"),  # no relationship, no content type: the tags say it
        "sheet_ole_objects": (ole_in_sheet, "embedded_objects"),
        "vba_neutral_name": (vba_neutral, "macros"),
        "vba_content_type": (vba_typed, "macros"),
        "vba_bytes_only": (vba_bytes_only, "macros"),
        "macro_sheet_auto_open": (macro, "macros"),
        "macro_sheet_by_root": (macro_untyped, "macros"),
        "external_link_file_share": (link, "external_links"),
        "external_file_hyperlink": (share, "external_links"),
        "ole_object": (ole, "embedded_objects"),
        "activex_control": (activex, "embedded_objects"),
    }


CASES = [
    "sheet_controls_wrapped",
    "sheet_ole_objects",
    "vba_neutral_name",
    "vba_content_type",
    "vba_bytes_only",
    "macro_sheet_auto_open",
    "macro_sheet_by_root",
    "external_link_file_share",
    "external_file_hyperlink",
    "ole_object",
    "activex_control",
]


@pytest.mark.parametrize("case", CASES)
def test_active_content_is_refused_by_what_it_is(filled: Path, case: str) -> None:
    parts, rule = _crafted(_parts(filled))[case]
    with pytest.raises(Refused) as caught:
        SafeZip.open(_zip(parts), "SAMI_2025.xlsx")
    assert caught.value.finding.rule == rule
    assert in_language(caught.value.finding.message, "zh") != caught.value.finding.message  # said in Chinese too


def test_a_plain_return_and_a_web_hyperlink_pass(filled: Path) -> None:
    parts = _parts(filled)
    SafeZip.open(_zip(parts), "SAMI_2025.xlsx")
    web = _add(parts, "", f"{REL}/hyperlink", "https://example.com/guide", None, b"", external=True)
    SafeZip.open(_zip(web), "SAMI_2025.xlsx")


def test_no_crafted_workbook_is_stored_or_reaches_an_annotated_copy(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2024", tmp_path / "tpl", ["SAMI"])
    wrong = fill(templates["SAMI"], tmp_path / "in", {"env_water_total": -5})  # would be annotated if read
    for case, (parts, _rule) in _crafted(_parts(wrong)).items():
        outcome = ingest_bytes(sqlite_settings, _zip(parts), f"SAMI_2024_{case}.xlsx")
        assert outcome.status == "refused", case
    assert entity_versions(sqlite_settings, "SAMI", parse_period("2024")) == []
    assert not [p for p in (sqlite_settings.home / "letters").rglob("*") if p.suffix in (".xlsx", ".xlsm")]


def test_controls_are_found_in_a_sheet_of_any_encoding() -> None:
    from esgflow.workbooks.active import active_content

    sheet = (
        '<?xml version="1.0" encoding="UTF-16"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><x:sheetData/><x:wrap><x:controls/></x:wrap></x:worksheet>'
    )
    for data in (sheet.encode("utf-16"), sheet.replace("UTF-16", "UTF-8").encode()):
        assert active_content({"xl/worksheets/sheet1.xml": data}, [], lambda _name: b"") == "embedded_objects"
    plain = sheet.replace("<x:wrap><x:controls/></x:wrap>", "")
    for data in (plain.encode("utf-16"), plain.replace("UTF-16", "UTF-8").encode()):
        assert active_content({"xl/worksheets/sheet1.xml": data}, [], lambda _name: b"") is None
