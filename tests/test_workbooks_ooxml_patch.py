"""Annotating a workbook by editing its XML (esgflow.workbooks.ooxml.patch): the text sheet first, names
that follow it, and what it leaves to openpyxl."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from openpyxl.workbook.defined_name import DefinedName

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.workbooks.ooxml.patch import CellNote, TextSheet
from esgflow.workbooks.ooxml.xml import Unsupported
from esgflow.workbooks.returns import read_return
from tests.ooxml_world import (
    AMBER,
    ENV,
    NS,
    RED,
    SHEET,
    SOCIAL,
    drawing_of,
    edit_part,
    members_of,
    open_workbook,
    part_of,
    patched,
    returned_workbook,
    rezip,
    with_openpyxl,
)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> bytes:
    """A filled return of SAMI with text in a number cell."""
    return returned_workbook(tmp_path_factory, catalog, registry)


def test_defined_names_local_to_a_sheet_follow_it(returned: bytes, catalog: Catalog) -> None:
    def local_names(wb) -> None:  # type: ignore[no-untyped-def]
        wb[ENV].print_area = "A1:H19"
        wb[SOCIAL].defined_names["social_total"] = DefinedName("social_total", attr_text=f"'{SOCIAL}'!$E$5")

    raw = with_openpyxl(returned, local_names)
    out = patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")})
    wb = open_workbook(out)
    assert wb[ENV].print_area == "'环境 Environmental'!$A$1:$H$19"
    assert "social_total" in wb[SOCIAL].defined_names
    book = members_of(out)["xl/workbook.xml"].decode()
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

    raw = with_openpyxl(returned, select_social)
    wb = open_workbook(patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")}))
    assert wb.sheetnames == ["反馈 Feedback", *open_workbook(raw).sheetnames]
    assert wb.active.title == "反馈 Feedback"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["反馈 Feedback"]
    assert not wb.security.lockStructure


def test_the_text_sheet_is_bold_headed_filled_and_inert(returned: bytes) -> None:
    ws = open_workbook(patched(returned, {}))["反馈 Feedback"]
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

    raw = with_openpyxl(returned, old_feedback)
    members = members_of(raw)  # a calculation chain, as Excel writes one
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
    raw = rezip(members)
    out = patched(raw, {(ENV, "E6"): CellNote(RED, "not a number")})
    wb = open_workbook(out)
    assert wb.sheetnames == ["反馈 Feedback", *(n for n in open_workbook(raw).sheetnames if n != "反馈 Feedback")]
    assert wb["反馈 Feedback"]["A2"].value == "error" and "last round" not in [
        c.value for c in wb["反馈 Feedback"]["A"]
    ]
    assert wb[SOCIAL].print_area == "'社会 Social'!$A$1:$H$10"
    assert not wb["反馈 Feedback"].print_area  # the names of the sheet replaced went with it
    after = members_of(out)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"] + after["xl/_rels/workbook.xml.rels"]


def test_notes_on_sheets_the_workbook_does_not_have_are_left_out(returned: bytes) -> None:
    out = patched(returned, {("Deleted", "E7"): CellNote(RED, "gone"), ("反馈 Feedback", "A1"): CellNote(RED, "x")})
    wb = open_workbook(out)
    assert "Deleted" not in wb.sheetnames and wb["反馈 Feedback"]["A1"].comment is None


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        pytest.param(
            lambda raw: edit_part(raw, part_of(raw, ENV), lambda d: re.sub(rb' r="[A-Z]+\d+"', b"", d)),
            "without its reference",
            id="no-r",
        ),
        pytest.param(
            lambda raw: edit_part(
                raw, drawing_of(raw, ENV), lambda d: d.replace(b'ObjectType="Note"', b'ObjectType="Checkbox"')
            ),
            "other than notes",
            id="form-control",
        ),
        pytest.param(
            lambda raw: edit_part(
                raw,
                "xl/workbook.xml",
                lambda d: ('<?xml version="1.0" encoding="UTF-16"?>' + d.decode()).encode("utf-16"),
            ),
            "not UTF-8",
            id="utf-16",
        ),
        pytest.param(
            lambda raw: edit_part(
                raw,
                part_of(raw, ENV).replace("worksheets/", "worksheets/_rels/") + ".rels",
                lambda d: re.sub(rb"<Relationship [^>]*/comments\"[^>]*/>", b"", d),
            ),
            "a drawing (form controls) without comments",
            id="drawing-without-comments",
        ),
        pytest.param(
            lambda raw: with_openpyxl(raw, lambda wb: wb.create_sheet("反馈 FEEDBACK")),
            "in other letter case",
            id="name-in-other-case",
        ),
        pytest.param(
            lambda raw: edit_part(
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
        patched(spoil(returned), {(ENV, "E6"): CellNote(RED, "not a number")})
    assert why in str(refused.value)


def test_the_text_sheet_wraps_its_rows_in_heights_that_fit_and_prints_on_a4(returned: bytes) -> None:
    wb = open_workbook(patched(returned, {}))
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
