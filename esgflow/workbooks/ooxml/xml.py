"""XML at byte offsets: the namespaces and content types of a workbook package, a streaming scan
that finds each element's byte span (DTDs and entities refused), escaping, and edits spliced in by offset."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.parsers import expat

from esgflow.workbooks.reader import column_number

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


_HEAD = re.compile(rb"""<[^\s/>]+(?:[^>"']|"[^"]*"|'[^']*')*>""")  # a start tag, quotes respected


_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class Unsupported(Exception):
    """The workbook holds something this module does not edit; write the copy with openpyxl instead."""


@dataclass(eq=False)
class Element:
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


def unsupported(part: str, why: str) -> Unsupported:
    return Unsupported(f"{part}: {why}")


def scan(
    data: bytes,
    part: str,
    keep: Iterable[str],
    top: bool = False,
    text: Iterable[str] = (),
    when: dict[str, Callable[[dict[str, str]], bool]] | None = None,
) -> tuple[Element, list[Element]]:
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
    found: list[Element] = []
    stack: list[Element | None] = []
    roots: list[Element] = []
    into: list[Element] = []
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
            raise unsupported(part, f"cannot find the end of <{name}>")
        el = Element(name, local, attrs, depth, at, m.end())
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
        raise unsupported(part, "declares a DTD or entities") from exc
    except expat.ExpatError as exc:
        raise unsupported(part, f"not well-formed XML ({exc})") from exc
    return roots[0], found


def utf8(data: bytes, part: str) -> bytes:
    """The part, refused unless it is UTF-8 (byte offsets and the text spliced in are UTF-8)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\x00" or data[1:2] == b"\x00":
        raise unsupported(part, "is not UTF-8")
    m = _ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
        raise unsupported(part, f"is encoded in {m.group(1).decode()}")
    return data


def clean(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (control characters, lone surrogates) replaced by U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


def xml_attr(value: str) -> str:
    value = clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def xml_text(value: str) -> str:
    return clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def t_element(prefix: str, value: str) -> str:
    """A <t> element; whitespace at its ends kept."""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<{prefix}t{space}>{xml_text(value)}</{prefix}t>"


def start_tag(name: str, attrs: dict[str, str], empty: bool = False) -> str:
    inner = "".join(f' {k}="{xml_attr(v)}"' for k, v in attrs.items())
    return f"<{name}{inner}{'/>' if empty else '>'}"


def ns_prefix(root: Element, namespace: str, part: str) -> str:
    """The prefix ('' or 'x:') the root element uses for `namespace`, which must be its own."""
    key = "xmlns:" + root.prefix[:-1] if root.prefix else "xmlns"
    if root.attrs.get(key) != namespace:
        raise unsupported(part, f"its root is not in {namespace}")
    return root.prefix


def declared_prefix(root: Element, namespace: str) -> str | None:
    """A prefix the root declares for `namespace`, if any."""
    return next((k[6:] for k, v in root.attrs.items() if k.startswith("xmlns:") and v == namespace), None)


def attr_of(el: Element, local: str) -> str | None:
    """An attribute by its local name, whatever its prefix (r:id)."""
    return next((v for k, v in el.attrs.items() if k.rpartition(":")[2] == local), None)


class Edits:
    """Replacements at byte offsets of one part, applied in one pass."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.edits: list[tuple[int, int, int, bytes]] = []

    def replace(self, start: int, end: int, text: str) -> None:
        self.edits.append((start, end, len(self.edits), text.encode("utf-8")))

    def insert(self, at: int, text: str) -> None:
        self.replace(at, at, text)

    def retag(self, el: Element, attrs: dict[str, str]) -> None:
        """Rewrite an element's start tag with other attributes."""
        self.replace(el.start, el.head, start_tag(el.name, attrs, el.empty))

    def append(self, el: Element, xml: str) -> None:
        """Add children at the end of an element (only once per element that is empty)."""
        if el.empty:
            self.replace(el.start, el.end, start_tag(el.name, el.attrs) + xml + f"</{el.name}>")
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


def split_ref(ref: str, part: str) -> tuple[int, int]:
    """(row, column), both from 1, of an A1 reference."""
    m = _REF.match(ref.upper())
    if not m:
        raise unsupported(part, f"cell reference {ref!r} is not A1-style")
    return int(m.group(2)), column_number(m.group(1))


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve_target(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative_target(source: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(source))
