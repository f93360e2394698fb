"""xl/styles.xml: a fill per colour, a bold font, and new cellXfs that copy a marked cell's own xf with
only its fill (or alignment) changed."""

from __future__ import annotations

import re

from esgflow.workbooks.ooxml.package import Package
from esgflow.workbooks.ooxml.xml import MAIN, Edits, ns_prefix, scan, start_tag, unsupported, utf8, xml_attr


class Styles:
    """New fills, a bold font and cell formats, each a copy of an existing one with one thing changed."""

    def __init__(self, package: Package, part: str) -> None:
        self.package, self.part = package, part
        self.data = utf8(package.read(part), part)
        root, found = scan(self.data, part, ["fonts", "font", "fills", "fill", "cellXfs", "xf"])
        self.p = ns_prefix(root, MAIN, part)
        lists = {e.local: e for e in found if e.depth == 1 and e.local in ("fonts", "fills", "cellXfs")}
        if len(lists) < 3 or any(e.empty for e in lists.values()):
            raise unsupported(part, "has no fonts, fills or cell formats")
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
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{xml_attr(argb)}"/>'
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
                xml = start_tag(base.name, base.attrs) + bold + inner + f"</{base.name}>"
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
                raise unsupported(self.part, f"has no cell format {base}")
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
                "cellXfs", start_tag(el.name, attrs, empty) + ("" if empty else inner + f"</{el.name}>")
            )
        return self.cache[key]

    def save(self) -> None:
        edits = Edits(self.data)
        for kind, added in self.new.items():
            if added:
                el = self.lists[kind]
                edits.retag(el, {**el.attrs, "count": str(len(self.items[kind]) + len(added))})
                edits.insert(el.close, "".join(added))
        if edits.edits:
            self.package.write(self.part, edits.result())
