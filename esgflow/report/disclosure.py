"""The disclosure index: which indicator answers which HKEX, SSE, GRI and CASS item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from esgflow.catalog import FRAMEWORKS, Catalog

FRAMEWORK_NAMES = {
    "hkex": {"zh": "港交所ESG报告守则", "en": "HKEX ESG Reporting Code"},
    "sse": {"zh": "上交所自律监管指引第14号", "en": "SSE Self-Regulatory Guideline No. 14"},
    "gri": {"zh": "GRI标准", "en": "GRI Standards"},
    "cass": {"zh": "CASS-ESG 6.0", "en": "CASS-ESG 6.0"},
}
_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")}


@dataclass(frozen=True)
class IndexEntry:
    framework: str
    item: str
    codes: tuple[str, ...]


def _chinese_number(text: str) -> int:
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _sort_key(item: str) -> tuple[object, ...]:
    article = re.fullmatch(r"第(.+)条", item)
    if article:
        return (0, _chinese_number(article[1]))
    return (1, *[(int(p) if p.isdigit() else p) for p in re.split(r"(\d+)", item)])


def disclosure_index(catalog: Catalog) -> list[IndexEntry]:
    """Index entries per framework and item, in natural order, from the catalog alone."""
    items: dict[tuple[str, str], list[str]] = {}
    for ind in catalog.indicators:
        for framework in FRAMEWORKS:
            for item in ind.disclosure[framework]:
                items.setdefault((framework, item), []).append(ind.code)
    return [
        IndexEntry(fw, item, tuple(codes))
        for (fw, item), codes in sorted(items.items(), key=lambda kv: (FRAMEWORKS.index(kv[0][0]), _sort_key(kv[0][1])))
    ]
