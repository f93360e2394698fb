"""Files in the formats reporters really send: each is told apart by its content and refused with what
it is and how to send it, in English and Chinese; a copy of a refused file says which file and why;
a Strict Open XML return reads exactly."""

from __future__ import annotations

import gzip
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from esgflow.config import Settings
from esgflow.findings import Refused
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.workbooks.formats import WORDING, in_language
from esgflow.workbooks.safe_zip import SafeZip
from tests.returns_factory import _complete, fill, open_collection

CORPUS = Path(__file__).parent / "corpus" / "foreign"


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _refused(data: bytes) -> tuple[str, str]:
    with pytest.raises(Refused) as info:
        SafeZip.open(data, "SAMI_2025.xlsx")
    return info.value.finding.rule, info.value.finding.message


MADE = {  # formats the corpus has no file of, made here by their signatures
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image"),
    "bmp": (b"BM" + bytes(60), "image"),
    "tiff": (b"II*\x00" + bytes(60), "image"),
    "webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40), "image"),
    "heic": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(40), "image"),
    "csv_gbk": ("指标,数值\n柴油,100\n".encode("gbk"), "text"),
    "csv_utf16": ("code\tvalue\nenv_diesel\t100\n".encode("utf-16"), "text"),
    "html": (b"<html xmlns:x='urn:schemas-microsoft-com:office:excel'><body><table></table></body></html>", "html"),
    "gnumeric": (gzip.compress(b'<?xml version="1.0"?><gnm:Workbook xmlns:gnm="x">'), "gnumeric"),
    "empty": (b"", "empty"),
    "word": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}), "word"),
    "pptx": (_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), "powerpoint"),
    "odt": (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "odf_other"),
    "zip": (_zip({"SAMI_2025.xlsx": b"PK"}), "zip"),
    "numbers_index_zip": (_zip({"Index.zip": b"PK", "Metadata/Properties.plist": b""}), "numbers"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MADE))
def test_a_file_of_another_format_is_refused_saying_what_it_is_and_what_to_do(name: str) -> None:
    data, kind = MADE[name]
    rule, message = _refused(data)
    expected_rule, en, zh = WORDING[kind]
    detail = {"gif": "GIF", "bmp": "BMP", "tiff": "TIFF", "webp": "WebP", "heic": "HEIC"}.get(name, "")
    assert (rule, message) == (expected_rule, en.format(detail=detail))
    assert in_language(message, "zh") == zh.format(detail=detail) and in_language(message, "en") == message


@pytest.mark.parametrize(
    ("name", "en", "zh"),
    [
        ("calamine_issues.ods", "saved as OpenDocument spreadsheet (.ods); open it and save it as Excel Workbook "
         "(.xlsx), then send it again", "这是 OpenDocument 电子表格（.ods）；请打开后另存为“Excel 工作簿（.xlsx）”"),
        ("calamine_issues.xlsb", "saved as Excel Binary Workbook (.xlsb)", "这是 Excel 二进制工作簿（.xlsb）"),
        ("sheetjs_minimal_112.numbers", "saved as Apple Numbers (.numbers)", "这是 Apple Numbers 文件"),
        ("sheetjs_fn.et", "saved in WPS Office's own spreadsheet format", "这是 WPS 表格格式"),
        ("calamine_issues.xls", "legacy Excel 97-2003 file (.xls); save it as .xlsx", "这是旧版 Excel 97-2003 文件"),
        ("calamine_pass_protected.xlsx", "password-protected; remove the password", "工作簿设置了打开密码"),
        ("calamine_picture.png", "this is a picture (PNG)", "这是图片（PNG）"),
        ("sheetjs_sushi.xml", "saved as XML Spreadsheet 2003", "这是 XML 电子表格 2003 格式"),
        ("sheetjs_row_height.htm", "this is a web page (HTML)", "这是网页文件（HTML）"),
    ],
)  # fmt: skip
def test_a_foreign_file_is_named_for_what_it_is_in_both_languages(name: str, en: str, zh: str) -> None:
    _rule, message = _refused((CORPUS / name).read_bytes())
    assert en in message and zh in in_language(message, "zh")


def test_a_pdf_an_encrypted_workbook_and_a_damaged_zip_say_what_to_do(tmp_path: Path) -> None:
    rule, pdf = _refused(b"%PDF-1.7\n1 0 obj")
    assert rule == "not_xlsx" and "not a print or PDF of it: fill in the Excel template" in pdf
    assert "请勿发送打印件或 PDF" in in_language(pdf, "zh")
    rule, message = _refused((CORPUS / "calamine_pass_protected.xlsb").read_bytes())  # encrypted, so unreadable
    assert rule == "password_protected" and "请取消密码" in in_language(message, "zh")
    plain = (CORPUS / "calamine_issues.xlsx").read_bytes()
    rule, damaged = _refused(plain[:40])
    assert (
        rule == "not_xlsx"
        and "save it again as Excel Workbook (.xlsx)" in damaged
        and damaged.endswith("then send it again")
    )
    assert "文件已损坏" in in_language(damaged, "zh")


def test_the_outcome_line_gives_the_reporters_chinese_unless_the_named_entity_writes_english(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    init_warehouse(sqlite_settings)
    ods = (CORPUS / "calamine_issues.ods").read_bytes()
    folder = tmp_path / "in"
    folder.mkdir()
    for n, name in enumerate(["SAMI_2025.ods", "OS-IN_2025.ods", "returns.ods"]):  # bytes differ: no duplicates
        (folder / name).write_bytes(ods + bytes(n))  # a zip reads past trailing bytes
    lines = {o.path.name: o.line() for o in ingest_files(sqlite_settings, [folder])}
    en = "saved as OpenDocument spreadsheet (.ods); open it and save it as Excel Workbook (.xlsx), then send it again"
    zh = "这是 OpenDocument 电子表格（.ods）；请打开后另存为“Excel 工作簿（.xlsx）”后重新发送"
    assert lines["SAMI_2025.ods"] == f"SAMI_2025.ods: refused: {en} / {zh} [not_xlsx]"
    assert lines["OS-IN_2025.ods"] == f"OS-IN_2025.ods: refused: {en} [not_xlsx]"
    assert lines["returns.ods"] == f"returns.ods: refused: {en} / {zh} [not_xlsx]"


def test_a_copy_of_a_refused_file_says_which_file_and_why_and_a_copy_of_a_return_names_its_version(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    good = fill(templates["SAMI"], tmp_path / "in", {})
    ods = (CORPUS / "calamine_issues.ods").read_bytes()
    (tmp_path / "in" / "OS-IN_2025.ods").write_bytes(ods)
    (tmp_path / "in" / "OS-IN_2025 (1).ods").write_bytes(ods)
    (tmp_path / "in" / "SAMI_2025 (1).xlsx").write_bytes(good.read_bytes())
    outcomes = ingest_files(sqlite_settings, [tmp_path / "in"])
    lines = {o.path.name: o.line() for o in outcomes}
    refused = next(n for n in ("OS-IN_2025.ods", "OS-IN_2025 (1).ods") if lines[n].startswith(f"{n}: refused"))
    copy = ({"OS-IN_2025.ods", "OS-IN_2025 (1).ods"} - {refused}).pop()
    assert lines[copy] == (
        f"{copy}: duplicate of {refused}, which was refused: saved as OpenDocument spreadsheet (.ods); open it and "
        "save it as Excel Workbook (.xlsx), then send it again [not_xlsx]; nothing changed"
    )
    accepted = next(n for n in ("SAMI_2025.xlsx", "SAMI_2025 (1).xlsx") if "accepted" in lines[n])
    again = ({"SAMI_2025.xlsx", "SAMI_2025 (1).xlsx"} - {accepted}).pop()
    assert lines[again] == f"{again}: duplicate of SAMI 2025 version 1; nothing changed"
    with db.session_scope(sqlite_settings.database_url) as s:
        assert len(s.scalars(select(m.Submission)).all()) == 1  # the refused file and its copy stored nothing


# Strict Open XML (ISO/IEC 29500 strict) names its parts' namespaces under purl.oclc.org
_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/main": b"http://purl.oclc.org/ooxml/drawingml/main",
}


def test_a_return_saved_as_strict_open_xml_is_read_with_each_figure_exact(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    values = {"env_diesel": Decimal("123.456"), "env_water_total": Decimal("98765.4321")}
    filled = fill(templates["SAMI"], tmp_path / "filled", values)
    strict = tmp_path / "in" / "SAMI_2025.xlsx"
    strict.parent.mkdir()
    with zipfile.ZipFile(filled) as zin, zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            for transitional, iso in _STRICT.items():
                data = data.replace(transitional, iso)
            zout.writestr(item, data)
    with zipfile.ZipFile(strict) as z:
        assert b'xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"' in z.read("xl/workbook.xml")
    [outcome] = ingest_files(sqlite_settings, [strict])
    assert (outcome.status, outcome.entity, outcome.version) == ("accepted", "SAMI", 1), outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        rows = s.execute(
            select(m.Indicator.code, m.Observation.original_value).join(
                m.Indicator, m.Indicator.id == m.Observation.indicator_id
            )
        )
        written = {code: float(v.replace(",", "")) for code, v in rows if v is not None}
    assert written == {k: float(v) for k, v in {**_complete("SAMI"), **values}.items()}
