"""The package: an .xlsx's parts and relationships as read, and a writer that copies every part it
does not touch byte for byte."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from esgflow.findings import Refused
from esgflow.workbooks.ooxml.xml import (
    CT_RELS,
    PKG_REL,
    TYPES,
    Edits,
    Element,
    Unsupported,
    ns_prefix,
    relative_target,
    rels_path,
    resolve_target,
    scan,
    start_tag,
    utf8,
)
from esgflow.workbooks.safe_zip import SafeZip


class Rels:
    """A relationships part: read, and relationships added."""

    def __init__(self, package: Package, source: str) -> None:
        self.package, self.source, self.part = package, source, rels_path(source)
        self.exists = package.has(self.part)
        self.rels: list[Element] = []
        if self.exists:
            self.data = utf8(package.read(self.part), self.part)
            self.root, self.rels = scan(self.data, self.part, ["Relationship"])
            self.prefix = ns_prefix(self.root, PKG_REL, self.part)
            self.edits = Edits(self.data)
        self.ids = {r.attrs.get("Id", "") for r in self.rels}
        self.added: list[str] = []

    def of_type(self, kind: str) -> list[Element]:
        return [r for r in self.rels if r.attrs.get("Type") == kind and r.attrs.get("TargetMode") != "External"]

    def target(self, rel: Element) -> str:
        return resolve_target(self.source, rel.attrs.get("Target", ""))

    def by_id(self, rid: str | None) -> Element | None:
        return next((r for r in self.rels if r.attrs.get("Id") == rid), None)

    def add(self, kind: str, target: str) -> str:
        n = len(self.ids) + 1
        while f"rId{n}" in self.ids:
            n += 1
        rid = f"rId{n}"
        self.ids.add(rid)
        prefix = self.prefix if self.exists else ""
        self.added.append(
            start_tag(
                f"{prefix}Relationship", {"Id": rid, "Type": kind, "Target": relative_target(self.source, target)}, True
            )
        )
        return rid

    def remove(self, rel: Element) -> None:
        self.edits.replace(rel.start, rel.end, "")

    def save(self) -> None:
        if self.exists:
            if self.added:
                self.edits.append(self.root, "".join(self.added))
            if self.edits.edits:
                self.package.write(self.part, self.edits.result())
        elif self.added:
            self.package.default("rels", CT_RELS)
            self.package.write(
                self.part,
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                f"{''.join(self.added)}</Relationships>".encode(),
            )


class Package:
    """The zip's members, with parts replaced, added and removed.

    Parts are read only when edited (with SafeZip's size limit; the container checks ran before);
    the others are copied compressed as they are, in their order, new parts after them.
    """

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        try:
            self.zf = SafeZip(zipfile.ZipFile(io.BytesIO(raw)), "workbook")
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise Unsupported(f"not a readable zip archive ({exc})") from exc
        self.infos = self.zf.archive.infolist()
        self.names = [i.filename for i in self.infos]
        if len(set(self.names)) != len(self.names):
            raise Unsupported("the archive holds two members of one name")
        self.lower = {n.lower() for n in self.names}
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self.overrides: dict[str, str] = {}  # part -> content type
        self.defaults: dict[str, str] = {}  # extension -> content type
        self.types_part = "[Content_Types].xml"
        self.types = utf8(self.read(self.types_part), self.types_part)
        self.types_root, found = scan(self.types, self.types_part, ["Default", "Override"])
        ns_prefix(self.types_root, TYPES, self.types_part)
        self.type_els = found
        self.known_defaults = {e.attrs.get("Extension", "").lower() for e in found if e.local == "Default"}

    def has(self, part: str) -> bool:
        return part in self.changed or (part not in self.removed and part in self.names)

    def read(self, part: str) -> bytes:
        if part in self.changed:
            return self.changed[part]
        if part not in self.names:
            raise Unsupported(f"the workbook has no part {part}")
        try:
            return self.zf.read(part)
        except Refused as exc:
            raise Unsupported(exc.finding.message) from exc

    def write(self, part: str, data: bytes) -> None:
        self.changed[part] = data
        self.lower.add(part.lower())

    def remove(self, part: str) -> None:
        self.removed.add(part)
        self.changed.pop(part, None)

    def free(self, pattern: str) -> str:
        """The first part name `pattern.format(n)` not in the package."""
        n = 1
        while pattern.format(n).lower() in self.lower:
            n += 1
        name = pattern.format(n)
        self.lower.add(name.lower())
        return name

    def override(self, part: str, content_type: str) -> None:
        self.overrides[part] = content_type

    def default(self, extension: str, content_type: str) -> None:
        if extension.lower() not in self.known_defaults:
            self.defaults[extension] = content_type
            self.known_defaults.add(extension.lower())

    def _content_types(self) -> bytes:
        edits = Edits(self.types)
        gone = {"/" + p for p in self.removed}
        for el in self.type_els:
            if el.local == "Override" and el.attrs.get("PartName") in gone:
                edits.replace(el.start, el.end, "")
        prefix = self.types_root.prefix
        xml = [
            start_tag(f"{prefix}Default", {"Extension": e, "ContentType": t}, True) for e, t in self.defaults.items()
        ]
        xml += [
            start_tag(f"{prefix}Override", {"PartName": "/" + p, "ContentType": t}, True)
            for p, t in self.overrides.items()
        ]
        if xml:
            edits.append(self.types_root, "".join(xml))
        return edits.result()

    def save(self) -> bytes:
        if self.overrides or self.defaults or self.removed:
            self.changed[self.types_part] = self._content_types()
        zip_ = _ZipWriter()
        for info in self.infos:
            name = info.filename
            if name in self.removed:
                continue
            if name in self.changed:
                zip_.add(name, self.changed[name], info.date_time, info.external_attr)
            else:
                zip_.copy(self.raw, info)
        for name, data in self.changed.items():
            if name not in self.names:
                zip_.add(name, data)
        return zip_.close()


class _ZipWriter:
    """A zip archive written by hand, so that unchanged members are copied without inflating them."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.central: list[bytes] = []

    def _entry(
        self,
        name: bytes,
        flags: int,
        method: int,
        when: tuple[int, ...],
        crc: int,
        sizes: tuple[int, int],
        payload: bytes | memoryview,
        external: int,
    ) -> None:
        year, month, day, hour, minute, second = when[:6]
        dos_time = hour << 11 | minute << 5 | second // 2
        dos_date = max(year - 1980, 0) << 9 | month << 5 | day
        offset = len(self.out)
        common = (flags, method, dos_time, dos_date, crc, *sizes, len(name))
        self.out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *common, 0) + name
        self.out += payload
        self.central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, *common, 0, 0, 0, 0, external, offset) + name
        )

    def copy(self, raw: bytes, info: zipfile.ZipInfo) -> None:
        """A member of `raw` as it is stored: its name's bytes, compressed data, CRC and sizes."""
        at = info.header_offset
        head = struct.unpack_from("<IHHHHHIIIHH", raw, at)
        if head[0] != 0x04034B50:
            raise Unsupported(f"member {info.filename} has no local header")
        name = raw[at + 30 : at + 30 + head[9]]
        start = at + 30 + head[9] + head[10]
        payload = memoryview(raw)[start : start + info.compress_size]
        flags = info.flag_bits & ~0x08  # sizes in the header, no data descriptor after the data
        sizes = (info.compress_size, info.file_size)
        self._entry(name, flags, info.compress_type, info.date_time, info.CRC, sizes, payload, info.external_attr)

    def add(self, name: str, data: bytes, when: tuple[int, ...] = (1980, 1, 1, 0, 0, 0), external: int = 0) -> None:
        squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
        payload = squeeze.compress(data) + squeeze.flush()
        encoded, flags = (name.encode("ascii"), 0) if name.isascii() else (name.encode("utf-8"), 0x800)
        self._entry(
            encoded, flags, zipfile.ZIP_DEFLATED, when, zlib.crc32(data), (len(payload), len(data)), payload, external
        )

    def close(self) -> bytes:
        directory = b"".join(self.central)
        n = len(self.central)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(directory), len(self.out), 0)
        return bytes(self.out + directory + end)
