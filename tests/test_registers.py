"""The registers the catalog declares (esgflow.registers): sites and climate risks with typed, bilingual columns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from esgflow import EsgflowError
from esgflow.catalog import FRAMEWORKS, Catalog, is_template_version, parse, validate
from esgflow.factors import FactorRegistry
from esgflow.registers import cells_text, parse_tables, table_problems
from esgflow.report.disclosure import load_framework_items
from tests.returns_factory import CATALOG_YAML


def test_the_catalog_declares_sites_and_climate_risks_from_template_version_4(catalog: Catalog) -> None:
    tables = {t.name: t for t in catalog.tables}
    assert [t.list_name for t in catalog.tables] == ["tbl_sites", "tbl_climate_risks"]
    sites, risks = tables["sites"], tables["climate_risks"]
    assert [c.key for c in sites.columns] == [
        "name",
        "kind",
        "location",
        "latitude",
        "longitude",
        "operational_control",
    ]
    lat = next(c for c in sites.columns if c.key == "latitude")
    assert (lat.type, lat.min, lat.max, lat.required, lat.heading) == (
        "number",
        Decimal(-90),
        Decimal(90),
        True,
        "纬度 Latitude",
    )
    control = next(c for c in sites.columns if c.key == "operational_control")
    assert [(c.value, c.zh, c.en) for c in control.choices] == [("yes", "是", "Yes"), ("no", "否", "No")]
    kinds = {c.value for c in next(c for c in risks.columns if c.key == "kind").choices}
    assert {"physical_acute", "physical_chronic", "transition_policy", "transition_technology"} <= kinds
    assert {"transition_market", "transition_reputation"} <= kinds and any(k.startswith("opportunity") for k in kinds)
    horizon = next(c for c in risks.columns if c.key == "horizon")
    assert [c.value for c in horizon.choices] == ["short", "medium", "long"]
    assert {c.key for c in risks.columns} >= {"sites", "likelihood", "magnitude", "response", "owner"}
    assert all(c.template_version == "4" for t in catalog.tables for c in t.columns)
    assert sites.in_template("4", "construction") and not sites.in_template("3", "construction")


def test_the_registers_answer_climate_items_the_index_knows(catalog: Catalog) -> None:
    known = {(i.framework, i.id) for i in load_framework_items().items}
    named = {(fw, item) for t in catalog.tables for fw in FRAMEWORKS for item in t.disclosure[fw]}
    assert named and named <= known
    assert ("hkex", "D20") in named and ("hkex", "D29") in named


def test_a_choice_is_read_in_either_language_and_shown_in_the_readers(catalog: Catalog) -> None:
    kind = next(c for c in catalog.tables[1].columns if c.key == "kind")
    for typed in ("实体风险-急性", "Physical risk - acute", "实体风险-急性 Physical risk - acute", " physical_acute "):
        assert kind.choice(typed) is not None and kind.choice(typed).value == "physical_acute"  # type: ignore[union-attr]
    assert kind.choice("Physical") is None
    control = next(c for c in catalog.tables[0].columns if c.key == "operational_control")
    assert [control.choice(t).value for t in ("是", "YES", "y", "TRUE", "1", "否", "No", "false", "0")] == [  # type: ignore[union-attr]
        *["yes"] * 5,
        *["no"] * 4,
    ]
    shown = cells_text({"kind": "physical_acute", "description": "暴雨"}, catalog.tables[1], "en")
    assert shown["kind"] == "Physical risk - acute" and shown["description"] == "暴雨"


def test_a_bad_declaration_is_refused(factors: FactorRegistry) -> None:
    text = CATALOG_YAML.read_text("utf-8")
    with pytest.raises(EsgflowError, match="fields esgflow does not read"):
        parse(text.replace("    rows: 20\n", "    rows: 20\n    colour: red\n", 1))
    with pytest.raises(EsgflowError, match="text, number or enum"):
        parse(text.replace("type: number, min: -90", "type: float, min: -90", 1))
    bad = parse(text.replace('template_version: "4"\n    reported_by: all\n    rows: 20', "template_version: x", 1))
    assert any("table sites" in p for p in validate(bad, factors.codes))
    twice = parse_tables(
        [{"name": "sites", "title": {"zh": "a", "en": "b"}, "columns": []}] * 2 + [{"name": "Bad-Name", "title":
        {"zh": "a", "en": "b"}, "columns": [{"key": "x", "heading": {"zh": "x", "en": "x"}, "type": "number",
        "min": 5, "max": 1}]}],
        FRAMEWORKS,
    )  # fmt: skip
    problems = table_problems(twice, is_template_version)
    assert "table sites: declared twice" in problems
    assert any("Bad-Name" in p and "lower-case" in p for p in problems)
    assert any("min above max" in p for p in problems)
