"""Where things sit in a template: sheet titles and the rows of each pillar sheet."""

from __future__ import annotations

import ast
from dataclasses import replace

import pytest

from esgflow.catalog import PILLARS, Catalog, formula_names
from esgflow.entities import EntityRegistry
from esgflow.workbooks import layout as L


def _inputs(rows: list[L.Row]) -> list[str]:
    return [r.indicator.code for r in rows if isinstance(r, L.InputRow)]


def _sums(rows: list[L.Row]) -> list[L.SumRow]:
    return [r for r in rows if isinstance(r, L.SumRow)]


@pytest.mark.parametrize(
    ("pillar", "title"),
    [("econ", "经济 Economic"), ("env", "环境 Environmental"), ("soc", "社会 Social"), ("gov", "治理 Governance")],
)
def test_sheet_title_is_the_pillar_in_both_languages(catalog: Catalog, pillar: str, title: str) -> None:
    assert L.sheet_title(catalog, pillar) == title


def test_the_names_a_template_carries_are_the_documented_ones() -> None:
    # the three of INTERFACE.md, and the signature that vouches for them
    assert L.META_NAMES == ("meta_entity", "meta_period", "meta_template_version", "meta_signature")
    assert L.NOTE_SUFFIX == "__note" and L.FIRST_ROW == L.HEADER_ROW + 1


@pytest.mark.parametrize("kind", ["headquarters", "design_institute", "branch", "overseas"])
def test_every_input_of_the_pillar_is_a_row_once(catalog: Catalog, kind: str) -> None:
    inputs = catalog.inputs_for_kind(kind)
    for pillar in PILLARS:
        codes = _inputs(L.sheet_rows(catalog, inputs, pillar))
        assert sorted(codes) == sorted(i.code for i in inputs if i.pillar == pillar), (kind, pillar)
        assert len(codes) == len(set(codes))


def test_breakdowns_sit_under_their_total_each_with_a_sum_row(catalog: Catalog) -> None:
    rows = L.sheet_rows(catalog, catalog.inputs_for_kind("headquarters"), "soc")
    codes = [r.indicator.code if isinstance(r, L.InputRow) else "SUM" for r in rows]
    at = codes.index("soc_employees_total")
    assert codes[at : at + 15] == [
        "soc_employees_total",
        "soc_employees_female",
        "soc_employees_male",
        "SUM",
        "soc_employees_by_age_a",
        "soc_employees_by_age_b",
        "soc_employees_by_age_c",
        "SUM",
        "soc_employees_by_education_a",
        "soc_employees_by_education_b",
        "soc_employees_by_education_c",
        "soc_employees_by_education_d",
        "SUM",
        "soc_new_hires",
        "soc_employee_grievances",
    ]
    sums = _sums(rows)
    assert [s.parts for s in sums] == list(catalog["soc_employees_total"].breakdowns)
    assert {s.total for s in sums} == {"soc_employees_total"}
    assert sums[0].label_zh == "分项合计（应等于上方合计）"
    assert sums[0].label_en == "Sum of the parts above (must equal the total)"


def test_a_total_derived_as_a_plain_sum_gets_a_computed_row_after_its_last_part(catalog: Catalog) -> None:
    rows = L.sheet_rows(catalog, catalog.inputs_for_kind("design_institute"), "env")
    codes = [r.indicator.code if isinstance(r, L.InputRow) else r.label_en for r in rows]
    at = codes.index("env_diesel")
    assert codes[at - 1 : at + 2] == ["env_gasoline", "env_diesel", "Fuel consumption (computed)"]
    [fuel] = _sums(rows)
    assert fuel == L.SumRow(
        "燃油使用量（自动合计）", "Fuel consumption (computed)", ("env_gasoline", "env_diesel"), None
    )


def test_totals_that_are_not_plain_sums_get_no_computed_row(catalog: Catalog) -> None:
    rows = L.sheet_rows(catalog, catalog.inputs_for_kind("headquarters"), "env")
    assert catalog["env_energy_total"].formula and "*" in catalog["env_energy_total"].formula
    assert [s.label_en for s in _sums(rows)] == ["Fuel consumption (computed)"]  # not the energy total


def test_no_computed_row_when_a_part_is_not_asked(catalog: Catalog) -> None:
    inputs = [i for i in catalog.inputs_for_kind("headquarters") if i.code != "env_gasoline"]
    rows = L.sheet_rows(catalog, inputs, "env")
    assert _sums(rows) == [] and "env_diesel" in _inputs(rows)


def test_a_breakdown_shows_only_the_parts_asked(catalog: Catalog) -> None:
    inputs = [i for i in catalog.inputs_for_kind("headquarters") if i.code != "soc_employees_by_age_c"]
    sums = _sums(L.sheet_rows(catalog, inputs, "soc"))
    assert ("soc_employees_by_age_a", "soc_employees_by_age_b") in [s.parts for s in sums]


def test_rows_follow_the_catalog_order_otherwise(catalog: Catalog, registry: EntityRegistry) -> None:
    inputs = catalog.inputs_for_kind(registry["SAMI"].kind)
    for pillar in PILLARS:
        codes = _inputs(L.sheet_rows(catalog, inputs, pillar))
        placed_as_parts = {p for i in inputs for parts in i.breakdowns for p in parts}
        free = [c for c in codes if c not in placed_as_parts]
        assert free == [i.code for i in inputs if i.pillar == pillar and i.code not in placed_as_parts]


def test_a_pillar_without_inputs_has_no_rows(catalog: Catalog) -> None:
    inputs = [i for i in catalog.inputs_for_kind("headquarters") if i.pillar != "gov"]
    assert L.sheet_rows(catalog, inputs, "gov") == []


def test_a_derived_total_of_a_product_is_not_a_plain_sum(catalog: Catalog) -> None:
    """A made-up catalog where the fuel total multiplies: no computed row then."""
    fuel = replace(catalog["env_fuel_total"], formula="env_gasoline * env_diesel")
    changed = Catalog(tuple(fuel if i.code == "env_fuel_total" else i for i in catalog.indicators), catalog.pillars)
    assert _sums(L.sheet_rows(changed, changed.inputs_for_kind("headquarters"), "env")) == []


def test_split_names_read_back_as_code_row_and_kind() -> None:
    from esgflow.workbooks import layout as L

    assert L.split_name(L.split_amount_name("env_electricity", 3)) == ("env_electricity", 3, "amount")
    assert L.split_name(L.split_location_name("env_electricity", 12)) == ("env_electricity", 12, "location")
    assert L.split_name("env_electricity__note") is None and L.split_name("env_electricity__split_0x") is None


def test_the_rows_of_every_sheet_parse_each_formula_once(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    # every row asked every indicator's formula again: about 27,000 parses a template, most of the demo's time
    parses: list[str] = []
    parse = ast.parse

    def counted(source: str, *args: object, **kwargs: object) -> ast.AST:
        parses.append(source)
        return parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counted)
    formula_names.cache_clear()
    L._plain_sum.cache_clear()
    for kind in ("headquarters", "design_institute", "branch", "overseas"):
        for pillar in PILLARS:
            L.sheet_rows(catalog, catalog.inputs_for_kind(kind), pillar)
    formulas = {i.formula for i in catalog.indicators if i.formula}
    assert parses and len(parses) <= 2 * len(formulas)  # its names, and whether it is a plain sum
