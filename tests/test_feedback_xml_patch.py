"""Annotating a workbook by editing its XML: the parts it touches, what it keeps, and what it leaves to openpyxl."""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.feedback.xml_patch import CellNote, TextSheet, Unsupported, clean, patch_workbook
from esgflow.periods import parse_period
from esgflow.workbooks.returns import read_return
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


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    folder = tmp_path_factory.mktemp("xml_patch")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return fill(template, folder / "in", {"env_gasoline": "lots"}).read_bytes()


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.testzip() is None  # every member's CRC checks
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _part(raw: bytes, sheet: str) -> str:
    """The part path of a sheet, through workbook.xml and its relationships."""
    members = _members(raw)
    rels = ET.fromstring(members["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for s in ET.fromstring(members["xl/workbook.xml"]).iterfind("m:sheets/m:sheet", NS):
        if s.get("name") == sheet:
            target = targets[s.get(REL_NS + "id")]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise KeyError(sheet)


def _drawing(raw: bytes, sheet: str) -> str:
    """The part path of a sheet's VML drawing."""
    part = _part(raw, sheet)
    folder, name = part.rsplit("/", 1)
    rels = ET.fromstring(_members(raw)[f"{folder}/_rels/{name}.rels"])
    [target] = [r.get("Target", "") for r in rels if r.get("Type", "").endswith("/vmlDrawing")]
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")


def _edit(raw: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    members = _members(raw)
    members[part] = change(members[part])
    return _zip(members)


def _with_openpyxl(raw: bytes, change: Callable) -> bytes:  # type: ignore[type-arg]
    wb = load_workbook(io.BytesIO(raw))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _patched(raw: bytes, notes: dict[tuple[str, str], CellNote], sheet: TextSheet = SHEET) -> bytes:
    return patch_workbook(raw, notes, sheet, "esgflow")


def _open(raw: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(raw))


def test_only_the_parts_it_edits_change_and_the_others_are_copied_as_they_are(returned: bytes) -> None:
    out = _patched(returned, {(ENV, "E6"): CellNote(RED, "not a number")})
    before, after = _members(returned), _members(out)
    changed = {name for name in before if after.get(name) != before[name]}
    env = _part(returned, ENV)
    rels = ET.fromstring(before[env.replace("worksheets/", "worksheets/_rels/") + ".rels"])
    comments = {r.get("Target", "").lstrip("/") for r in rels}
    assert _drawing(returned, ENV) in comments
    assert changed == {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        env,
        *comments,  # the sheet's comments part and its note drawing
    }
    assert set(after) - set(before) == {_part(out, "反馈 Feedback")}
    assert list(after)[: len(before)] == list(before)  # members keep their order
    with zipfile.ZipFile(io.BytesIO(returned)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        for name in set(before) - changed:
            assert a.getinfo(name).compress_size == b.getinfo(name).compress_size  # copied, not recompressed


def test_a_marked_cell_keeps_its_number_format_protection_and_alignment(returned: bytes) -> None:
    wb = _open(returned)
    ((sheet, coord),) = wb.defined_names["env_trained_employees"].destinations
    ref = coord.replace("$", "")
    out = _open(_patched(returned, {(sheet, ref): CellNote(AMBER, "changed a lot")}))
    before, after = wb[sheet][ref], out[sheet][ref]
    assert after.fill.fgColor.rgb == AMBER and after.fill.fill_type == "solid"
    assert before.fill.fgColor.rgb != AMBER
    assert after.number_format == before.number_format == "#,##0"
    assert after.protection.locked is False  # the reporter can still type in it on the protected sheet
    assert after.alignment.vertical == before.alignment.vertical == "center"
    assert after.value == before.value


def test_a_missing_cell_or_row_is_created_in_its_place(returned: bytes) -> None:
    notes = {(ENV, "K6"): CellNote(RED, "beyond the row"), (ENV, "C3"): CellNote(AMBER, "an empty row")}
    out = _patched(returned, notes)
    wb = _open(out)
    assert wb[ENV]["K6"].fill.fgColor.rgb == RED and wb[ENV]["C3"].fill.fgColor.rgb == AMBER
    assert wb[ENV]["C3"].comment.text.endswith("an empty row")
    root = ET.fromstring(_members(out)[_part(out, ENV)])
    rows = [int(r.get("r", "0")) for r in root.iterfind("m:sheetData/m:row", NS)]
    assert rows == sorted(rows) and 3 in rows
    [row6] = root.iterfind("m:sheetData/m:row[@r='6']", NS)
    cells = [c.get("r", "") for c in row6]
    assert cells[-1] == "K6" and cells == sorted(cells, key=lambda r: (len(r), r))


def test_text_is_appended_to_a_comment_the_cell_already_has(returned: bytes) -> None:
    def comment(wb) -> None:  # type: ignore[no-untyped-def]
        wb[ENV]["E7"].comment = Comment("I checked this figure", "Reporter")

    raw = _with_openpyxl(returned, comment)
    out = _open(_patched(raw, {(ENV, "E7"): CellNote(RED, "below zero"), (ENV, "E4"): CellNote(AMBER, "header")}))
    assert out[ENV]["E7"].comment.text == "I checked this figure\n\nbelow zero"
    assert out[ENV]["E7"].comment.author == "Reporter"
    assert out[ENV]["E4"].comment.text == "填写本期数值 Enter this period's figure\n\nheader"  # the template's own


def test_a_sheet_without_comments_gets_a_comments_part_and_a_note_drawing(returned: bytes) -> None:
    assert not any(c.comment for row in _open(returned)[INSTRUCTIONS].iter_rows() for c in row)
    out = _patched(returned, {(INSTRUCTIONS, "B5"): CellNote(RED, "not our version")})
    wb = _open(out)
    assert wb[INSTRUCTIONS]["B5"].comment.text == "not our version"
    assert wb[INSTRUCTIONS]["B5"].comment.author == "esgflow"
    members = _members(out)
    sheet = members[_part(out, INSTRUCTIONS)].decode()
    assert re.search(r"<legacyDrawing [^>]*r:id=", sheet) and sheet.index("<legacyDrawing") > sheet.index("pageMargins")
    [vml] = [data for name, data in members.items() if name.endswith(".vml") and b'data="2"' in data]
    assert b"<x:Row>4</x:Row><x:Column>1</x:Column>" in vml and b'ObjectType="Note"' in vml
    types = members["[Content_Types].xml"].decode()
    assert "spreadsheetml.comments+xml" in types and 'Extension="vml"' in types


def test_defined_names_local_to_a_sheet_follow_it(returned: bytes, catalog: Catalog) -> None:
    def local_names(wb) -> None:  # type: ignore[no-untyped-def]
        wb[ENV].print_area = "A1:H19"
        wb[SOCIAL].defined_names["social_total"] = DefinedName("social_total", attr_text=f"'{SOCIAL}'!$E$5")

    raw = _with_openpyxl(returned, local_names)
    out = _patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")})
    wb = _open(out)
    assert wb[ENV].print_area == "'环境 Environmental'!$A$1:$H$19"
    assert "social_total" in wb[SOCIAL].defined_names
    book = _members(out)["xl/workbook.xml"].decode()
    local = dict(re.findall(r'<definedName name="([^"]+)" localSheetId="(\d)"', book))
    assert (local["_xlnm.Print_Area"], local["social_total"]) == ("3", "4")  # were 2 and 3
    titles = re.findall(r'<definedName name="_xlnm.Print_Titles" localSheetId="(\d)"', book)
    assert titles and "0" not in titles  # each sheet's printed header rows moved with it
    original, copy = read_return(raw, "a.xlsx", catalog), read_return(out, "a.xlsx", catalog)
    assert copy.reported == original.reported and copy.meta_cells == original.meta_cells


def test_the_new_sheet_comes_first_active_and_alone_selected(returned: bytes) -> None:
    def select_social(wb) -> None:  # type: ignore[no-untyped-def]
        wb.active = wb.sheetnames.index(SOCIAL)
        for ws in wb.worksheets:
            ws.sheet_view.tabSelected = ws.title == SOCIAL
        wb.security.lockStructure = True

    raw = _with_openpyxl(returned, select_social)
    wb = _open(_patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")}))
    assert wb.sheetnames == ["反馈 Feedback", *_open(raw).sheetnames]
    assert wb.active.title == "反馈 Feedback"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["反馈 Feedback"]
    assert not wb.security.lockStructure


def test_the_text_sheet_is_bold_headed_filled_and_inert(returned: bytes) -> None:
    ws = _open(_patched(returned, {}))["反馈 Feedback"]
    assert [c.value for c in ws[1]] == list(SHEET.header) and all(c.font.b for c in ws[1])
    assert ws["A2"].fill.fgColor.rgb == RED and ws["A3"].fill.fgColor.rgb == AMBER
    assert ws["B3"].value is None  # an empty text writes no cell
    attack = ws["D3"]
    assert (attack.value, attack.data_type, attack.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert [ws.column_dimensions[c].width for c in "ABCD"] == [10, 24, 10, 90]


def test_an_existing_sheet_of_that_name_is_replaced_and_the_calc_chain_dropped(returned: bytes) -> None:
    def old_feedback(wb) -> None:  # type: ignore[no-untyped-def]
        ws = wb.create_sheet("反馈 Feedback", 2)
        ws["A1"] = "last round"
        ws.print_area = "A1:B2"
        wb[SOCIAL].print_area = "A1:H10"

    raw = _with_openpyxl(returned, old_feedback)
    members = _members(raw)  # a calculation chain, as Excel writes one
    members["xl/calcChain.xml"] = f'<calcChain xmlns="{NS["m"]}"><c r="E8" i="3"/></calcChain>'.encode()
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'calcChain" Target="calcChain.xml"/></Relationships>',
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    raw = _zip(members)
    out = _patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")})
    wb = _open(out)
    assert wb.sheetnames == ["反馈 Feedback", *(n for n in _open(raw).sheetnames if n != "反馈 Feedback")]
    assert wb["反馈 Feedback"]["A2"].value == "error" and "last round" not in [
        c.value for c in wb["反馈 Feedback"]["A"]
    ]
    assert wb[SOCIAL].print_area == "'社会 Social'!$A$1:$H$10"
    assert not wb["反馈 Feedback"].print_area  # the names of the sheet replaced went with it
    after = _members(out)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"] + after["xl/_rels/workbook.xml.rels"]


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

    raw = _edit(returned, _part(returned, ENV), excel)
    out = _patched(raw, {(ENV, "E6"): CellNote(RED, "text"), (ENV, "K7"): CellNote(AMBER, "new cell")})
    sheet = _members(out)[_part(out, ENV)].decode()
    assert 'mc:Ignorable="x14ac"' in sheet and sheet.count("x14ac:dyDescent") == _members(raw)[
        _part(raw, ENV)
    ].decode().count("x14ac:dyDescent")
    assert '<x:c r="K7" s="' in sheet and not re.search(r"<c[\s>]", sheet)
    assert re.search(r'<x:row r="7" spans="1:11"', sheet)
    wb = _open(out)
    assert wb[ENV]["E6"].fill.fgColor.rgb == RED and wb[ENV]["K7"].comment.text == "new cell"


def test_characters_xml_cannot_hold_are_replaced(returned: bytes) -> None:
    assert clean("a\x01b\x1f\ud800c\n\t") == "a\ufffdb\ufffd\ufffdc\n\t"
    out = _patched(returned, {(ENV, "E6"): CellNote(RED, clean("bell \x07 in a message"))})
    assert _open(out)[ENV]["E6"].comment.text == "bell \ufffd in a message"


def test_notes_on_sheets_the_workbook_does_not_have_are_left_out(returned: bytes) -> None:
    out = _patched(returned, {("Deleted", "E7"): CellNote(RED, "gone"), ("反馈 Feedback", "A1"): CellNote(RED, "x")})
    wb = _open(out)
    assert "Deleted" not in wb.sheetnames and wb["反馈 Feedback"]["A1"].comment is None


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        pytest.param(
            lambda raw: _edit(raw, _part(raw, ENV), lambda d: re.sub(rb' r="[A-Z]+\d+"', b"", d)),
            "without its reference",
            id="no-r",
        ),
        pytest.param(
            lambda raw: _edit(
                raw, _drawing(raw, ENV), lambda d: d.replace(b'ObjectType="Note"', b'ObjectType="Checkbox"')
            ),
            "other than notes",
            id="form-control",
        ),
        pytest.param(
            lambda raw: _edit(
                raw,
                "xl/workbook.xml",
                lambda d: ('<?xml version="1.0" encoding="UTF-16"?>' + d.decode()).encode("utf-16"),
            ),
            "not UTF-8",
            id="utf-16",
        ),
        pytest.param(
            lambda raw: _edit(
                raw,
                _part(raw, ENV).replace("worksheets/", "worksheets/_rels/") + ".rels",
                lambda d: re.sub(rb"<Relationship [^>]*/comments\"[^>]*/>", b"", d),
            ),
            "a drawing (form controls) without comments",
            id="drawing-without-comments",
        ),
        pytest.param(
            lambda raw: _with_openpyxl(raw, lambda wb: wb.create_sheet("反馈 FEEDBACK")),
            "in other letter case",
            id="name-in-other-case",
        ),
        pytest.param(
            lambda raw: _edit(
                raw, "xl/workbook.xml", lambda d: d.replace(NS["m"].encode(), b"http://purl.oclc.org/ooxml/x/main")
            ),
            "root is not in",
            id="strict-ooxml",
        ),
    ],
)
def test_what_it_does_not_understand_is_refused_for_openpyxl(
    returned: bytes, spoil: Callable[[bytes], bytes], why: str
) -> None:
    with pytest.raises(Unsupported) as refused:
        _patched(spoil(returned), {(ENV, "E6"): CellNote(RED, "not a number")})
    assert why in str(refused.value)


def test_the_text_sheet_wraps_its_rows_in_heights_that_fit_and_prints_on_a4(returned: bytes) -> None:
    wb = _open(_patched(returned, {}))
    ws = wb["反馈 Feedback"]
    assert ws.row_dimensions[1].height is None  # the header is one line
    for row in (2, 3):
        assert ws.row_dimensions[row].height == SHEET.height(SHEET.rows[row - 2][1])
        assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in ws[row] if c.value)
    assert not ws["A1"].alignment.wrap_text and ws["A1"].font.b
    long = TextSheet("反馈 Feedback", ("Detail",), ((None, ("word " * 40,)),), (20,))
    assert long.height(long.rows[0][1]) >= 10 * 15  # 200 characters in a column 20 wide
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.fitToWidth) == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_a_wrapped_cell_format_replaces_the_alignment_its_base_had(returned: bytes) -> None:
    members = _members(returned)
    styles = members["xl/styles.xml"].decode()
    first = re.search(r"<cellXfs[^>]*>(<xf [^>]*?)\s*/>", styles)
    assert first
    aligned = first.group(1) + ' applyAlignment="1"><alignment horizontal="right" wrapText="0"/></xf>'
    members["xl/styles.xml"] = styles.replace(
        first.group(0), first.group(0).replace(first.group(1) + " />", aligned).replace(first.group(1) + "/>", aligned)
    ).encode()
    assert 'horizontal="right"' in members["xl/styles.xml"].decode()  # the base now has an alignment
    out = _patched(_zip(members), {})
    cell = _open(out)["反馈 Feedback"]["A2"]
    assert (cell.alignment.wrap_text, cell.alignment.horizontal) == (True, None)
    xfs = re.search(r"<cellXfs.*?</cellXfs>", _members(out)["xl/styles.xml"].decode(), re.S)
    assert xfs and all(xf.count("<alignment") <= 1 for xf in re.findall(r"<xf .*?(?:/>|</xf>)", xfs.group(0)))
