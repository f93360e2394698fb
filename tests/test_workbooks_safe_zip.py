"""Opening an untrusted .xlsx: the format is sniffed, decompression is bounded, macros and passwords refused."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import msoffcrypto
import pytest

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.findings import Refused
from esgflow.periods import parse_period
from esgflow.workbooks.formats import in_language
from esgflow.workbooks.safe_zip import MAX_FILE_BYTES, MAX_MEMBERS, RATIO_FLOOR, SafeZip
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import fill, libreoffice_resave


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    """A complete SAMI return for 2025, as openpyxl saves it."""
    folder = tmp_path_factory.mktemp("safe_zip")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return fill(template, folder / "in", {"env_diesel": 100})


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _refusal(data: bytes, file: str = "SAMI_2025.xlsx") -> tuple[str, str]:
    """(rule, message) of the refusal; fails when the bytes are opened."""
    with pytest.raises(Refused) as caught:
        SafeZip.open(data, file)
    finding = caught.value.finding
    assert finding.file == file and finding.severity == "error"
    return finding.rule, finding.message


def test_a_workbook_opens_and_its_parts_read_as_stored(filled: Path) -> None:
    zf = SafeZip.open(filled.read_bytes(), filled.name)
    assert zf.file == filled.name
    assert zf.has("xl/workbook.xml") and not zf.has("xl/vbaProject.bin")
    assert zf.read("xl/workbook.xml") == _parts(filled)["xl/workbook.xml"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF document, not an Excel workbook (.xlsx); not a print"),
        (b"code,value\nenv_diesel,100\n", "this is a text or CSV file, not an Excel workbook (.xlsx)"),
        ("指标,数值\n柴油,100\n".encode("gbk"), "this is a text or CSV file, not an Excel workbook (.xlsx)"),
        (b"\x00\x01binary", "this is not a file format esgflow reads, not an Excel workbook (.xlsx)"),
        (b"", "the file is empty (0 bytes); attach the filled workbook again"),
    ],
)
def test_not_an_xlsx(content: bytes, reason: str) -> None:
    rule, message = _refusal(content)
    assert rule == "not_xlsx" and message.startswith(reason)


def test_a_legacy_xls_saved_by_libreoffice(filled: Path, tmp_path: Path) -> None:
    [xls] = libreoffice_resave([filled], tmp_path / "xls", fmt="xls")
    rule, message = _refusal(xls.read_bytes(), xls.name)
    assert rule == "not_xlsx" and "legacy Excel 97-2003 file (.xls); save it as .xlsx" in message


def test_a_password_protected_workbook(filled: Path) -> None:
    office = msoffcrypto.OfficeFile(io.BytesIO(filled.read_bytes()))
    encrypted = io.BytesIO()
    office.encrypt("s3cret", encrypted)
    rule, message = _refusal(encrypted.getvalue())
    assert rule == "password_protected" and "password-protected; remove the password" in message


def test_an_encrypted_zip_archive(filled: Path) -> None:
    data = bytearray(_zip(_parts(filled)))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0, "encrypted", in every header
        start = data.find(signature)
        while start >= 0:
            data[start + flag_at] |= 0x1
            start = data.find(signature, start + 1)
    rule, message = _refusal(bytes(data))
    assert rule == "password_protected" and message.startswith("the archive is encrypted (password-protected); save")


def test_a_damaged_zip_archive(filled: Path) -> None:
    rule, message = _refusal(filled.read_bytes()[:2000])
    assert rule == "not_xlsx" and message.startswith("the file is a damaged zip archive, not a readable workbook")


def test_a_zip_archive_that_is_not_a_workbook() -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    rule, message = _refusal(data)
    assert rule == "not_xlsx" and message.startswith("this is a Word document, not an Excel workbook; fill in")


def test_a_file_larger_than_any_return_is_refused_before_it_is_opened(filled: Path) -> None:
    parts = _parts(filled)
    stored = _zip({**parts, "xl/media/image1.png": b""}, zipfile.ZIP_STORED)
    padding = os.urandom(MAX_FILE_BYTES - len(stored))  # incompressible, stored as is
    at_limit = _zip({**parts, "xl/media/image1.png": padding}, zipfile.ZIP_STORED)
    assert len(at_limit) == MAX_FILE_BYTES
    SafeZip.open(at_limit, "SAMI_2025.xlsx")  # the limit itself is allowed
    over = _zip({**parts, "xl/media/image1.png": padding + b"x"}, zipfile.ZIP_STORED)
    assert _refusal(over) == (
        "too_large",
        "the file is 20 MiB; a return is far smaller: remove pictures and extra sheets, or copy your figures "
        "into the Excel template you were sent (.xlsx) and send that file",
    )
    assert in_language(_refusal(over)[1], "zh") == (
        "文件大小为 20 MiB，远大于一份填好的报表：请删除图片和多余的工作表，"
        "或将数据填入下发的 Excel 模板（.xlsx）后发送该文件"
    )


@pytest.mark.parametrize(
    ("size", "reason"),
    [(120 * 1024 * 1024, "unpacks to 120 MiB; refused as a zip bomb"), (50 * 1024 * 1024, "refused as a zip bomb")],
)
def test_a_zip_bomb(filled: Path, size: int, reason: str) -> None:
    bomb = _zip({**_parts(filled), "xl/media/image1.png": bytes(size)})
    rule, message = _refusal(bomb)
    assert rule == "zip_bomb" and reason in message
    assert "按压缩炸弹拒收；请在下发的 Excel 模板（.xlsx）中填写后发送该文件" in in_language(message, "zh")


def test_a_highly_compressed_part_is_a_bomb_only_above_the_floor(filled: Path) -> None:
    SafeZip.open(_zip({**_parts(filled), "xl/media/image1.png": bytes(RATIO_FLOOR)}), "SAMI_2025.xlsx")
    rule, message = _refusal(_zip({**_parts(filled), "xl/media/image1.png": bytes(RATIO_FLOOR + 1)}))
    assert rule == "zip_bomb" and message.startswith("part xl/media/image1.png is compressed ")


def test_an_archive_of_too_many_parts(filled: Path) -> None:
    parts = _parts(filled)
    extra = {f"xl/media/image{n}.png": b"" for n in range(MAX_MEMBERS - len(parts))}
    SafeZip.open(_zip({**parts, **extra}), "SAMI_2025.xlsx")
    more = {**extra, "xl/media/one_more.png": b""}
    assert _refusal(_zip({**parts, **more})) == (
        "zip_bomb",
        f"the archive holds {MAX_MEMBERS + 1} parts; a workbook holds a few dozen, so it is not opened: "
        "fill in the Excel template you were sent (.xlsx) and send that file",
    )


@pytest.mark.parametrize("part", ["xl/vbaProject.bin", "xl/macros/VBAData.bin"])
def test_a_macro_workbook_is_refused_and_its_macros_never_run(filled: Path, part: str) -> None:
    parts = _parts(filled)
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    ).replace("spreadsheetml.sheet.main+xml", "sheet.macroEnabled.main+xml")
    parts |= {"[Content_Types].xml": types.encode(), part: b'\xd0\xcf\x11\xe0 Attribute VB_Name = "M" Shell("calc")'}
    rule, message = _refusal(_zip(parts), "SAMI_2025.xlsm")
    assert rule == "macros" and "contains macros (VBA); macros are never run or kept" in message


def test_a_worksheet_part_far_larger_than_any_template(filled: Path) -> None:
    sheet = b"<worksheet>" + os.urandom(9 * 512 * 1024).hex().encode() + b"</worksheet>"  # 9 MiB, hard to compress
    rule, message = _refusal(_zip({**_parts(filled), "xl/worksheets/sheet9.xml": sheet}))
    assert rule == "oversized_sheet" and message.startswith("worksheet part xl/worksheets/sheet9.xml unpacks to 9 MiB")
    assert in_language(message, "zh").startswith(
        "工作表部件 xl/worksheets/sheet9.xml 解压后达 9 MiB，远大于任何模板；请将数据填入"
    )


def test_a_part_is_read_up_to_a_hard_limit(filled: Path) -> None:
    zf = SafeZip.open(filled.read_bytes(), filled.name)
    zf.parts.pop("xl/workbook.xml")  # XML parts are kept from the checks; the limit is for what is read afresh
    size = len(_parts(filled)["xl/workbook.xml"])
    assert len(zf.read("xl/workbook.xml", limit=size)) == size
    with pytest.raises(Refused) as caught:
        zf.read("xl/workbook.xml", limit=size - 1)
    assert caught.value.finding.rule == "zip_bomb" and "unpacks beyond" in caught.value.finding.message


def test_a_missing_part_is_refused(filled: Path) -> None:
    zf = SafeZip.open(filled.read_bytes(), filled.name)
    with pytest.raises(Refused) as caught:
        zf.read("xl/sharedStrings.xml")
    assert (caught.value.finding.rule, caught.value.finding.message) == (
        "not_xlsx",
        "the workbook has no part xl/sharedStrings.xml, so it is damaged; open your original in Excel, "
        "save it again as Excel Workbook (.xlsx), then send it again",
    )
    assert in_language(caught.value.finding.message, "zh") == (
        "工作簿缺少部件 xl/sharedStrings.xml，文件已损坏；"
        "请在 Excel 中打开原文件，重新另存为“Excel 工作簿（.xlsx）”后重新发送"
    )
