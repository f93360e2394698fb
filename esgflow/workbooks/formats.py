"""What a file that is not an .xlsx return really is, and what its reporter should do, in both languages.

Reporters send what their office program saved: LibreOffice's .ods, Excel's binary .xlsb,
Apple Numbers, WPS's .et, a CSV, a PDF or a photo of the printout. Each is told apart by its
content, never by its name (a .ods renamed .xlsx is still a .ods), and refused with one
sentence that says what the file is and how to send it as an Excel Workbook.

Every refusal carries an English message (the finding's `message`, kept in the archive's
log and the warehouse) and a Chinese one looked up from it by `in_language`. Each channel
picks the wording of the person it speaks to:
  - mail answers (`notices.kept_reason`): the sender's language, both when unknown;
  - the portal (`portal.views.finding_rows`): the viewer's page language;
  - the outcome line (`Outcome.line`): English, the command's language, with the Chinese
    beside it unless the entity the file name suggests (`<ENTITY>_<P>.xlsx`; used for the
    wording only, never trusted for anything else) writes English.
Strict Open XML workbooks are not refused here: the reader goes by local names, so their
defined names read exactly as a transitional workbook's do.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

from esgflow.findings import Refused, refuse

_SEND = "then send it again"
_SEND_ZH = "后重新发送"
_TEMPLATE = "fill in the Excel template you were sent (.xlsx) and send that file"
_TEMPLATE_ZH = "请在下发的 Excel 模板（.xlsx）中填写后发送该文件"
_COPY = "copy your figures into the Excel template you were sent (.xlsx) and send that file"
_COPY_ZH = "请将数据填入下发的 Excel 模板（.xlsx）后发送该文件"
_OR_COPY_ZH = "或将数据填入下发的 Excel 模板（.xlsx）后发送该文件"
_RESAVE = f"open your original in Excel, save it again as Excel Workbook (.xlsx), {_SEND}"
_RESAVE_ZH = f"请在 Excel 中打开原文件，重新另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}"

# kind -> (rule, English, Chinese); {names} in braces are the details a refusal fills in
WORDING: dict[str, tuple[str, str, str]] = {
    "ods": (
        "not_xlsx",
        f"saved as OpenDocument spreadsheet (.ods); open it and save it as Excel Workbook (.xlsx), {_SEND}",
        f"这是 OpenDocument 电子表格（.ods）；请打开后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "ods_encrypted": (
        "password_protected",
        "saved as a password-protected OpenDocument spreadsheet (.ods); open it, remove the password and save "
        f"it as Excel Workbook (.xlsx), {_SEND}",
        f"这是设置了密码的 OpenDocument 电子表格（.ods）；请打开后取消密码，另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "fods": (
        "not_xlsx",
        f"saved as Flat OpenDocument spreadsheet (.fods); open it and save it as Excel Workbook (.xlsx), {_SEND}",
        f"这是 OpenDocument 平面 XML 电子表格（.fods）；请打开后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "odf_other": (
        "not_xlsx",
        f"this is an OpenDocument text, presentation or drawing, not a spreadsheet; {_TEMPLATE}",
        f"这是 OpenDocument 文字、演示或绘图文件，不是电子表格；{_TEMPLATE_ZH}",
    ),
    "xlsb": (
        "not_xlsx",
        f"saved as Excel Binary Workbook (.xlsb); open it in Excel and save it as Excel Workbook (.xlsx), {_SEND}",
        f"这是 Excel 二进制工作簿（.xlsb）；请在 Excel 中打开后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "numbers": (
        "not_xlsx",
        "saved as Apple Numbers (.numbers); in Numbers choose File > Export To > Excel and send the .xlsx file",
        "这是 Apple Numbers 文件（.numbers）；请在 Numbers 中选择“文件 > 导出为 > Excel”，发送导出的 .xlsx 文件",
    ),
    "word": (
        "not_xlsx",
        f"this is a Word document, not an Excel workbook; {_TEMPLATE}",
        f"这是 Word 文档，不是 Excel 工作簿；{_TEMPLATE_ZH}",
    ),
    "powerpoint": (
        "not_xlsx",
        f"this is a PowerPoint presentation, not an Excel workbook; {_TEMPLATE}",
        f"这是 PowerPoint 演示文稿，不是 Excel 工作簿；{_TEMPLATE_ZH}",
    ),
    "zip": (
        "not_xlsx",
        f"this is a zip archive, not an Excel workbook; attach the workbook itself, not packed in a zip: {_TEMPLATE}",
        f"这是 zip 压缩包，不是 Excel 工作簿；请直接附上工作簿本身，不要压缩：{_TEMPLATE_ZH}",
    ),
    "damaged_zip": (
        "not_xlsx",
        "the file is a damaged zip archive, not a readable workbook; open your original in Excel, save it "
        f"again as Excel Workbook (.xlsx), {_SEND}",
        f"文件已损坏（zip 结构不完整），无法读取；请在 Excel 中打开原文件，重新另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "zip_encrypted": (
        "password_protected",
        f"the archive is encrypted (password-protected); save the workbook without a password as .xlsx, {_SEND}",
        f"文件已加密（设置了密码）；请取消密码，另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "xls": (
        "not_xlsx",
        "this is a legacy Excel 97-2003 file (.xls); save it as .xlsx (File > Save As > Excel Workbook) and "
        "send it again",
        f"这是旧版 Excel 97-2003 文件（.xls）；请另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "et": (
        "not_xlsx",
        "saved in WPS Office's own spreadsheet format (.et or .xls); in WPS choose File > Save As > "
        f"Excel Workbook (.xlsx), {_SEND}",
        f"这是 WPS 表格格式（.et 或 .xls）；请在 WPS 中选择“文件 > 另存为 > Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "office97": (
        "not_xlsx",
        f"this is an older Word or PowerPoint 97-2003 document, not an Excel workbook; {_TEMPLATE}",
        f"这是旧版 Word 或 PowerPoint 97-2003 文档，不是 Excel 工作簿；{_TEMPLATE_ZH}",
    ),
    "macros": (
        "macros",
        "the workbook contains macros (VBA); macros are never run or kept: save it as 'Excel Workbook (.xlsx)' "
        "and send it again",
        f"工作簿含有宏（VBA）；宏不会被运行或保存：请另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "macro_sheet": (
        "macros",
        "the workbook contains an Excel 4.0 macro sheet or an automatic macro (Auto_Open); macros are never run "
        "or kept: copy your figures into the Excel template you were sent (.xlsx), save it as 'Excel Workbook "
        "(.xlsx)' and send it again",
        f"工作簿含有 Excel 4.0 宏表或自动运行的宏（Auto_Open）；宏不会被运行或保存：{_COPY_ZH}",
    ),
    "external_links": (
        "external_links",
        "the workbook links to other files or workbooks (external links); links are never followed or kept: "
        "in Excel choose Data > Edit Links > Break Link, save it as 'Excel Workbook (.xlsx)' and send it again",
        "工作簿含有指向其他文件或工作簿的外部链接；链接不会被打开或保存："
        f"请在 Excel 中选择“数据 > 编辑链接 > 断开链接”，另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "embedded_objects": (
        "embedded_objects",
        "the workbook contains embedded objects or ActiveX controls; they are never opened or kept: delete them "
        "(or copy your figures into the Excel template you were sent), save it as 'Excel Workbook (.xlsx)' and "
        "send it again",
        f"工作簿含有嵌入对象或 ActiveX 控件；这些内容不会被打开或保存：请删除后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "encrypted": (
        "password_protected",
        "the workbook is password-protected; remove the password (File > Info > Protect Workbook) and send it again",
        f"工作簿设置了打开密码；请取消密码（文件 > 信息 > 保护工作簿）{_SEND_ZH}",
    ),
    "pdf": (
        "not_xlsx",
        f"this is a PDF document, not an Excel workbook (.xlsx); not a print or PDF of it: {_TEMPLATE}",
        f"这是 PDF 文档，不是 Excel 工作簿（.xlsx）；请勿发送打印件或 PDF，{_TEMPLATE_ZH}",
    ),
    "image": (
        "not_xlsx",
        f"this is a picture ({{detail}}), not an Excel workbook; not a photo or screenshot of it: {_TEMPLATE}",
        f"这是图片（{{detail}}），不是 Excel 工作簿；请勿发送照片或截图，{_TEMPLATE_ZH}",
    ),
    "html": (
        "not_xlsx",
        f"this is a web page (HTML) saved with a spreadsheet name; open it in Excel and save it as Excel "
        f"Workbook (.xlsx), {_SEND}",
        f"这是网页文件（HTML），只是名称像电子表格；请在 Excel 中打开后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "xml2003": (
        "not_xlsx",
        f"saved as XML Spreadsheet 2003; open it in Excel and save it as Excel Workbook (.xlsx), {_SEND}",
        f"这是 XML 电子表格 2003 格式；请在 Excel 中打开后另存为“Excel 工作簿（.xlsx）”{_SEND_ZH}",
    ),
    "gnumeric": (
        "not_xlsx",
        f"saved as a Gnumeric workbook (.gnumeric); save it as Excel 2007 (.xlsx), {_SEND}",
        f"这是 Gnumeric 工作簿（.gnumeric）；请另存为 Excel 2007（.xlsx）格式{_SEND_ZH}",
    ),
    "text": (
        "not_xlsx",
        f"this is a text or CSV file, not an Excel workbook (.xlsx); a CSV loses the template's named cells: "
        f"{_TEMPLATE}",
        f"这是文本或 CSV 文件，不是 Excel 工作簿（.xlsx）；CSV 会丢失模板中的命名单元格，{_TEMPLATE_ZH}",
    ),
    "empty": (
        "not_xlsx",
        "the file is empty (0 bytes); attach the filled workbook again",
        "文件为空（0 字节）；请重新附上填好的工作簿",
    ),
    "not_template": (
        "missing_metadata",
        f"the workbook has no defined name {{detail}}; it is not an esgflow template: {_TEMPLATE}",
        f"工作簿中没有定义名称 {{detail}}，不是 esgflow 下发的模板；{_TEMPLATE_ZH}",
    ),
    "unknown": (
        "not_xlsx",
        f"this is not a file format esgflow reads, not an Excel workbook (.xlsx); {_TEMPLATE}",
        f"无法识别的文件格式，不是 Excel 工作簿（.xlsx）；{_TEMPLATE_ZH}",
    ),
    # Refusals of the safety bounds (safe_zip, reader): the numbers are for the office, the action
    # for the reporter, who most likely pasted a whole export or sent a broken copy.
    "too_large": (
        "too_large",
        "the file is {size} MiB; a return is far smaller: remove pictures and extra sheets, or " + _COPY,
        "文件大小为 {size} MiB，远大于一份填好的报表：请删除图片和多余的工作表，" + _OR_COPY_ZH,
    ),
    "zip_parts": (
        "zip_bomb",
        f"the archive holds {{count}} parts; a workbook holds a few dozen, so it is not opened: {_TEMPLATE}",
        f"文件包含 {{count}} 个部件，而工作簿只有几十个，出于安全不予打开；{_TEMPLATE_ZH}",
    ),
    "zip_unpacks": (
        "zip_bomb",
        f"the archive unpacks to {{size}} MiB; refused as a zip bomb: {_TEMPLATE}",
        f"文件解压后达 {{size}} MiB，按压缩炸弹拒收；{_TEMPLATE_ZH}",
    ),
    "zip_ratio": (
        "zip_bomb",
        f"part {{part}} is compressed {{ratio}}:1; refused as a zip bomb: {_TEMPLATE}",
        f"部件 {{part}} 的压缩比为 {{ratio}}:1，按压缩炸弹拒收；{_TEMPLATE_ZH}",
    ),
    "part_unbounded": (
        "zip_bomb",
        f"part {{part}} unpacks beyond {{size}} MiB; refused as a zip bomb: {_TEMPLATE}",
        f"部件 {{part}} 解压后超过 {{size}} MiB，按压缩炸弹拒收；{_TEMPLATE_ZH}",
    ),
    "sheet_bytes": (
        "oversized_sheet",
        f"worksheet part {{part}} unpacks to {{size}} MiB, far larger than any template; {_COPY}",
        f"工作表部件 {{part}} 解压后达 {{size}} MiB，远大于任何模板；{_COPY_ZH}",
    ),
    "sheet_rows": (
        "oversized_sheet",
        f"worksheet part {{part}} has more than {{rows}} rows, far more than any template; delete the rows "
        f"below the figures, or {_COPY}",
        f"工作表部件 {{part}} 超过 {{rows}} 行，远多于任何模板；请删除数据以下的多余行，{_OR_COPY_ZH}",
    ),
    "rows": (
        "oversized_sheet",
        f"sheet has more than {{rows}} rows, far more than any template; delete the rows below the figures, or {_COPY}",
        f"工作表超过 {{rows}} 行，远多于任何模板；请删除数据以下的多余行，{_OR_COPY_ZH}",
    ),
    "columns": (
        "oversized_sheet",
        f"sheet uses columns far beyond any template; delete the columns right of the figures, or {_COPY}",
        f"工作表使用的列远超任何模板；请删除数据右侧的多余列，{_OR_COPY_ZH}",
    ),
    "xml_entities": (
        "xml_entities",
        f"part {{part}} declares XML entities or a DTD (an entity-expansion attack); refused: {_RESAVE}",
        f"部件 {{part}} 声明了 XML 实体或 DTD（实体扩展攻击），不予打开；{_RESAVE_ZH}",
    ),
    "malformed_xml": (
        "not_xlsx",
        f"part {{part}} is not well-formed XML (line {{line}}, column {{column}}), so the file is damaged; {_RESAVE}",
        f"部件 {{part}} 不是格式正确的 XML（第 {{line}} 行第 {{column}} 列），文件已损坏；{_RESAVE_ZH}",
    ),
    "damaged_part": (
        "not_xlsx",
        f"part {{part}} of the workbook is damaged; {_RESAVE}",
        f"工作簿的部件 {{part}} 已损坏；{_RESAVE_ZH}",
    ),
    "missing_string": (
        "not_xlsx",
        f"the cell refers to shared string {{index}}, which does not exist, so the file is damaged; {_RESAVE}",
        f"该单元格引用的共享字符串 {{index}} 不存在，文件已损坏；{_RESAVE_ZH}",
    ),
    # A template of a period not open (last year's, during this year's collection): said to the reporter in
    # their language, naming the template's year and the period collected now.
    "period_not_open": (
        "wrong_metadata",
        "this is the template of {period}, which is not open for collection; returns are collected now for "
        "{open}: fill in the template of {open} (from the portal or the ESG office)",
        "这是 {period} 报告期的模板，该报告期目前不接收填报；现在接收的是 {open} 报告期的填报，"
        "请填写 {open} 报告期的模板（可在填报平台下载或向 ESG 工作办公室索取）",
    ),
    "no_period_open": (
        "wrong_metadata",
        "this is the template of {period}, which is not open for collection, and no period is open now; "
        "ask the ESG office",
        "这是 {period} 报告期的模板，该报告期目前不接收填报，现在也没有开放填报的报告期；请与 ESG 工作办公室联系",
    ),
    "missing_part": (
        "not_xlsx",
        f"the workbook has no part {{part}}, so it is damaged; {_RESAVE}",
        f"工作簿缺少部件 {{part}}，文件已损坏；{_RESAVE_ZH}",
    ),
}

_IMAGES: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"), "PNG"),
    (lambda d: d.startswith(b"\xff\xd8\xff"), "JPEG"),
    (lambda d: d.startswith((b"GIF87a", b"GIF89a")), "GIF"),
    (lambda d: d.startswith(b"BM") and len(d) > 14, "BMP"),
    (lambda d: d.startswith((b"II*\x00", b"MM\x00*")), "TIFF"),
    (lambda d: d.startswith(b"RIFF") and d[8:12] == b"WEBP", "WebP"),
    (lambda d: d[4:8] == b"ftyp" and d[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc"), "HEIC"),
)
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_ODF = b"application/vnd.oasis.opendocument."


def refusal(
    kind: str,
    file: str | None,
    detail: str = "",
    *,
    sheet: str | None = None,
    cell: str | None = None,
    **details: object,
) -> Refused:
    """The refusal of `kind`, its message filled in with `detail` (the one unnamed detail) or named details."""
    rule, en, _zh = WORDING[kind]
    return refuse(rule, en.format(detail=detail, **details), file=file, sheet=sheet, cell=cell)


def in_language(message: str, lang: str) -> str:
    """A refusal's message in zh or en; 'both' gives Chinese then English; other messages stay as they are."""
    zh = _chinese(message)
    if zh is None or lang == "en":
        return message
    return zh if lang == "zh" else f"{zh} / {message}"


def is_format_refusal(message: str) -> bool:
    """Whether a finding's message is one of these refusals (its words then say what to do)."""
    return _chinese(message) is not None


def _pattern(english: str) -> re.Pattern[str]:
    """The English wording as a pattern whose named groups take back the details filled in."""
    parts = re.split(r"\{(\w+)\}", english)  # text, name, text, name, ..., text
    seen: set[str] = set()
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        else:  # a detail named twice is the same text both times
            out.append(f"(?P={part})" if part in seen else f"(?P<{part}>.+?)")
            seen.add(part)
    return re.compile("".join(out))


_PATTERNS: list[tuple[re.Pattern[str], str]] = [(_pattern(en), zh) for _rule, en, zh in WORDING.values()]


def _chinese(message: str) -> str | None:
    for pattern, zh in _PATTERNS:
        if match := pattern.fullmatch(message):
            return zh.format(**match.groupdict())
    return None


def not_zip(data: bytes) -> tuple[str, str]:
    """(kind, detail) of a file that is not a zip archive."""
    if not data:
        return "empty", ""
    if data.startswith(b"%PDF"):
        return "pdf", ""
    if data.startswith(OLE2):
        return _ole2(data), ""
    for test, name in _IMAGES:
        if test(data):
            return "image", name
    if data.startswith(b"\x1f\x8b"):
        return ("gnumeric" if b"gnm:Workbook" in _gunzip_head(data) else "unknown"), ""
    head = _text_head(data)
    if head is None:
        return "unknown", ""
    lowered = head.lstrip("\ufeff \t\r\n").lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return "xml2003", ""
    if "opendocument.spreadsheet" in lowered:
        return "fods", ""
    if lowered.startswith(("<!doctype html", "<html", "<table", "<meta")) or "<html" in lowered[:1024]:
        return "html", ""
    if "gnm:workbook" in lowered:
        return "gnumeric", ""
    return "text", ""


def zip_without_workbook(names: set[str], read: Callable[[str], bytes]) -> str:
    """The kind of a zip archive that has no xl/workbook.xml."""
    if "mimetype" in names:
        mimetype = read("mimetype")[:200].strip()
        if mimetype.startswith(_ODF + b"spreadsheet"):
            manifest = read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            return "ods_encrypted" if b"encryption-data" in manifest else "ods"
        if mimetype.startswith(_ODF):
            return "odf_other"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "Index.zip" in names or any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        return "numbers"
    if any(n.startswith("word/") for n in names):
        return "word"
    if any(n.startswith("ppt/") for n in names):
        return "powerpoint"
    return "zip"


def _ole2(data: bytes) -> str:
    """Compound files: encrypted OOXML, Excel 97-2003 (Workbook/Book stream), WPS, or another Office document."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if b"WPS" in data or "WPS".encode("utf-16-le") in data:  # the creating application, in its summary
        return "et"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return "office97"


def _gunzip_head(data: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[:65536], 4096)
    except zlib.error:
        return b""


def _text_head(data: bytes) -> str | None:
    """The first few kilobytes as text when the file is text (UTF-8, UTF-16 with a BOM, or GB18030)."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8" and _cut_utf8(head):
                return head.decode("utf-8", errors="ignore")
    return None


def _cut_utf8(head: bytes) -> bool:
    """UTF-8 text whose first 4 KiB end inside a character."""
    try:
        head[:-3].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
