"""The disclosure index: one row per framework item, answered by the indicators that name it, comply or explain."""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources

import pytest

from esgflow import EsgflowError
from esgflow.catalog import FRAMEWORKS, Catalog
from esgflow.report.disclosure import (
    FRAMEWORK_NAMES,
    IndexEntry,
    disclosure_index,
    load_framework_items,
    parse_framework_items,
    unknown_items,
)

HEADER = """
frameworks:
  hkex: {name: {zh: 港交所, en: HKEX}, source: Appendix C2}
  sse: {name: {zh: 上交所, en: SSE}, source: Guideline No. 14}
  gri: {name: {zh: GRI, en: GRI}, source: GRI Standards}
  cass: {name: {zh: CASS, en: CASS}, source: CASS-ESG 6.0}
"""
SMALL = (
    HEADER
    + """
items:
  hkex:
    - {id: A2.1, zh: 能源, en: Energy, mandatory: true}
    - {id: A2.5, zh: 包装材料, en: Packaging, mandatory: true, chapter: 不遵守就解释}
  gri:
    - {id: 302-1, zh: 能源消耗, en: Energy consumption, mandatory: false}
    - {id: 305-1, zh: 范围1, en: Scope 1, mandatory: false}
"""
)


_CN_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")}


def chinese_number(text: str) -> int:
    """The number a Chinese numeral names (第二十条 -> 20); the SSE items are numbered so."""
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


def _catalog(base: Catalog, mappings: dict[str, dict[str, tuple[str, ...]]]) -> Catalog:
    """A catalog of made-up indicators (copies of env_diesel) with the given disclosure mappings."""
    template = base["env_diesel"]
    indicators = tuple(
        replace(template, code=code, disclosure={fw: items.get(fw, ()) for fw in FRAMEWORKS})
        for code, items in mappings.items()
    )
    return Catalog(indicators, base.pillars)


def test_an_item_lists_every_indicator_answering_it_and_nothing_else(catalog: Catalog) -> None:
    small = _catalog(catalog, {"x_first": {"hkex": ("A2.1",)}, "x_last": {"hkex": ("A2.1",), "gri": ("302-1",)}})
    entries = disclosure_index(small, parse_framework_items(SMALL))
    assert [(e.framework, e.item, e.codes, e.status) for e in entries] == [
        ("hkex", "A2.1", ("x_first", "x_last"), "answered"),
        ("hkex", "A2.5", (), "comply_or_explain"),
        ("gri", "302-1", ("x_last",), "answered"),
        ("gri", "305-1", (), "not_answered"),
    ]
    assert entries[1] == IndexEntry("hkex", "A2.5", (), "包装材料", "Packaging", True, "不遵守就解释")
    assert entries[1].comply_or_explain and not entries[3].comply_or_explain


def test_the_index_has_one_row_per_item_far_fewer_than_the_old_cross_product(catalog: Catalog) -> None:
    entries = disclosure_index(catalog)
    assert len({(e.framework, e.item) for e in entries}) == len(entries) == len(load_framework_items().items)
    assert len(entries) < 400  # every indicator under every item of its section gave 1,166 rows
    pairs = [(e.framework, e.item, c) for e in entries for c in e.codes]
    mapped = [(fw, item, i.code) for i in catalog.indicators for fw in FRAMEWORKS for item in i.disclosure[fw]]
    mapped += [(fw, item, t.list_name) for t in catalog.tables for fw in FRAMEWORKS for item in t.disclosure[fw]]
    # and the Scope 3 screening, under the items of the Scope 3 total
    scope3_total = catalog["env_ghg_scope3_total"].disclosure
    mapped += [(fw, item, "scope3_screening") for fw in FRAMEWORKS for item in scope3_total[fw]]
    assert sorted(pairs) == sorted(mapped)


def test_no_item_lists_every_indicator_of_a_section(catalog: Catalog) -> None:
    for pillar in ("env", "soc", "econ", "gov"):
        section = {i.code for i in catalog.indicators if i.pillar == pillar}
        for e in disclosure_index(catalog):
            assert not section <= set(e.codes), (e.framework, e.item)
    for e in disclosure_index(catalog):
        assert len(e.codes) < 40, (e.framework, e.item)


def test_indicators_answer_the_items_they_measure(catalog: Catalog) -> None:
    answers = {(e.framework, e.item): set(e.codes) for e in disclosure_index(catalog)}
    assert {"env_diesel", "env_electricity"} <= answers[("hkex", "A2.1")] & answers[("gri", "302-1")]
    assert "env_diesel" in answers[("sse", "第三十五条")] and "env_water_total" not in answers[("sse", "第三十五条")]
    assert "env_water_total" in answers[("hkex", "A2.2")] & answers[("gri", "303-5")] & answers[("sse", "第三十六条")]
    assert "soc_employees_total" in answers[("hkex", "B1.1")] & answers[("gri", "2-7")] & answers[("sse", "第五十条")]
    assert "env_diesel" not in answers[("hkex", "A2.2")] | answers[("sse", "第三十条")]


def test_hkex_part_d_and_every_sse_article_20_to_56_are_in_the_index(catalog: Catalog) -> None:
    entries = disclosure_index(catalog)
    sse = [e.item for e in entries if e.framework == "sse"]
    assert [chinese_number(a[1:-1]) for a in sse] == list(range(20, 57))
    part_d = [e for e in entries if e.framework == "hkex" and e.item.startswith("D")]
    assert {"D28(a)", "D28(b)"} <= {e.item for e in part_d} and all(e.mandatory for e in part_d)
    assert all(e.title_zh and e.title_en for e in entries)


def test_mandatory_items_nothing_answers_are_comply_or_explain(catalog: Catalog) -> None:
    entries = {(e.framework, e.item): e for e in disclosure_index(catalog)}
    assert entries[("hkex", "A2.5")].comply_or_explain  # packaging: the 2024 report explains it
    assert entries[("hkex", "A2.5")].chapter == "不遵守就解释"
    assert entries[("sse", "第二十五条")].comply_or_explain  # climate items beyond Scope 1 and 2
    # Scope 3 (comply or explain) is answered by the office's approved screening of all fifteen categories
    # and the figures of those it screens relevant
    assert entries[("hkex", "D28(c)")].codes[-2:] == ("env_ghg_scope3_total", "scope3_screening")
    assert not entries[("hkex", "D28(c)")].comply_or_explain
    # Scope 1 and 2 are answered by the greenhouse-gas indicators (mandatory from FY2025)
    assert entries[("sse", "第二十四条")].codes[:2] == ("env_ghg_scope1", "env_ghg_scope2_location")
    assert (
        entries[("hkex", "D28(a)")].codes == ("env_ghg_scope1",) and not entries[("hkex", "D28(a)")].comply_or_explain
    )
    assert not entries[("hkex", "A2.1")].comply_or_explain
    assert not any(e.comply_or_explain for e in entries.values() if e.framework in ("gri", "cass"))


def test_an_indicator_naming_an_item_not_in_the_file_is_refused(catalog: Catalog) -> None:
    small = _catalog(catalog, {"x_odd": {"hkex": ("A2.1", "Z9.9")}})
    items = parse_framework_items(SMALL)
    assert unknown_items(small, items) == [
        "indicator x_odd names hkex item 'Z9.9', which is not in framework_items.yaml"
    ]
    with pytest.raises(EsgflowError, match=re.escape("x_odd names hkex item 'Z9.9'")):
        disclosure_index(small, items)


def test_the_packaged_catalog_names_only_items_of_the_file(catalog: Catalog) -> None:
    assert unknown_items(catalog, load_framework_items()) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "  esrs: {name: {zh: E, en: E}, source: x}\nitems: {}\n", "unknown framework esrs"),
        (HEADER + "items:\n  tcfd: []\n", "unknown framework tcfd"),
        (
            HEADER + "items:\n  gri:\n    - {id: 2-7, zh: a, en: b, mandatory: false}\n"
            "    - {id: 2-7, zh: c, en: d, mandatory: false}\n",
            "duplicate gri item 2-7",
        ),
        (HEADER + "items:\n  gri:\n    - {id: 2-7, zh: a, en: b}\n", "needs id, zh, en and mandatory"),
        (HEADER + "items:\n  gri:\n    - {id: 2-7, zh: a, en: b, mandatory: yes please}\n", "true or false"),
        (HEADER + "items:\n  gri:\n    - {id: 2-7, zh: a, en: b, mandatory: false, note: x}\n", "does not read"),
        (HEADER + "items:\n  sse:\n    - {id: Article 24, zh: a, en: b, mandatory: true}\n", "第N条"),
        (HEADER.replace(", source: GRI Standards", "") + "items: {}\n", "gri needs a name in zh and en and a source"),
    ],
)
def test_the_file_of_framework_items_is_validated(text: str, message: str) -> None:
    with pytest.raises(EsgflowError, match=message):
        parse_framework_items(text)


def test_the_packaged_file_names_and_sources_every_framework() -> None:
    items = load_framework_items()
    assert set(items.names) == set(items.sources) == set(FRAMEWORKS) and all(items.sources.values())
    assert resources.files("esgflow").joinpath("data/framework_items.yaml").is_file()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_framework_has_a_name_in_both_languages(framework: str) -> None:
    names = FRAMEWORK_NAMES[framework]
    assert set(names) == {"zh", "en"} and all(names.values())


def test_chinese_numerals_read_as_numbers() -> None:
    assert [chinese_number(n) for n in ("九", "十", "十二", "二十", "二十一", "五十六", "一百零三")] == [
        9,
        10,
        12,
        20,
        21,
        56,
        103,
    ]
