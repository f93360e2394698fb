"""The disclosure index: one row per HKEX, SSE, GRI and CASS item, with the indicators that answer it.

The items come from `data/framework_items.yaml`; which indicator answers which item comes only from the
indicators' `disclosure:` fields in the catalog, so the catalog stays the one list of indicators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from esgflow import EsgflowError
from esgflow.catalog import FRAMEWORKS, Catalog
from esgflow.figures.scope3 import SCREENING, TOTAL

_ITEM_FIELDS = {"id", "zh", "en", "mandatory", "chapter"}


@dataclass(frozen=True)
class FrameworkItem:
    framework: str
    id: str
    title_zh: str
    title_en: str
    mandatory: bool
    chapter: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@dataclass(frozen=True)
class FrameworkItems:
    names: dict[str, dict[str, str]]  # framework -> {"zh": ..., "en": ...}
    sources: dict[str, str]
    items: tuple[FrameworkItem, ...]


@dataclass(frozen=True)
class IndexEntry:
    framework: str
    item: str
    codes: tuple[str, ...]
    title_zh: str = ""
    title_en: str = ""
    mandatory: bool = False
    chapter: str = ""
    # A period's standing once known (esgflow.report.answers): answered, explained or open, and the approved text
    answer: str = ""
    text_zh: str = ""
    text_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def text(self, lang: str) -> str:
        return self.text_zh if lang == "zh" else self.text_en

    @property
    def comply_or_explain(self) -> bool:
        """A mandatory item nothing answers or explains: the ESG office explains it or points to the narrative."""
        if self.answer:
            return self.mandatory and self.answer == "open"
        return self.mandatory and not self.codes

    @property
    def status(self) -> str:
        """The period's answered, explained or open once known; else answered by the catalog's indicators,
        comply_or_explain when the item is mandatory, not_answered when it is optional."""
        if self.answer:
            return self.answer
        if self.codes:
            return "answered"
        return "comply_or_explain" if self.mandatory else "not_answered"


def _item(framework: str, raw: Any) -> FrameworkItem:
    where = f"framework items: {framework} item {raw.get('id') if isinstance(raw, dict) else raw!r}"
    if not isinstance(raw, dict) or not {"id", "zh", "en", "mandatory"} <= set(raw):
        raise EsgflowError(f"{where} needs id, zh, en and mandatory")
    unknown = sorted(set(raw) - _ITEM_FIELDS)
    if unknown:
        raise EsgflowError(f"{where} has fields esgflow does not read: {unknown}")
    if not isinstance(raw["mandatory"], bool):
        raise EsgflowError(f"{where}: mandatory must be true or false")
    item_id = str(raw["id"])
    if framework == "sse" and not re.fullmatch(r"第[零一二三四五六七八九十百]+条", item_id):
        raise EsgflowError(f"{where}: an SSE item is an article, 第N条")
    chapter = str(raw.get("chapter", ""))
    return FrameworkItem(framework, item_id, str(raw["zh"]), str(raw["en"]), raw["mandatory"], chapter)


def parse_framework_items(text: str) -> FrameworkItems:
    """Framework items from YAML text, refusing unknown frameworks, duplicate ids and incomplete items."""
    raw = yaml.safe_load(text) or {}
    frameworks, by_framework = raw.get("frameworks") or {}, raw.get("items") or {}
    unknown = sorted((set(frameworks) | set(by_framework)) - set(FRAMEWORKS))
    if unknown:
        raise EsgflowError(f"framework items: unknown framework {', '.join(unknown)}; known: {', '.join(FRAMEWORKS)}")
    described = {fw for fw, v in frameworks.items() if {"zh", "en"} <= set(v.get("name") or {}) and v.get("source")}
    missing = [fw for fw in FRAMEWORKS if fw not in described]
    if missing:
        raise EsgflowError(f"framework items: {', '.join(missing)} needs a name in zh and en and a source")
    items: list[FrameworkItem] = []
    for fw in FRAMEWORKS:
        seen: set[str] = set()
        for raw_item in by_framework.get(fw) or ():
            item = _item(fw, raw_item)
            if item.id in seen:
                raise EsgflowError(f"framework items: duplicate {fw} item {item.id}")
            seen.add(item.id)
            items.append(item)
    return FrameworkItems(
        names={fw: dict(frameworks[fw]["name"]) for fw in FRAMEWORKS},
        sources={fw: str(frameworks[fw]["source"]) for fw in FRAMEWORKS},
        items=tuple(items),
    )


@cache
def load_framework_items(path: Path | None = None) -> FrameworkItems:
    """The packaged framework items (or the file at `path`)."""
    text = (
        path.read_text("utf-8")
        if path
        else resources.files("esgflow").joinpath("data/framework_items.yaml").read_text("utf-8")
    )
    return parse_framework_items(text)


def unknown_items(catalog: Catalog, framework_items: FrameworkItems) -> list[str]:
    """Items that indicators name but the file of framework items does not hold, one sentence each."""
    known = {(i.framework, i.id) for i in framework_items.items}
    answering = [(f"indicator {i.code}", i.disclosure) for i in catalog.indicators]
    answering += [(f"register {t.list_name}", t.disclosure) for t in catalog.tables]
    return [
        f"{what} names {fw} item {item!r}, which is not in framework_items.yaml"
        for what, disclosure in answering
        for fw in FRAMEWORKS
        for item in disclosure[fw]
        if (fw, item) not in known
    ]


def _texts(item: FrameworkItem) -> tuple[str, str, bool, str]:
    return item.title_zh, item.title_en, item.mandatory, item.chapter


def disclosure_index(catalog: Catalog, framework_items: FrameworkItems | None = None) -> list[IndexEntry]:
    """One entry per framework item, in the file's order, with the indicators answering it in catalog order."""
    framework_items = framework_items or load_framework_items()
    problems = unknown_items(catalog, framework_items)
    if problems:
        raise EsgflowError("disclosure index: " + "; ".join(problems))
    answering: dict[tuple[str, str], list[str]] = {}
    # Indicators, then the registers (by their table's name, tbl_sites) that answer an item once they have rows.
    named = [(i.code, i.disclosure) for i in catalog.indicators] + [(t.list_name, t.disclosure) for t in catalog.tables]
    if TOTAL in catalog:  # the approved screening answers what the Scope 3 total answers (HKEX D28(c))
        named.append((SCREENING, catalog[TOTAL].disclosure))
    for code, disclosure in named:
        for fw in FRAMEWORKS:
            for item in disclosure[fw]:
                answering.setdefault((fw, item), []).append(code)
    return [
        IndexEntry(i.framework, i.id, tuple(answering.get((i.framework, i.id), ())), *_texts(i))
        for i in framework_items.items
    ]


FRAMEWORK_NAMES = load_framework_items().names
