"""The disclosure index: which indicator answers which HKEX, SSE, GRI and CASS item, in natural order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from esgflow.catalog import FRAMEWORKS, Catalog
from esgflow.report.disclosure import FRAMEWORK_NAMES, IndexEntry, disclosure_index


def _catalog(base: Catalog, mappings: dict[str, dict[str, tuple[str, ...]]]) -> Catalog:
    """A catalog of made-up indicators (copies of env_diesel) with the given disclosure mappings."""
    template = base["env_diesel"]
    indicators = tuple(
        replace(template, code=code, disclosure={fw: items.get(fw, ()) for fw in FRAMEWORKS})
        for code, items in mappings.items()
    )
    return Catalog(indicators, base.pillars)


def test_disclosure_index_comes_from_the_catalog(catalog: Catalog) -> None:
    entries = disclosure_index(catalog)
    listed = [(e.framework, e.item, code) for e in entries for code in e.codes]
    mapped = [(fw, item, i.code) for i in catalog.indicators for fw in FRAMEWORKS for item in i.disclosure[fw]]
    assert sorted(listed) == sorted(mapped) and len(listed) == len(set(listed))
    assert len({(e.framework, e.item) for e in entries}) == len(entries)  # one entry per item
    hkex = next(e for e in entries if (e.framework, e.item) == ("hkex", "A2.1"))
    assert "env_diesel" in hkex.codes
    sse = [e.item for e in entries if e.framework == "sse"]
    assert sse.index("第三十条") < sse.index("第四十二条") < sse.index("第五十五条")


def test_entries_follow_the_frameworks_order(catalog: Catalog) -> None:
    frameworks = [e.framework for e in disclosure_index(catalog)]
    assert set(frameworks) == set(FRAMEWORKS)
    assert frameworks == sorted(frameworks, key=FRAMEWORKS.index)


def test_sse_articles_sort_by_their_chinese_numerals(catalog: Catalog) -> None:
    articles = ["第一百零三条", "第二十条", "第十二条", "第九条", "第五十五条", "第十条", "第二十一条", "第一百条"]
    small = _catalog(catalog, {f"x_{n}": {"sse": (item,)} for n, item in enumerate(articles)})
    assert [e.item for e in disclosure_index(small)] == [
        "第九条",
        "第十条",
        "第十二条",
        "第二十条",
        "第二十一条",
        "第五十五条",
        "第一百条",
        "第一百零三条",
    ]


def test_numbered_items_sort_by_number_not_by_text(catalog: Catalog) -> None:
    small = _catalog(
        catalog,
        {
            "x_a": {"hkex": ("B2.10", "A2", "B2.2"), "gri": ("302-10", "2-30")},
            "x_b": {"gri": ("303-3", "302-1", "2-7"), "cass": ("S2.2.13", "S2.2.9", "E2.1.1")},
        },
    )
    items = {fw: [e.item for e in disclosure_index(small) if e.framework == fw] for fw in FRAMEWORKS}
    assert items == {
        "hkex": ["A2", "B2.2", "B2.10"],
        "sse": [],
        "gri": ["2-7", "2-30", "302-1", "302-10", "303-3"],
        "cass": ["E2.1.1", "S2.2.9", "S2.2.13"],
    }


def test_an_item_lists_every_indicator_answering_it_in_catalog_order(catalog: Catalog) -> None:
    small = _catalog(
        catalog,
        {
            "x_first": {"hkex": ("A2.1",)},
            "x_other": {"hkex": ("A2.2",)},
            "x_last": {"hkex": ("A2.1",), "gri": ("302-1",)},
        },
    )
    assert disclosure_index(small) == [
        IndexEntry("hkex", "A2.1", ("x_first", "x_last")),
        IndexEntry("hkex", "A2.2", ("x_other",)),
        IndexEntry("gri", "302-1", ("x_last",)),
    ]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_framework_has_a_name_in_both_languages(framework: str) -> None:
    names = FRAMEWORK_NAMES[framework]
    assert set(names) == {"zh", "en"} and all(names.values())
