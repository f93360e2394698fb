"""Active content in an .xlsx, found by what the parts are, never by what they are called.

A return is figures; anything that runs, fetches or embeds is refused before the workbook is
read, so none of it is stored as a return or copied into the annotated workbook the office
downloads. Four things are looked at, each independent of part names:
  - the content type of every part ([Content_Types].xml: its Override, else the Default of its
    extension): VBA projects, macro-enabled workbooks, Excel 4.0 macro and dialog sheets,
    external links, OLE objects and ActiveX controls;
  - the type of every relationship in every .rels part, and every relationship that points
    outside the package (only web and mail hyperlinks may);
  - the contents of every part: an OLE compound file (a VBA project, an embedded object) by its
    signature, and an XML part whose root is a macro sheet, dialog sheet or external link, or a
    worksheet that carries OLE objects or controls;
  - the workbook's defined names: Excel 4.0 auto-run names (Auto_Open, Auto_Close, ...).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from posixpath import splitext

# What each kind is called in the refusal (esgflow.workbooks.formats.WORDING).
MACROS, MACRO_SHEET, EXTERNAL_LINK, EMBEDDED = "macros", "macro_sheet", "external_links", "embedded_objects"

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_VBA_STREAM = "_VBA_PROJECT".encode("utf-16-le")

# Lower-case fragments of content types, and what they are.
_CONTENT_TYPES = (
    ("vbaproject", MACROS),
    ("vbadata", MACROS),
    ("macroenabled", MACROS),
    ("macrosheet", MACRO_SHEET),
    ("dialogsheet", MACRO_SHEET),
    ("externallink", EXTERNAL_LINK),
    ("oleobject", EMBEDDED),
    ("activex", EMBEDDED),
    ("officedocument.package", EMBEDDED),
)
# The last segment of relationship types, lower case, and what they are.
_RELATIONSHIPS = {
    "vbaproject": MACROS,
    "vbaprojectsignature": MACROS,
    "wordvbadata": MACROS,
    "xlmacrosheet": MACRO_SHEET,
    "xlintlmacrosheet": MACRO_SHEET,
    "macrosheet": MACRO_SHEET,
    "dialogsheet": MACRO_SHEET,
    "externallink": EXTERNAL_LINK,
    "externallinkpath": EXTERNAL_LINK,
    "xlexternallinkpath": EXTERNAL_LINK,
    "xlpathmissing": EXTERNAL_LINK,
    "xlstartup": EXTERNAL_LINK,
    "xlalternatestartup": EXTERNAL_LINK,
    "xllibrary": EXTERNAL_LINK,
    "oleobject": EMBEDDED,
    "package": EMBEDDED,
    "activexcontrol": EMBEDDED,
    "activexcontrolbinary": EMBEDDED,
    "control": EMBEDDED,
    "attachedtemplate": MACROS,
}
_ROOTS = {"macrosheet": MACRO_SHEET, "dialogsheet": MACRO_SHEET, "externallink": EXTERNAL_LINK}
_WORKSHEET_CHILDREN = {"oleobjects": EMBEDDED, "controls": EMBEDDED}
_SHEET_OBJECTS = re.compile(rb"<(?:[a-z_][\w.-]*:)?(oleobjects|controls)[\s/>]")  # searched in lower case
_FIRST_TAG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<([^\s/>!?]+)", re.DOTALL)
_AUTO_RUN = re.compile(r"^(?:_xlnm\.)?auto_(?:open|close|activate|deactivate)", re.IGNORECASE)
_SAFE_LINK = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _parse(data: bytes) -> ET.Element | None:
    """A part already checked for DTDs and entities (SafeZip), parsed; None when it is not XML."""
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def _content_types(parts: dict[str, bytes], names: Iterable[str]) -> str | None:
    root = _parse(parts.get("[Content_Types].xml", b""))
    if root is None:
        return None
    defaults, overrides = {}, {}
    for child in root:
        kind = _local(child.tag)
        if kind == "default":
            defaults[child.get("Extension", "").lower()] = child.get("ContentType", "")
        elif kind == "override":
            overrides[child.get("PartName", "").lstrip("/").lower()] = child.get("ContentType", "")
    declared = list(overrides.values())
    declared += [defaults.get(splitext(n)[1].lstrip(".").lower(), "") for n in names if n.lower() not in overrides]
    for content_type in declared:
        for fragment, what in _CONTENT_TYPES:
            if fragment in content_type.lower():
                return what
    return None


def _relationships(parts: dict[str, bytes]) -> str | None:
    for name, data in parts.items():
        if not name.lower().endswith(".rels"):
            continue
        root = _parse(data)
        for rel in () if root is None else root:
            kind = rel.get("Type", "").rstrip("/").rsplit("/", 1)[-1].lower()
            if kind in _RELATIONSHIPS:
                return _RELATIONSHIPS[kind]
            external = (rel.get("TargetMode") or "").lower() == "external"
            if external and not (kind == "hyperlink" and _SAFE_LINK.match(rel.get("Target", "").strip())):
                return EXTERNAL_LINK
    return None


def _first_tag(data: bytes) -> str | None:
    """The local name of a UTF-8 part's root element, lower case, from its first tag (after the declaration,
    comments and processing instructions); None when it has none."""
    first = _FIRST_TAG.match(data)
    return _local(first.group(1).decode("utf-8", "replace")).rsplit(":", 1)[-1] if first else None


def _xml_contents(parts: dict[str, bytes]) -> str | None:
    for data in parts.values():
        # UTF-8 parts are read from their bytes; a part in UTF-16 or -32 (rare) is parsed, once
        as_bytes = _ascii_compatible(data)
        tree = None if as_bytes else _parse(data)
        local = _first_tag(data) if as_bytes else None if tree is None else _local(tree.tag)
        if local in _ROOTS:
            return _ROOTS[local]
        if local == "worksheet":
            # A sheet holds thousands of cells: its tags are searched rather than its tree built. The search is
            # stricter than the tree: it finds OLE objects and controls at any depth (Excel wraps them in
            # mc:AlternateContent), and in a comment too, where refusing a return costs a resend, not a breach.
            found = _tree_objects(tree) if tree is not None else _tagged_objects(data)
            if found:
                return _WORKSHEET_CHILDREN[found]
        if local == "workbook":
            root = _parse(data) if tree is None else tree
            for defined in () if root is None else root.iter():
                if _local(defined.tag) == "definedname" and _AUTO_RUN.match(defined.get("name", "")):
                    return MACRO_SHEET
    return None


def _ascii_compatible(data: bytes) -> bool:
    """Whether a part's tags can be searched as bytes: UTF-8 (or ASCII), not UTF-16 or UTF-32."""
    return not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in data[:64]


def _tagged_objects(data: bytes) -> str | None:
    lower = data.lower()
    if b"oleobjects" not in lower and b"controls" not in lower:  # the common case, at memory speed
        return None
    found = _SHEET_OBJECTS.search(lower)
    return found.group(1).decode() if found else None


def _tree_objects(root: ET.Element) -> str | None:
    """The OLE objects or controls of a sheet in another encoding, found in its parsed tree."""
    for element in root.iter():
        if _local(element.tag) in _WORKSHEET_CHILDREN:
            return _local(element.tag)
    return None


def _binary_contents(names: Iterable[str], head: Callable[[str], bytes]) -> str | None:
    for name in names:
        start = head(name)
        if start.startswith(OLE_SIGNATURE):
            return MACROS if _VBA_STREAM in start else EMBEDDED
    return None


def active_content(parts: dict[str, bytes], others: list[str], head: Callable[[str], bytes]) -> str | None:
    """What active content a workbook holds (MACROS, MACRO_SHEET, EXTERNAL_LINK, EMBEDDED), or None.

    parts: every XML part's bytes, already checked; others: the names of the other members;
    head: the first bytes of a member (enough to see an OLE compound file and its VBA streams).
    """
    names = [*parts, *others]
    return (
        _content_types(parts, names) or _relationships(parts) or _xml_contents(parts) or _binary_contents(others, head)
    )
