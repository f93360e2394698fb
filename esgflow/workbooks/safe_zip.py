"""Open an untrusted .xlsx safely: sniff the format, bound decompression, refuse active content.

Nothing here evaluates anything: members are read as bytes through a reader that stops
at a size limit whatever the zip's directory claims. Before anything parses the workbook,
every XML part is read once and refused if it declares a DTD or entities (whoever opens
it later, the reader or openpyxl for an annotated copy), and every worksheet, named or
hidden, is bounded in rows as well as bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from esgflow.workbooks import formats
from esgflow.workbooks.active import active_content

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_SHEET_BYTES = 8 * 1024 * 1024  # a template's sheet is a few tens of kilobytes
MAX_ROWS = 3000  # rows in any sheet; a template has a few hundred

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def sniff(data: bytes, file: str) -> None:
    """Refuse anything that is not a zip archive, saying what it is and how to send it instead."""
    if data.startswith(b"PK\x03\x04"):
        return
    kind, detail = formats.not_zip(data)
    raise formats.refusal(kind, file, detail)


def _declares_entities(data: bytes) -> bool:
    """Whether an XML part holds a DTD or an entity declaration, in whatever encoding it is written."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data[:1] == b"\x00":
        encoding = "utf-16-be"
    elif data[1:2] == b"\x00":
        encoding = "utf-16-le"
    else:  # a declaration starts with "<!": most parts have none at all, found at memory speed
        return b"<!" in data and _DECLARATION.search(data) is not None
    return _DECLARATION.search(data.decode(encoding, errors="ignore").encode("utf-8")) is not None


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


@dataclass
class SafeZip:
    """A checked zip archive whose members are read with hard size limits."""

    archive: zipfile.ZipFile
    file: str
    parts: dict[str, bytes] = field(default_factory=dict)  # XML parts, read once by the checks
    # (sheet name -> part, defined name -> references), parsed once by esgflow.workbooks.reader for every reader
    book: tuple[dict[str, str], dict[str, list[str]]] | None = None

    @classmethod
    def open(cls, data: bytes, file: str) -> SafeZip:
        if len(data) > MAX_FILE_BYTES:
            raise formats.refusal("too_large", file, size=len(data) // 1024 // 1024)
        sniff(data, file)
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise formats.refusal("damaged_zip", file) from exc  # the library's text helps no reporter
        names = {i.filename for i in infos}
        if len(infos) > MAX_MEMBERS:
            raise formats.refusal("zip_parts", file, count=len(infos))
        if any(i.flag_bits & 0x1 for i in infos):
            raise formats.refusal("zip_encrypted", file)
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise formats.refusal("zip_unpacks", file, size=total // 1024 // 1024)
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise formats.refusal("zip_ratio", file, part=i.filename, ratio=ratio)
        if "xl/workbook.xml" not in names:
            checked = cls(archive, file)
            raise formats.refusal(formats.zip_without_workbook(names, lambda n: checked.read(n, 1024 * 1024)), file)
        for i in infos:
            if i.filename.startswith("xl/worksheets/") and i.file_size > MAX_SHEET_BYTES:
                raise formats.refusal("sheet_bytes", file, part=i.filename, size=i.file_size // 1024 // 1024)
        checked = cls(archive, file)
        for i in infos:
            if _is_xml(i.filename):
                checked.parts[i.filename] = checked._check_part(i.filename)
        others = [i.filename for i in infos if not _is_xml(i.filename) and not i.is_dir()]
        found = active_content(checked.parts, others, checked._head)
        if found:  # by content: content types, relationship types, part contents; never by part names
            raise formats.refusal(found, file)
        return checked

    def _head(self, name: str) -> bytes:
        """A member's first bytes (an OLE compound file's signature and its first stream names)."""
        try:
            with self.archive.open(name) as member:
                return member.read(64 * 1024)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise formats.refusal("damaged_part", self.file, part=name) from exc

    def _check_part(self, name: str) -> bytes:
        data = self.read(name)
        if _declares_entities(data):
            raise formats.refusal("xml_entities", self.file, part=name)
        # every row tag holds "row": the tags are counted only when the word could be there often enough
        if name.startswith("xl/worksheets/") and data.count(b"row") > MAX_ROWS and len(_ROW.findall(data)) > MAX_ROWS:
            raise formats.refusal("sheet_rows", self.file, part=name, rows=MAX_ROWS)
        return data

    def has(self, name: str) -> bool:
        try:
            self.archive.getinfo(name)
        except KeyError:
            return False
        return True

    def read(self, name: str, limit: int = MAX_PART_BYTES) -> bytes:
        """A member's bytes, stopping at `limit` however large the directory says it is."""
        if name in self.parts:
            return self.parts[name]
        try:
            with self.archive.open(name) as member:
                data = member.read(limit + 1)
        except KeyError as exc:
            raise formats.refusal("missing_part", self.file, part=name) from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise formats.refusal("damaged_part", self.file, part=name) from exc  # zlib's text helps no reporter
        if len(data) > limit:
            raise formats.refusal("part_unbounded", self.file, part=name, size=limit // 1024 // 1024)
        return data
