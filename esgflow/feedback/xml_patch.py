"""Annotate an .xlsx by editing its XML in place: cells filled and commented, a sheet of text rows put first.

openpyxl loads a whole workbook into objects and writes all of it again; this copies every part
of the package unchanged except the few it has to touch, and edits those at byte offsets found
with expat, so whatever it does not know (extensions, Excel's mc:Ignorable attributes, shared
strings, validations, protection) stays exactly as the reporter's program wrote it:

  - xl/styles.xml: a fill per colour, a bold font, and new cellXfs, each a copy of the marked
    cell's own xf with only the fill changed (number format, borders, protection are kept);
  - each marked sheet: the marked `<c>` elements get the new `s=` (a missing cell or row is
    created in order), plus a `<legacyDrawing>` when the sheet had no comments;
  - its comments part and legacy VML drawing (a note's box), new or with notes added: text
    for a cell that already has a comment is appended to it, as a new run;
  - a new worksheet part with the text rows in inline strings, first in workbook.xml's
    `<sheets>` (a sheet of that name is replaced), localSheetId of defined names shifted, the
    new sheet the active and only selected tab, lockStructure off;
  - the relationships and [Content_Types].xml of all of these.

Whatever it does not understand it refuses with Unsupported before writing anything, and the
caller falls back to openpyxl. These are (see `_unsupported` calls):
  - a part it edits that is not UTF-8 (a UTF-16 part), or Strict OOXML (other namespaces);
  - a marked sheet whose part is not a plain worksheet (a chart sheet, a macro sheet);
  - a marked sheet with a row or cell that has no r= reference, or a cell reference given
    other than as A1;
  - a marked sheet with a legacy VML drawing but no comments (form controls), shapes other
    than notes in its VML, comments without a drawing, threaded comments, or comments whose
    VML does not declare the usual namespaces on its root;
  - styles.xml missing its fonts, fills or cellXfs, or a cell whose style index is not in it;
  - a sheet already named like the new sheet, if the name differs only in letter case, its part
    is not a worksheet or has relationships of its own (drawings, comments, printer settings);
  - an archive with two members of one name, or a part it needs that is missing.
The container checks (SafeZip.open: no macros, no DTDs or entities, bounded sizes) ran on these
bytes before this runs; parts are read here through SafeZip's size limit and parsed with DTDs
and entities refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.parsers import expat

from esgflow.findings import Refused
from esgflow.workbooks import fit
from esgflow.workbooks.reader import column_letters, column_number
from esgflow.workbooks.safe_zip import SafeZip

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET = REL + "/worksheet"
COMMENTS = REL + "/comments"
VML_DRAWING = REL + "/vmlDrawing"
CALC_CHAIN = REL + "/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
VML = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")  # as esgflow.safety.write_text

# Worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet), where it goes before.
_AFTER_LEGACY_DRAWING = {
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
}
_HEAD = re.compile(rb"""<[^\s/>]+(?:[^>"']|"[^"]*"|'[^']*')*>""")  # a start tag, quotes respected
_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_OBJECT_TYPE = re.compile(rb"""ObjectType\s*=\s*["']([^"']*)["']""")
_SHAPE_ID = re.compile(rb"""\bid\s*=\s*["']_x0000_s(\d+)["']""")
_IDMAP = re.compile(rb"""idmap\b[^>]*?\bdata\s*=\s*["']([\d,\s]*)["']""")


class Unsupported(Exception):
    """The workbook holds something this module does not edit; write the copy with openpyxl instead."""


@dataclass(frozen=True)
class CellNote:
    fill: str  # ARGB of the cell's new fill
    text: str  # the comment, appended after a blank line to one the cell already has


@dataclass(frozen=True)
class TextSheet:
    """A sheet of text: a bold header row, then rows whose first cell may be filled."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | None, tuple[str, ...]], ...]  # (ARGB fill of the first cell or None, texts)
    widths: tuple[float, ...]

    def height(self, texts: tuple[str, ...]) -> float:
        """Points a row needs for its texts wrapped at the columns' widths."""
        return fit.row_height(zip(texts, self.widths, strict=False))


# -- XML at byte offsets ------------------------------------------------------------------------------


@dataclass(eq=False)
class _El:
    name: str  # as written, with its prefix
    local: str
    attrs: dict[str, str]
    depth: int
    start: int  # offset of '<'
    head: int  # offset just past the start tag
    close: int = -1  # offset of the end tag ('</'), == head for an empty element
    end: int = -1  # offset just past the element
    text: str = ""

    @property
    def empty(self) -> bool:
        return self.close == self.head

    @property
    def prefix(self) -> str:
        return self.name[: -len(self.local)]


class _Forbidden(Exception):
    pass


def _forbid(*_args: object) -> None:
    raise _Forbidden


def _unsupported(part: str, why: str) -> Unsupported:
    return Unsupported(f"{part}: {why}")


def _scan(
    data: bytes,
    part: str,
    keep: Iterable[str],
    top: bool = False,
    text: Iterable[str] = (),
    when: dict[str, Callable[[dict[str, str]], bool]] | None = None,
) -> tuple[_El, list[_El]]:
    """(root, elements) in document order: those named in `keep`, with `top` every child of the root,
    and those named in `when` whose attributes pass its test.

    Only the elements kept cost more than expat's own pass: a sheet of thousands of cells is read
    for the few rows that matter.
    """
    wanted, texts, tests, upto = frozenset(keep), frozenset(text), when or {}, 1 if top else 0
    parser = expat.ParserCreate()
    parser.buffer_text = True
    for handler in ("StartDoctypeDeclHandler", "EntityDeclHandler", "UnparsedEntityDeclHandler"):
        setattr(parser, handler, _forbid)
    parser.ExternalEntityRefHandler = _forbid
    found: list[_El] = []
    stack: list[_El | None] = []
    roots: list[_El] = []
    into: list[_El] = []
    names: dict[str, tuple[str, bool, Callable[[dict[str, str]], bool] | None]] = {}
    push = stack.append

    def start(name: str, attrs: dict[str, str]) -> None:
        known = names.get(name)
        if known is None:
            local = name.rpartition(":")[2]
            known = names[name] = (local, local in wanted, tests.get(local))
        local, kept, test = known
        depth = len(stack)
        if not (kept or depth <= upto or (test is not None and test(attrs))):
            push(None)
            return
        at = parser.CurrentByteIndex
        m = _HEAD.match(data, at)
        if m is None:
            raise _unsupported(part, f"cannot find the end of <{name}>")
        el = _El(name, local, attrs, depth, at, m.end())
        push(el)
        (found if depth else roots).append(el)
        if local in texts:
            into.append(el)

    def end(_name: str) -> None:
        el = stack.pop()
        if el is None:
            return
        if data[el.head - 2 : el.head] == b"/>":
            el.close = el.end = el.head
        else:
            el.close = parser.CurrentByteIndex
            el.end = data.index(b">", el.close) + 1
        if into and into[-1] is el:
            into.pop()

    def chars(s: str) -> None:
        if into:
            into[-1].text += s

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if texts:
        parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except _Forbidden as exc:
        raise _unsupported(part, "declares a DTD or entities") from exc
    except expat.ExpatError as exc:
        raise _unsupported(part, f"not well-formed XML ({exc})") from exc
    return roots[0], found


def _utf8(data: bytes, part: str) -> bytes:
    """The part, refused unless it is UTF-8 (byte offsets and the text spliced in are UTF-8)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\x00" or data[1:2] == b"\x00":
        raise _unsupported(part, "is not UTF-8")
    m = _ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _unsupported(part, f"is encoded in {m.group(1).decode()}")
    return data


def clean(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (control characters, lone surrogates) replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def _attr(value: str) -> str:
    value = clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _text(value: str) -> str:
    return clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _t(prefix: str, value: str) -> str:
    """A <t> element; whitespace at its ends kept."""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<{prefix}t{space}>{_text(value)}</{prefix}t>"


def _tag(name: str, attrs: dict[str, str], empty: bool = False) -> str:
    inner = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    return f"<{name}{inner}{'/>' if empty else '>'}"


def _ns_prefix(root: _El, namespace: str, part: str) -> str:
    """The prefix ('' or 'x:') the root element uses for `namespace`, which must be its own."""
    key = "xmlns:" + root.prefix[:-1] if root.prefix else "xmlns"
    if root.attrs.get(key) != namespace:
        raise _unsupported(part, f"its root is not in {namespace}")
    return root.prefix


def _declared(root: _El, namespace: str) -> str | None:
    """A prefix the root declares for `namespace`, if any."""
    return next((k[6:] for k, v in root.attrs.items() if k.startswith("xmlns:") and v == namespace), None)


def _attr_of(el: _El, local: str) -> str | None:
    """An attribute by its local name, whatever its prefix (r:id)."""
    return next((v for k, v in el.attrs.items() if k.rpartition(":")[2] == local), None)


class _Edits:
    """Replacements at byte offsets of one part, applied in one pass."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.edits: list[tuple[int, int, int, bytes]] = []

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, len(self.edits), text.encode("utf-8")))

    def insert(self, at: int, text: str) -> None:
        self.replace(at, at, text)

    def retag(self, el: _El, attrs: dict[str, str]) -> None:
        """Rewrite an element's start tag with other attributes."""
        self.replace(el.start, el.head, _tag(el.name, attrs, el.empty))

    def append(self, el: _El, xml: str) -> None:
        """Add children at the end of an element (only once per element that is empty)."""
        if el.empty:
            self.replace(el.start, el.end, _tag(el.name, el.attrs) + xml + f"</{el.name}>")
        else:
            self.insert(el.close, xml)

    def result(self) -> bytes:
        out, pos = [], 0
        for start, end, _, text in sorted(self.edits):
            if start < pos:
                raise Unsupported("overlapping edits")
            out += [self.data[pos:start], text]
            pos = end
        out.append(self.data[pos:])
        return b"".join(out)


def _split(ref: str, part: str) -> tuple[int, int]:
    """(row, column), both from 1, of an A1 reference."""
    m = _REF.match(ref.upper())
    if not m:
        raise _unsupported(part, f"cell reference {ref!r} is not A1-style")
    return int(m.group(2)), column_number(m.group(1))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _relative(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source))


# -- the package ---------------------------------------------------------------------------------------


class _Rels:
    """A relationships part: read, and relationships added."""

    def __init__(self, package: _Package, source: str) -> None:
        self.package, self.source, self.part = package, source, _rels_path(source)
        self.exists = package.has(self.part)
        self.rels: list[_El] = []
        if self.exists:
            self.data = _utf8(package.read(self.part), self.part)
            self.root, self.rels = _scan(self.data, self.part, ["Relationship"])
            self.prefix = _ns_prefix(self.root, PKG_REL, self.part)
            self.edits = _Edits(self.data)
        self.ids = {r.attrs.get("Id", "") for r in self.rels}
        self.added: list[str] = []

    def of_type(self, kind: str) -> list[_El]:
        return [r for r in self.rels if r.attrs.get("Type") == kind and r.attrs.get("TargetMode") != "External"]

    def target(self, rel: _El) -> str:
        return _resolve(self.source, rel.attrs.get("Target", ""))

    def by_id(self, rid: str | None) -> _El | None:
        return next((r for r in self.rels if r.attrs.get("Id") == rid), None)

    def add(self, kind: str, target: str) -> str:
        n = len(self.ids) + 1
        while f"rId{n}" in self.ids:
            n += 1
        rid = f"rId{n}"
        self.ids.add(rid)
        prefix = self.prefix if self.exists else ""
        self.added.append(
            _tag(f"{prefix}Relationship", {"Id": rid, "Type": kind, "Target": _relative(self.source, target)}, True)
        )
        return rid

    def remove(self, rel: _El) -> None:
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


class _Package:
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
        self.types = _utf8(self.read(self.types_part), self.types_part)
        self.types_root, found = _scan(self.types, self.types_part, ["Default", "Override"])
        _ns_prefix(self.types_root, TYPES, self.types_part)
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
        edits = _Edits(self.types)
        gone = {"/" + p for p in self.removed}
        for el in self.type_els:
            if el.local == "Override" and el.attrs.get("PartName") in gone:
                edits.replace(el.start, el.end, "")
        prefix = self.types_root.prefix
        xml = [_tag(f"{prefix}Default", {"Extension": e, "ContentType": t}, True) for e, t in self.defaults.items()]
        xml += [
            _tag(f"{prefix}Override", {"PartName": "/" + p, "ContentType": t}, True) for p, t in self.overrides.items()
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


# -- styles ----------------------------------------------------------------------------------------------


class _Styles:
    """New fills, a bold font and cell formats, each a copy of an existing one with one thing changed."""

    def __init__(self, package: _Package, part: str) -> None:
        self.package, self.part = package, part
        self.data = _utf8(package.read(part), part)
        root, found = _scan(self.data, part, ["fonts", "font", "fills", "fill", "cellXfs", "xf"])
        self.p = _ns_prefix(root, MAIN, part)
        lists = {e.local: e for e in found if e.depth == 1 and e.local in ("fonts", "fills", "cellXfs")}
        if len(lists) < 3 or any(e.empty for e in lists.values()):
            raise _unsupported(part, "has no fonts, fills or cell formats")
        self.lists = lists
        self.items = {
            name: [e for e in found if e.depth == 2 and el.head <= e.start < el.close] for name, el in lists.items()
        }
        self.new: dict[str, list[str]] = {"fonts": [], "fills": [], "cellXfs": []}
        self.cache: dict[object, int] = {}

    def _add(self, kind: str, xml: str) -> int:
        self.new[kind].append(xml)
        return len(self.items[kind]) + len(self.new[kind]) - 1

    def fill(self, argb: str) -> int:
        key = ("fill", argb)
        if key not in self.cache:
            p = self.p
            self.cache[key] = self._add(
                "fills",
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{_attr(argb)}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>',
            )
        return self.cache[key]

    def bold(self) -> int:
        """The first font (the workbook's default), bold."""
        if "bold" not in self.cache:
            base = self.items["fonts"][0] if self.items["fonts"] else None
            p = self.p
            if base is None or base.empty:
                xml = f"<{p}font><{p}b/></{p}font>"
            else:
                inner = self.data[base.head : base.close].decode("utf-8")
                bold = "" if re.search(r"<(?:\w+:)?b[\s/>]", inner) else f"<{p}b/>"
                xml = _tag(base.name, base.attrs) + bold + inner + f"</{base.name}>"
            self.cache["bold"] = self._add("fonts", xml)
        return self.cache["bold"]

    def xf(
        self, base: int, fill: str | None = None, bold: bool = False, quote: bool = False, wrap: bool = False
    ) -> int:
        """A cell format like cellXfs[base] with a fill, the bold font, a quote prefix or text wrapped at the top."""
        if not (fill or bold or quote or wrap):
            return base
        key = ("xf", base, fill, bold, quote, wrap)
        if key not in self.cache:
            xfs = self.items["cellXfs"]
            if not 0 <= base < len(xfs):
                raise _unsupported(self.part, f"has no cell format {base}")
            el = xfs[base]
            attrs = dict(el.attrs)
            if fill:
                attrs["fillId"], attrs["applyFill"] = str(self.fill(fill)), "1"
            if bold:
                attrs["fontId"], attrs["applyFont"] = str(self.bold()), "1"
            if quote:
                attrs["quotePrefix"] = "1"
            inner = "" if el.empty else self.data[el.head : el.close].decode("utf-8")
            if wrap:  # alignment comes first among an xf's children; one the base had is replaced
                attrs["applyAlignment"] = "1"
                inner = re.sub(r"<(?:\w+:)?alignment\b[^>]*?(?:/>|>.*?</(?:\w+:)?alignment>)", "", inner, flags=re.S)
                inner = f'<{self.p}alignment wrapText="1" vertical="top"/>' + inner
            empty = not inner
            self.cache[key] = self._add(
                "cellXfs", _tag(el.name, attrs, empty) + ("" if empty else inner + f"</{el.name}>")
            )
        return self.cache[key]

    def save(self) -> None:
        edits = _Edits(self.data)
        for kind, added in self.new.items():
            if added:
                el = self.lists[kind]
                edits.retag(el, {**el.attrs, "count": str(len(self.items[kind]) + len(added))})
                edits.insert(el.close, "".join(added))
        if edits.edits:
            self.package.write(self.part, edits.result())


# -- sheets ------------------------------------------------------------------------------------------------


@dataclass
class _Row:
    el: _El
    number: int
    cells: list[tuple[int, _El]] = field(default_factory=list)  # (column, <c>)


class _Sheet:
    """A worksheet part: where its rows and cells are, and edits to it."""

    def __init__(self, package: _Package, part: str, rows: Iterable[int] = ()) -> None:
        """Where the sheet's rows are, and the cells of `rows` (none: only its views, to unselect it)."""
        self.part = part
        self.data = _utf8(package.read(part), part)
        wanted = {str(r) for r in rows}
        current: list[str | None] = [None]

        def row(attrs: dict[str, str]) -> bool:
            current[0] = attrs.get("r")
            return True

        when = {"row": row, "c": lambda _attrs: current[0] in wanted} if wanted else None
        self.root, found = _scan(self.data, part, ["sheetData", "sheetView"], top=True, when=when)
        self.p = _ns_prefix(self.root, MAIN, part)
        if self.root.local != "worksheet":
            raise _unsupported(part, f"is a {self.root.local}, not a worksheet")
        self.top = [e for e in found if e.depth == 1]
        self.views = [e for e in found if e.local == "sheetView"]
        self.sheet_data = next((e for e in self.top if e.local == "sheetData"), None)
        self.rows: list[_Row] = []
        for e in found:
            if e.depth == 2 and e.local == "row" and self.sheet_data and e.start < self.sheet_data.close:
                self.rows.append(_Row(e, self._number(e.attrs.get("r"))))
            elif e.depth == 3 and e.local == "c" and self.rows and e.start < self.rows[-1].el.close:
                row, column = _split(e.attrs.get("r") or "", part) if e.attrs.get("r") else (0, 0)
                if row != self.rows[-1].number:
                    raise _unsupported(part, "has a cell without its reference, or outside its row")
                self.rows[-1].cells.append((column, e))
        self.edits = _Edits(self.data)

    def _number(self, r: str | None) -> int:
        if not r or not r.isdigit():
            raise _unsupported(self.part, "has a row without its number")
        return int(r)

    def style_of(self, ref: str) -> int:
        row, column = _split(ref, self.part)
        for r in self.rows:
            if r.number == row:
                for c, el in r.cells:
                    if c == column:
                        s = el.attrs.get("s") or "0"
                        if not s.isdigit():
                            raise _unsupported(self.part, f"cell {ref} has style {s!r}")
                        return int(s)
        return 0  # a cell not written has the default format, as openpyxl gives it

    def set_styles(self, styles: dict[str, int]) -> None:
        """Give cells (A1 -> cellXfs index) their style, creating cells and rows that are missing."""
        wanted: dict[int, dict[int, int]] = {}
        for ref, s in styles.items():
            row, column = _split(ref, self.part)
            wanted.setdefault(row, {})[column] = s
        p = self.p
        by_number = {r.number: r for r in self.rows}
        new_rows: list[tuple[int, str]] = []
        for number, columns in sorted(wanted.items()):
            row = by_number.get(number)
            if row is None:
                cells = "".join(f'<{p}c r="{column_letters(c)}{number}" s="{s}"/>' for c, s in sorted(columns.items()))
                new_rows.append((number, f'<{p}row r="{number}">{cells}</{p}row>'))
                continue
            existing = dict(row.cells)
            inserts: list[tuple[int, str]] = []  # (offset, xml)
            for column, s in sorted(columns.items()):
                if column in existing:
                    el = existing[column]
                    self.edits.retag(el, {**el.attrs, "s": str(s)})
                    continue
                after = next((el for c, el in row.cells if c > column), None)
                xml = f'<{p}c r="{column_letters(column)}{number}" s="{s}"/>'
                inserts.append((after.start if after else -1, xml))
            attrs = self._spans(row, [c for c in columns if c not in existing])
            if row.el.empty and inserts:
                body = "".join(x for _, x in inserts)
                self.edits.replace(row.el.start, row.el.end, _tag(row.el.name, attrs) + body + f"</{row.el.name}>")
                continue
            if attrs != row.el.attrs:
                self.edits.retag(row.el, attrs)
            for at, xml in inserts:
                self.edits.insert(row.el.close if at < 0 else at, xml)
        if new_rows:
            if self.sheet_data is None:
                raise _unsupported(self.part, "has no sheetData")
            if self.sheet_data.empty:
                self.edits.append(self.sheet_data, "".join(x for _, x in new_rows))
                return
            for number, xml in new_rows:
                after = next((r.el for r in self.rows if r.number > number), None)
                self.edits.insert(after.start if after else self.sheet_data.close, xml)

    @staticmethod
    def _spans(row: _Row, columns: list[int]) -> dict[str, str]:
        """The row's attributes, its spans hint widened to new cells."""
        spans = row.el.attrs.get("spans")
        if not (spans and columns):
            return row.el.attrs
        try:
            bounds = [int(b) for s in spans.split() for b in s.split(":")]
        except ValueError:
            return {k: v for k, v in row.el.attrs.items() if k != "spans"}
        low, high = min(bounds + columns), max(bounds + columns)
        return {**row.el.attrs, "spans": f"{low}:{high}"}

    def unselect(self) -> None:
        for view in self.views:
            if view.attrs.get("tabSelected") in ("1", "true"):
                self.edits.retag(view, {k: v for k, v in view.attrs.items() if k != "tabSelected"})

    def legacy_drawing(self) -> _El | None:
        return next((e for e in self.top if e.local == "legacyDrawing"), None)

    def add_legacy_drawing(self, rid: str) -> None:
        r = _declared(self.root, REL)
        attrs = {f"{r}:id": rid} if r else {"xmlns:r": REL, "r:id": rid}
        after = next((e for e in self.top if e.local in _AFTER_LEGACY_DRAWING), None)
        self.edits.insert(after.start if after else self.root.close, _tag(f"{self.p}legacyDrawing", attrs, True))


# -- comments ---------------------------------------------------------------------------------------------


def _note_shape(v: str, o: str, x: str, shape_id: int, row: int, column: int, text: str) -> str:
    """A hidden note box beside its cell (row and column from 0), tall enough for its text."""
    lines = sum(1 + len(line) // 40 for line in text.split("\n"))
    height = min(max(60, 14 * lines + 6), 400)
    anchor = f"{column + 1}, 15, {max(row - 1, 0)}, 10, {column + 3}, 15, {row + 1 + lines}, 4"
    return (
        f'<{v}:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
        f'margin-top:1.5pt;width:216pt;height:{height}pt;z-index:{shape_id};visibility:hidden" fillcolor="#ffffe1" '
        f'{o}:insetmode="auto"><{v}:fill color2="#ffffe1"/><{v}:shadow on="t" color="black" obscured="t"/>'
        f'<{v}:path {o}:connecttype="none"/><{v}:textbox style="mso-direction-alt:auto">'
        f'<div style="text-align:left"></div></{v}:textbox><{x}:ClientData ObjectType="Note"><{x}:MoveWithCells/>'
        f"<{x}:SizeWithCells/><{x}:Anchor>{anchor}</{x}:Anchor><{x}:AutoFill>False</{x}:AutoFill>"
        f"<{x}:Row>{row}</{x}:Row><{x}:Column>{column}</{x}:Column></{x}:ClientData></{v}:shape>"
    )


def _shape_type(v: str, o: str) -> str:
    return (
        f'<{v}:shapetype id="_x0000_t202" coordsize="21600,21600" {o}:spt="202" path="m,l,21600r21600,l21600,xe">'
        f'<{v}:stroke joinstyle="miter"/><{v}:path gradientshapeok="t" {o}:connecttype="rect"/></{v}:shapetype>'
    )


class _Comments:
    """Notes to add to one sheet: to its comments part and VML drawing, or in new ones."""

    def __init__(self, package: _Package, sheet: _Sheet, rels: _Rels, author: str) -> None:
        self.package, self.sheet, self.rels, self.author = package, sheet, rels, author
        part = sheet.part
        comments = rels.of_type(COMMENTS)
        legacy = sheet.legacy_drawing()
        if any(r.attrs.get("Type", "").endswith(("/threadedComment", "/threadedComments")) for r in rels.rels):
            raise _unsupported(part, "has threaded comments")
        if len(comments) > 1 or bool(comments) != bool(legacy):
            raise _unsupported(part, "has comments without a drawing, or a drawing (form controls) without comments")
        self.comments_part = rels.target(comments[0]) if comments else None
        self.vml_part = None
        if legacy is not None:
            rel = rels.by_id(_attr_of(legacy, "id"))
            if rel is None or rel.attrs.get("Type") != VML_DRAWING:
                raise _unsupported(part, "has a legacy drawing that is not a VML drawing")
            self.vml_part = rels.target(rel)
            if not (package.has(self.comments_part or "") and package.has(self.vml_part)):
                raise _unsupported(part, "refers to a comments part or drawing that is missing")

    def add(self, notes: dict[str, str]) -> None:
        """Notes by cell (A1 -> text)."""
        cells = {ref: _split(ref, self.sheet.part) for ref in notes}
        if self.comments_part is None:
            self._create(notes, cells)
            return
        assert self.vml_part is not None
        new = self._add_comments(notes, cells)
        if new:
            self._add_shapes(new, notes, cells)

    def _create(self, notes: dict[str, str], cells: dict[str, tuple[int, int]]) -> None:
        package = self.package
        comments_part = package.free("xl/comments{}.xml")
        vml_part = package.free("xl/drawings/vmlDrawing{}.vml")
        order = sorted(notes, key=lambda ref: cells[ref])
        body = "".join(
            f'<comment ref="{ref}" authorId="0" shapeId="0"><text>{_t("", notes[ref])}</text></comment>'
            for ref in order
        )
        package.write(
            comments_part,
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}"><authors>'
            f"<author>{_text(self.author)}</author></authors><commentList>{body}</commentList></comments>".encode(),
        )
        first = _next_idmap(package)
        shapes = "".join(
            _note_shape("v", "o", "x", first * 1024 + 1 + i, cells[ref][0] - 1, cells[ref][1] - 1, notes[ref])
            for i, ref in enumerate(order)
        )
        namespaces = " ".join(f'xmlns:{p}="{ns}"' for p, ns in VML.items())
        package.write(
            vml_part,
            f'<xml {namespaces}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{first}"/></o:shapelayout>'
            f"{_shape_type('v', 'o')}{shapes}</xml>".encode(),
        )
        package.override(comments_part, CT_COMMENTS)
        package.default("vml", CT_VML)
        self.rels.add(COMMENTS, comments_part)
        self.sheet.add_legacy_drawing(self.rels.add(VML_DRAWING, vml_part))

    def _add_comments(self, notes: dict[str, str], cells: dict[str, tuple[int, int]]) -> list[str]:
        """Append to existing comments, add the others; returns the cells that got a new comment."""
        part = self.comments_part
        assert part is not None
        data = _utf8(self.package.read(part), part)
        root, found = _scan(
            data, part, ["authors", "author", "commentList", "comment", "text", "rPh", "phoneticPr"], text=["author"]
        )
        p = _ns_prefix(root, MAIN, part)
        edits = _Edits(data)
        authors = next((e for e in found if e.local == "authors" and e.depth == 1), None)
        listing = next((e for e in found if e.local == "commentList" and e.depth == 1), None)
        if authors is None or listing is None:
            raise _unsupported(part, "has no authors or comment list")
        names = [e.text for e in found if e.local == "author" and e.depth == 2]
        existing: dict[tuple[int, int], _El] = {}
        for e in found:
            if e.local == "comment" and e.depth == 2:
                existing[_split(e.attrs.get("ref", ""), part)] = e
        new = [ref for ref in notes if cells[ref] not in existing]
        for ref in notes:
            comment = existing.get(cells[ref])
            if comment is None:
                continue
            text = next((e for e in found if e.local == "text" and e.depth == 3 and comment.head <= e.start), None)
            if text is None or text.start >= comment.close:
                raise _unsupported(part, f"comment on {ref} has no text")
            run = f"<{p}r>{_t(p, chr(10) * 2 + notes[ref])}</{p}r>"
            if text.empty:
                edits.replace(text.start, text.end, _tag(text.name, text.attrs) + run + f"</{text.name}>")
                continue
            phonetic = next(
                (
                    e
                    for e in found
                    if e.local in ("rPh", "phoneticPr") and e.depth == 4 and text.head <= e.start < text.close
                ),
                None,
            )
            edits.insert(phonetic.start if phonetic else text.close, run)
        if new:
            if self.author in names:
                author_id = names.index(self.author)
            else:
                author_id = len(names)
                edits.append(authors, f"<{p}author>{_text(self.author)}</{p}author>")
            placed = sorted(existing.items())
            last = []
            for ref in sorted(new, key=lambda r: cells[r]):  # in cell order, as Excel keeps them
                after = next((el for at, el in placed if at > cells[ref]), None)
                xml = (
                    f'<{p}comment ref="{ref}" authorId="{author_id}" shapeId="0"><{p}text>'
                    f"{_t(p, notes[ref])}</{p}text></{p}comment>"
                )
                if after is None:
                    last.append(xml)
                else:
                    edits.insert(after.start, xml)
            if last:
                edits.append(listing, "".join(last))
        self.package.write(part, edits.result())
        return new

    def _add_shapes(self, new: list[str], notes: dict[str, str], cells: dict[str, tuple[int, int]]) -> None:
        part = self.vml_part
        assert part is not None
        data = self.package.read(part)
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
            raise _unsupported(part, "is not UTF-8")
        root = re.search(rb"<xml\b[^>]*>", data)
        close = data.rfind(b"</xml>")
        if root is None or close < 0:
            raise _unsupported(part, "is not a VML drawing")
        declared = {
            ns: m.group(1).decode()
            for ns in VML.values()
            if (m := re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(ns.encode()) + rb"[\"']", root.group(0)))
        }
        if len(declared) < len(VML):
            raise _unsupported(part, "does not declare the VML namespaces on its root")
        kinds = _OBJECT_TYPE.findall(data)
        shapes = re.findall(rb"<" + re.escape(declared[VML["v"]].encode()) + rb":shape[\s>/]", data)
        if any(k != b"Note" for k in kinds) or len(shapes) != len(kinds):
            raise _unsupported(part, "holds shapes other than notes (form controls, pictures)")
        v, o, x = (declared[VML[k]] for k in ("v", "o", "x"))
        ids = [int(i) for i in _SHAPE_ID.findall(data)]
        first = max(ids) + 1 if ids else _next_idmap(self.package) * 1024 + 1
        xml = "" if b"_x0000_t202" in data else _shape_type(v, o)
        xml += "".join(
            _note_shape(v, o, x, first + i, cells[ref][0] - 1, cells[ref][1] - 1, notes[ref])
            for i, ref in enumerate(sorted(new, key=lambda r: cells[r]))
        )
        self.package.write(part, data[:close] + xml.encode() + data[close:])


def _next_idmap(package: _Package) -> int:
    """A drawing id block (VML o:idmap) no drawing of the package uses."""
    used = [0]
    for name in package.names:
        if name.lower().endswith(".vml") and package.has(name):
            for m in _IDMAP.findall(package.read(name)):
                used += [int(n) for n in re.findall(rb"\d+", m)]
    for name, data in package.changed.items():
        if name.lower().endswith(".vml") and name not in package.names:
            used += [int(n) for m in _IDMAP.findall(data) for n in re.findall(rb"\d+", m)]
    return max(used) + 1


# -- the workbook ------------------------------------------------------------------------------------------


def _text_sheet(sheet: TextSheet, styles: _Styles) -> bytes:
    """The worksheet: text in inline strings, never a formula, and quote-prefixed where it looks like one."""

    def cell(ref: str, value: str, fill: str | None = None, bold: bool = False) -> str:
        if value == "":
            return ""
        s = styles.xf(0, fill=fill, bold=bold, quote=value.startswith(FORMULA_PREFIXES), wrap=not bold)
        style = f' s="{s}"' if s else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is>{_t("", value)}</is></c>'

    rows = ["".join(cell(f"{column_letters(i)}1", h, bold=True) for i, h in enumerate(sheet.header, 1))]
    for fill, texts in sheet.rows:
        n = len(rows) + 1
        rows.append(
            "".join(cell(f"{column_letters(i)}{n}", t, fill if i == 1 else None) for i, t in enumerate(texts, 1))
        )
    heights = [""] + [f' ht="{sheet.height(texts)}" customHeight="1"' for _, texts in sheet.rows]
    data = "".join(
        f'<row r="{n}"{ht}>{cells}</row>' for n, (ht, cells) in enumerate(zip(heights, rows, strict=True), 1)
    )
    width = max([len(sheet.header), *(len(t) for _, t in sheet.rows)])
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{column_letters(width)}{len(rows)}"/>'
        f'<sheetViews><sheetView tabSelected="1" '
        f'workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
        f'<sheetData>{data}</sheetData><printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" '
        f'top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape" '
        f'fitToWidth="1" fitToHeight="0"/><headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>'
        f"</worksheet>"
    ).encode()


def patch_workbook(raw: bytes, notes: dict[tuple[str, str], CellNote], sheet: TextSheet, author: str) -> bytes:
    """The workbook with cells (sheet, A1) filled and commented and `sheet` inserted first.

    Notes on sheets the workbook does not have, or on the sheet being replaced, are left out.
    Raises Unsupported, having written nothing, when the workbook needs openpyxl.
    """
    package = _Package(raw)
    book_part = "xl/workbook.xml"
    book = _utf8(package.read(book_part), book_part)
    root, found = _scan(
        book,
        book_part,
        ["sheets", "sheet", "workbookProtection", "workbookView"],
        top=True,
        when={"definedName": lambda attrs: "localSheetId" in attrs},
    )
    p = _ns_prefix(root, MAIN, book_part)
    rels = _Rels(package, book_part)
    sheets = [e for e in found if e.local == "sheet" and e.depth == 2]
    sheets_el = next((e for e in found if e.local == "sheets" and e.depth == 1), None)
    if sheets_el is None or sheets_el.empty:
        raise _unsupported(book_part, "lists no sheets")
    names = [e.attrs.get("name", "") for e in sheets]
    parts: dict[str, str] = {}
    for name, el in zip(names, sheets, strict=True):
        rel = rels.by_id(_attr_of(el, "id"))
        if rel is not None and rel.attrs.get("Type") == WORKSHEET:
            parts[name] = rels.target(rel)
    old = names.index(sheet.name) if sheet.name in names else None
    if old is None and any(n.lower() == sheet.name.lower() for n in names):
        raise _unsupported(book_part, f"has a sheet named like {sheet.name!r} in other letter case")
    if old is not None and (sheet.name not in parts or package.has(_rels_path(parts[sheet.name]))):
        raise _unsupported(book_part, f"its sheet {sheet.name!r} is not a plain worksheet")

    styles = _Styles(package, _styles_part(rels))
    marked: dict[str, dict[str, CellNote]] = {}
    for (sheet_name, ref), note in notes.items():
        if sheet_name in names and sheet_name != sheet.name:
            if sheet_name not in parts:
                raise _unsupported(book_part, f"sheet {sheet_name!r} is not a worksheet")
            marked.setdefault(sheet_name, {})[ref.upper()] = note
    edited: dict[str, _Sheet] = {}
    for sheet_name, cells in marked.items():
        rows = {_split(ref, parts[sheet_name])[0] for ref in cells}
        ws = edited[parts[sheet_name]] = _Sheet(package, parts[sheet_name], rows)
        sheet_rels = _Rels(package, ws.part)
        comments = _Comments(package, ws, sheet_rels, author)  # refuses before anything is written
        ws.set_styles({ref: styles.xf(ws.style_of(ref), fill=note.fill) for ref, note in cells.items()})
        comments.add({ref: note.text for ref, note in cells.items()})
        sheet_rels.save()
    for name, part in parts.items():  # the new sheet is the only one selected
        if name != sheet.name and part not in edited and b"tabSelected" in package.read(part):
            edited[part] = _Sheet(package, part)
    for ws in edited.values():
        ws.unselect()
        package.write(ws.part, ws.edits.result())

    edits = _Edits(book)
    r = _declared(root, REL)
    if old is None:
        sheet_part = package.free("xl/worksheets/sheet{}.xml")
        rid = rels.add(WORKSHEET, sheet_part)
        package.override(sheet_part, CT_WORKSHEET)
        ids = [int(e.attrs["sheetId"]) for e in sheets if e.attrs.get("sheetId", "").isdigit()]
        sheet_id = str(max(ids, default=0) + 1)
    else:
        sheet_part, el = parts[sheet.name], sheets[old]
        rid, sheet_id = _attr_of(el, "id") or "", el.attrs.get("sheetId", "")
        edits.replace(el.start, el.end, "")
        for calc in rels.of_type(CALC_CHAIN):  # it may list formulas of the sheet replaced; Excel rebuilds it
            package.remove(rels.target(calc))
            rels.remove(calc)
    attrs = {"name": sheet.name, "sheetId": sheet_id, **({f"{r}:id": rid} if r else {"xmlns:r": REL, "r:id": rid})}
    edits.insert(sheets_el.head, _tag(f"{p}sheet", attrs, True))
    package.write(sheet_part, _text_sheet(sheet, styles))

    def moved(index: int) -> int | None:
        if old is None or index < old:
            return index + 1
        return None if index == old else index

    for e in found:
        if e.local == "definedName" and e.attrs.get("localSheetId", "").isdigit():
            index = moved(int(e.attrs["localSheetId"]))
            if index is None:
                edits.replace(e.start, e.end, "")
            else:
                edits.retag(e, {**e.attrs, "localSheetId": str(index)})
        elif e.local == "workbookView":
            view = {**e.attrs, **{k: "0" for k in ("activeTab", "firstSheet") if k in e.attrs}}
            if view != e.attrs:
                edits.retag(e, view)
        elif e.local == "workbookProtection" and e.attrs.get("lockStructure") in ("1", "true"):
            edits.retag(e, {**e.attrs, "lockStructure": "0"})
    package.write(book_part, edits.result())
    rels.save()
    styles.save()
    return package.save()


def _styles_part(rels: _Rels) -> str:
    found = rels.of_type(REL + "/styles")
    if not found:
        raise _unsupported(rels.part, "has no styles")
    return rels.target(found[0])
