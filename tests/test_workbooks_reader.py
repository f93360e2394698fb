"""Reading the cells a workbook's defined names point at, exactly as stored, and refusing hostile XML."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding, Refused
from esgflow.periods import parse_period
from esgflow.workbooks.formats import in_language
from esgflow.workbooks.reader import MAX_ROWS, NamedCells, RawCell, read_named_cells
from esgflow.workbooks.safe_zip import SafeZip
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import fill

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "Data"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    """A complete SAMI return for 2025, as openpyxl saves it, with a few cells set apart."""
    folder = tmp_path_factory.mktemp("reader")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    values = {"env_diesel": 12327323.56, "soc_employees_total": 123, "env_gasoline": "=1+1", "env_natural_gas": None}
    return fill(template, folder / "in", values, notes={"env_diesel": "more trucks"})


def _book(
    rows: str,
    names: dict[str, str],
    shared: str | None = None,
    *,
    sheet: str = SHEET,
    local_names: dict[str, str] | None = None,
    target: str = "worksheets/sheet1.xml",
    workbook: str | None = None,
    worksheet: str | None = None,
) -> SafeZip:
    """A workbook written part by part, as other spreadsheet programs write them."""
    defined = "".join(f'<definedName name="{n}">{ref}</definedName>' for n, ref in names.items())
    defined += "".join(
        f'<definedName name="{n}" localSheetId="0">{ref}</definedName>' for n, ref in (local_names or {}).items()
    )
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": workbook
        or (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/>'
            f"</sheets><definedNames>{defined}</definedNames></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/worksheet" Target="{target}"/></Relationships>',
        "xl/worksheets/sheet1.xml": worksheet or f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>',
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared if shared.startswith("<!") else f'<sst xmlns="{MAIN}">{shared}</sst>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return SafeZip.open(buf.getvalue(), "book.xlsx")


def _refused(make: Callable[[], SafeZip]) -> Finding:
    """The refusal of opening and reading a workbook (containers are checked whole as they are opened)."""
    with pytest.raises(Refused) as caught:
        read_named_cells(make())
    return caught.value.finding


def _rewritten(path: Path, replace: dict[str, bytes]) -> SafeZip:
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, replace.get(item.filename, zin.read(item.filename)))
    return SafeZip.open(buf.getvalue(), path.name)


def _read(path: Path) -> NamedCells:
    return read_named_cells(SafeZip.open(path.read_bytes(), path.name))


def test_every_defined_name_comes_back_with_its_sheet_and_cell(filled: Path) -> None:
    named = _read(filled)
    wb = load_workbook(filled)
    expected = {}
    for name in wb.defined_names:
        ((sheet, coord),) = wb.defined_names[name].destinations
        expected[name] = (sheet, coord.replace("$", ""))
    assert {n: (c.sheet, c.ref) for n, c in named.cells.items()} == expected
    assert named.not_single_cells == {}


def test_cells_come_back_exactly_as_stored(filled: Path) -> None:
    cells = _read(filled).cells
    ((_, where),) = load_workbook(filled).defined_names["env_diesel"].destinations  # wherever the layout puts it
    assert cells["env_diesel"] == RawCell("环境 Environmental", where.replace("$", ""), "n", "12327323.56", False)
    assert (cells["soc_employees_total"].type, cells["soc_employees_total"].text) == ("n", "123")
    assert (cells["env_diesel__note"].type, cells["env_diesel__note"].text) == ("inlineStr", "more trucks")
    gasoline = cells["env_gasoline"]  # text that looks like a formula stays text
    assert (gasoline.type, gasoline.text, gasoline.formula) == ("inlineStr", "=1+1", False)
    assert (cells["meta_entity"].text, cells["meta_period"].text) == ("SAMI", "2025")


def test_an_empty_cell_reads_as_blank(filled: Path) -> None:
    gas = _read(filled).cells["env_natural_gas"]
    assert (gas.type, gas.text, gas.formula) == ("", None, False)
    zf = _book('<row r="1"><c r="A1"><v>1</v></c></row>', {"nothing": f"{SHEET}!$C$9"})
    assert read_named_cells(zf).cells["nothing"] == RawCell(SHEET, "C9", "", None, False)


def test_a_formula_says_so_and_keeps_its_cached_value() -> None:
    rows = (
        '<row r="2"><c r="B2"><f>1+1</f><v>2</v></c><c r="C2"><f>1/0</f></c><c r="D2"><f>A1</f><v></v></c>'
        '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F2" t="str"><f>"a"</f><v>a</v></c></row>'
    )
    names = {
        "cached": "Data!$B$2",
        "none": "Data!$C$2",
        "empty": "Data!$D$2",
        "error": "Data!$E$2",
        "text": "Data!$F$2",
    }
    cells = read_named_cells(_book(rows, names)).cells
    assert cells["cached"] == RawCell(SHEET, "B2", "n", "2", True)
    assert cells["none"] == RawCell(SHEET, "C2", "n", None, True)  # a formula is never a blank
    assert cells["empty"] == RawCell(SHEET, "D2", "n", "", True)
    assert cells["error"] == RawCell(SHEET, "E2", "e", "#DIV/0!", True)
    assert cells["text"] == RawCell(SHEET, "F2", "str", "a", True)


def test_values_keep_their_stored_type() -> None:
    rows = (
        '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#REF!</v></c><c r="C1" t="d"><v>2025-01-31</v></c>'
        '<c r="D1" t="inlineStr"><is><r><t>12</t></r><r><t>3</t></r></is></c><c r="E1"><v>1.5E-7</v></c></row>'
    )
    names = {"b": "Data!A1", "e": "Data!B1", "d": "Data!C1", "inline": "Data!D1", "n": "Data!E1"}
    cells = read_named_cells(_book(rows, names)).cells
    assert {n: (c.type, c.text) for n, c in cells.items()} == {
        "b": ("b", "1"),
        "e": ("e", "#REF!"),
        "d": ("d", "2025-01-31"),
        "inline": ("inlineStr", "123"),
        "n": ("n", "1.5E-7"),
    }


def test_shared_strings_are_resolved_without_phonetic_guides() -> None:
    shared = (
        "<si><t>abc</t></si>"
        "<si><r><t>１２</t></r><r><rPr><b/></rPr><t>３</t></r></si>"
        '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
        '<si><t xml:space="preserve"> 1 234 </t></si>'
    )
    rows = '<row r="1">' + "".join(f'<c r="{col}1" t="s"><v>{n}</v></c>' for n, col in enumerate("ABCD")) + "</row>"
    zf = _book(
        rows, {"plain": "Data!$A$1", "rich": "Data!$B$1", "phonetic": "Data!$C$1", "spaced": "Data!$D$1"}, shared
    )
    cells = read_named_cells(zf).cells
    assert {n: (c.type, c.text) for n, c in cells.items()} == {
        "plain": ("str", "abc"),
        "rich": ("str", "１２３"),
        "phonetic": ("str", "東京"),
        "spaced": ("str", " 1 234 "),
    }


def test_a_shared_string_that_does_not_exist_is_refused() -> None:
    zf = _book('<row r="1"><c r="A1" t="s"><v>5</v></c></row>', {"x": "Data!$A$1"}, "<si><t>only</t></si>")
    finding = _refused(lambda: zf)
    assert (finding.rule, finding.sheet, finding.cell) == ("not_xlsx", SHEET, "A1")
    assert finding.message == (
        "the cell refers to shared string 5, which does not exist, so the file is damaged; open your original "
        "in Excel, save it again as Excel Workbook (.xlsx), then send it again"
    )
    assert in_language(finding.message, "zh").startswith("该单元格引用的共享字符串 5 不存在，文件已损坏")


def test_cells_without_a_reference_are_placed_after_the_one_before() -> None:
    rows = (
        '<row r="2"><c r="B2"><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>'
        "<row><c><v>4</v></c><c><v>5</v></c></row>"  # no r on the row either: the next row
    )
    names = {"b2": "Data!$B$2", "c2": "Data!$C$2", "d2": "Data!$D$2", "a3": "Data!$A$3", "b3": "Data!$B$3"}
    cells = read_named_cells(_book(rows, names)).cells
    assert {n: c.text for n, c in cells.items()} == {"b2": "1", "c2": "2", "d2": "3", "a3": "4", "b3": "5"}


def test_prefixed_xml_reads_the_same() -> None:
    workbook = (
        f'<x:workbook xmlns:x="{MAIN}" xmlns:r="{RELS}"><x:sheets><x:sheet name="{SHEET}" sheetId="1" r:id="rId1"/>'
        '</x:sheets><x:definedNames><x:definedName name="v">Data!$A$1</x:definedName></x:definedNames></x:workbook>'
    )
    worksheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>42</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    zf = _book("", {}, workbook=workbook, worksheet=worksheet)
    assert read_named_cells(zf).cells == {"v": RawCell(SHEET, "A1", "n", "42", False)}


def test_sheet_names_with_quotes_and_references_in_any_case() -> None:
    rows = '<row r="2"><c r="B2"><v>7</v></c></row>'
    zf = _book(
        rows, {"quoted": "'O''Brien &amp; Co'!$B$2", "lower": "'O''Brien &amp; Co'!b2"}, sheet="O'Brien &amp; Co"
    )
    cells = read_named_cells(zf).cells
    assert cells["quoted"] == cells["lower"] == RawCell("O'Brien & Co", "B2", "n", "7", False)


def test_an_absolute_relationship_target_is_followed() -> None:
    zf = _book('<row r="1"><c r="A1"><v>3</v></c></row>', {"v": "Data!$A$1"}, target="/xl/worksheets/sheet1.xml")
    assert read_named_cells(zf).cells["v"].text == "3"


def test_names_that_are_not_one_cell_are_set_apart() -> None:
    names = {
        "one": "Data!$A$1",
        "range": "Data!$A$1:$A$2",
        "elsewhere": "Nowhere!$A$1",
        "constant": "42",
        "_xlnm.Print_Area": "Data!$A$1:$H$40",
    }
    zf = _book('<row r="1"><c r="A1"><v>1</v></c></row>', names, local_names={"sheet_local": "Data!$A$1"})
    named = read_named_cells(zf)
    assert set(named.cells) == {"one"}
    assert named.not_single_cells == {"range": "Data!$A$1:$A$2", "elsewhere": "Nowhere!$A$1", "constant": "42"}


def test_xml_entity_expansion(filled: Path) -> None:
    with zipfile.ZipFile(filled) as z:
        workbook = z.read("xl/workbook.xml").decode("utf-8")
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    body = (workbook.split("?>", 1)[1] if workbook.startswith("<?xml") else workbook).replace(
        "<sheets>", "<sheets>&lol9;", 1
    )
    finding = _refused(lambda: _rewritten(filled, {"xl/workbook.xml": (laughs + body).encode()}))
    assert finding.rule == "xml_entities" and finding.file == filled.name
    assert finding.message == (
        "part xl/workbook.xml declares XML entities or a DTD (an entity-expansion attack); refused: open your "
        "original in Excel, save it again as Excel Workbook (.xlsx), then send it again"
    )
    assert in_language(finding.message, "zh").startswith(
        "部件 xl/workbook.xml 声明了 XML 实体或 DTD（实体扩展攻击），不予打开；"
    )


@pytest.mark.parametrize("part", ["xl/worksheets/sheet3.xml", "xl/_rels/workbook.xml.rels"])
def test_a_dtd_in_any_part_read_is_refused(filled: Path, part: str) -> None:
    with zipfile.ZipFile(filled) as z:
        text = z.read(part).decode("utf-8")
    doctype = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    text = text.replace("?>", "?>" + doctype, 1) if text.startswith("<?xml") else doctype + text
    finding = _refused(lambda: _rewritten(filled, {part: text.encode()}))
    assert finding.rule == "xml_entities" and f"part {part} declares XML entities" in finding.message


def test_a_shared_strings_part_with_entities_is_refused() -> None:
    shared = f'<!DOCTYPE sst [<!ENTITY a "aaaa">]><sst xmlns="{MAIN}"><si><t>&a;</t></si></sst>'
    finding = _refused(lambda: _book('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', {"x": "Data!$A$1"}, shared))
    assert finding.rule == "xml_entities" and "xl/sharedStrings.xml" in finding.message


def test_xml_that_is_not_well_formed_is_refused() -> None:
    finding = _refused(lambda: _book('<row r="1"><c r="A1"><v>1</v></row>', {"x": "Data!$A$1"}))
    assert (finding.rule, finding.message) == (
        "not_xlsx",
        "part xl/worksheets/sheet1.xml is not well-formed XML (line 1, column 120), so the file is damaged; "
        "open your original in Excel, save it again as Excel Workbook (.xlsx), then send it again",
    )
    assert "mismatched tag" not in finding.message  # expat's words help no reporter
    assert in_language(finding.message, "zh").startswith(
        "部件 xl/worksheets/sheet1.xml 不是格式正确的 XML（第 1 行第 120 列），文件已损坏；请在 Excel 中打开原文件"
    )


def test_a_workbook_without_its_relationships_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}"/>')
    finding = _refused(lambda: SafeZip.open(buf.getvalue(), "book.xlsx"))
    assert (finding.rule, finding.message) == (
        "not_xlsx",
        "the workbook has no part xl/_rels/workbook.xml.rels, so it is damaged; open your original in Excel, "
        "save it again as Excel Workbook (.xlsx), then send it again",
    )


def test_a_sheet_far_larger_than_any_template(filled: Path, tmp_path: Path) -> None:
    wb = load_workbook(filled)
    ws = wb["环境 Environmental"]
    for r in range(100, 5100):
        ws.cell(row=r, column=2, value=r)
    big = tmp_path / "SAMI_2025.xlsx"
    wb.save(big)
    finding = _refused(lambda: SafeZip.open(big.read_bytes(), big.name))
    assert finding.rule == "oversized_sheet" and finding.message.endswith(
        "has more than 3000 rows, far more than any template; delete the rows below the figures, or copy your "
        "figures into the Excel template you were sent (.xlsx) and send that file"
    )
    assert in_language(finding.message, "zh").endswith(
        "超过 3000 行，远多于任何模板；请删除数据以下的多余行，或将数据填入下发的 Excel 模板（.xlsx）后发送该文件"
    )


def test_rows_up_to_the_limit_are_read() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, MAX_ROWS + 1))
    assert read_named_cells(_book(rows, {"last": f"Data!$A${MAX_ROWS}"})).cells["last"].text == str(MAX_ROWS)
    rows += f'<row r="{MAX_ROWS + 1}"/>'
    assert _refused(lambda: _book(rows, {"last": "Data!$A$1"})).rule == "oversized_sheet"


def test_a_row_numbered_far_beyond_any_template_is_refused() -> None:
    rows = f'<row r="{MAX_ROWS * 10}"><c r="A{MAX_ROWS * 10}"><v>1</v></c></row>'
    assert read_named_cells(_book(rows, {"x": "Data!$A$1"})).cells["x"].type == ""
    rows = f'<row r="{MAX_ROWS * 10 + 1}"><c r="A{MAX_ROWS * 10 + 1}"><v>1</v></c></row>'
    assert _refused(lambda: _book(rows, {"x": "Data!$A$1"})).rule == "oversized_sheet"


@pytest.mark.parametrize(
    ("rows", "refused"),
    [
        ('<row r="1"><c r="BH1"><v>1</v></c></row>', False),  # column 60, the last allowed
        ('<row r="1"><c r="BI1"><v>1</v></c></row>', True),
        ('<row r="1"><c r="ZZ1"><v>1</v></c></row>', True),
        ('<row r="1"><c r="AAA1"><v>1</v></c></row>', True),
        ('<row r="1"><c r="BG1"><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>', True),  # BG, BH, then BI
    ],
)
def test_columns_far_beyond_any_template_are_refused(rows: str, refused: bool) -> None:
    zf = _book(rows, {"x": "Data!$A$1"})
    if refused:
        finding = _refused(lambda: zf)
        assert (finding.rule, finding.message) == (
            "oversized_sheet",
            "sheet uses columns far beyond any template; delete the columns right of the figures, or copy your "
            "figures into the Excel template you were sent (.xlsx) and send that file",
        )
        assert in_language(finding.message, "zh").startswith("工作表使用的列远超任何模板；请删除数据右侧的多余列")
    else:
        assert read_named_cells(zf).cells["x"].type == ""
