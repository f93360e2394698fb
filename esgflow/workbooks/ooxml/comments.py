"""A sheet's comments part and its legacy VML drawing (a note's box): new, or with notes added."""

from __future__ import annotations

import re

from esgflow.workbooks.ooxml.package import Package, Rels
from esgflow.workbooks.ooxml.sheet import Sheet
from esgflow.workbooks.ooxml.xml import (
    COMMENTS,
    CT_COMMENTS,
    CT_VML,
    MAIN,
    VML,
    VML_DRAWING,
    Edits,
    Element,
    attr_of,
    ns_prefix,
    scan,
    split_ref,
    start_tag,
    t_element,
    unsupported,
    utf8,
    xml_text,
)

_OBJECT_TYPE = re.compile(rb"""ObjectType\s*=\s*["']([^"']*)["']""")


_SHAPE_ID = re.compile(rb"""\bid\s*=\s*["']_x0000_s(\d+)["']""")


_IDMAP = re.compile(rb"""idmap\b[^>]*?\bdata\s*=\s*["']([\d,\s]*)["']""")


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


class Comments:
    """Notes to add to one sheet: to its comments part and VML drawing, or in new ones."""

    def __init__(self, package: Package, sheet: Sheet, rels: Rels, author: str) -> None:
        self.package, self.sheet, self.rels, self.author = package, sheet, rels, author
        part = sheet.part
        comments = rels.of_type(COMMENTS)
        legacy = sheet.legacy_drawing()
        if any(r.attrs.get("Type", "").endswith(("/threadedComment", "/threadedComments")) for r in rels.rels):
            raise unsupported(part, "has threaded comments")
        if len(comments) > 1 or bool(comments) != bool(legacy):
            raise unsupported(part, "has comments without a drawing, or a drawing (form controls) without comments")
        self.comments_part = rels.target(comments[0]) if comments else None
        self.vml_part = None
        if legacy is not None:
            rel = rels.by_id(attr_of(legacy, "id"))
            if rel is None or rel.attrs.get("Type") != VML_DRAWING:
                raise unsupported(part, "has a legacy drawing that is not a VML drawing")
            self.vml_part = rels.target(rel)
            if not (package.has(self.comments_part or "") and package.has(self.vml_part)):
                raise unsupported(part, "refers to a comments part or drawing that is missing")

    def add(self, notes: dict[str, str]) -> None:
        """Notes by cell (A1 -> text)."""
        cells = {ref: split_ref(ref, self.sheet.part) for ref in notes}
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
            f'<comment ref="{ref}" authorId="0" shapeId="0"><text>{t_element("", notes[ref])}</text></comment>'
            for ref in order
        )
        package.write(
            comments_part,
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}"><authors>'
            f"<author>{xml_text(self.author)}</author></authors><commentList>{body}</commentList></comments>".encode(),
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
        data = utf8(self.package.read(part), part)
        root, found = scan(
            data, part, ["authors", "author", "commentList", "comment", "text", "rPh", "phoneticPr"], text=["author"]
        )
        p = ns_prefix(root, MAIN, part)
        edits = Edits(data)
        authors = next((e for e in found if e.local == "authors" and e.depth == 1), None)
        listing = next((e for e in found if e.local == "commentList" and e.depth == 1), None)
        if authors is None or listing is None:
            raise unsupported(part, "has no authors or comment list")
        names = [e.text for e in found if e.local == "author" and e.depth == 2]
        existing: dict[tuple[int, int], Element] = {}
        for e in found:
            if e.local == "comment" and e.depth == 2:
                existing[split_ref(e.attrs.get("ref", ""), part)] = e
        new = [ref for ref in notes if cells[ref] not in existing]
        for ref in notes:
            comment = existing.get(cells[ref])
            if comment is None:
                continue
            text = next((e for e in found if e.local == "text" and e.depth == 3 and comment.head <= e.start), None)
            if text is None or text.start >= comment.close:
                raise unsupported(part, f"comment on {ref} has no text")
            run = f"<{p}r>{t_element(p, chr(10) * 2 + notes[ref])}</{p}r>"
            if text.empty:
                edits.replace(text.start, text.end, start_tag(text.name, text.attrs) + run + f"</{text.name}>")
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
                edits.append(authors, f"<{p}author>{xml_text(self.author)}</{p}author>")
            placed = sorted(existing.items())
            last = []
            for ref in sorted(new, key=lambda r: cells[r]):  # in cell order, as Excel keeps them
                after = next((el for at, el in placed if at > cells[ref]), None)
                xml = (
                    f'<{p}comment ref="{ref}" authorId="{author_id}" shapeId="0"><{p}text>'
                    f"{t_element(p, notes[ref])}</{p}text></{p}comment>"
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
            raise unsupported(part, "is not UTF-8")
        root = re.search(rb"<xml\b[^>]*>", data)
        close = data.rfind(b"</xml>")
        if root is None or close < 0:
            raise unsupported(part, "is not a VML drawing")
        declared = {
            ns: m.group(1).decode()
            for ns in VML.values()
            if (m := re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(ns.encode()) + rb"[\"']", root.group(0)))
        }
        if len(declared) < len(VML):
            raise unsupported(part, "does not declare the VML namespaces on its root")
        kinds = _OBJECT_TYPE.findall(data)
        shapes = re.findall(rb"<" + re.escape(declared[VML["v"]].encode()) + rb":shape[\s>/]", data)
        if any(k != b"Note" for k in kinds) or len(shapes) != len(kinds):
            raise unsupported(part, "holds shapes other than notes (form controls, pictures)")
        v, o, x = (declared[VML[k]] for k in ("v", "o", "x"))
        ids = [int(i) for i in _SHAPE_ID.findall(data)]
        first = max(ids) + 1 if ids else _next_idmap(self.package) * 1024 + 1
        xml = "" if b"_x0000_t202" in data else _shape_type(v, o)
        xml += "".join(
            _note_shape(v, o, x, first + i, cells[ref][0] - 1, cells[ref][1] - 1, notes[ref])
            for i, ref in enumerate(sorted(new, key=lambda r: cells[r]))
        )
        self.package.write(part, data[:close] + xml.encode() + data[close:])


def _next_idmap(package: Package) -> int:
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
