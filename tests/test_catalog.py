import csv
from importlib import resources
from pathlib import Path

import pytest
import yaml

from esgflow import EsgflowError
from esgflow.catalog import Catalog, load_catalog, parse, read_yaml, validate
from esgflow.factors import FactorRegistry
from tests.returns_factory import NEW_IN_V2, RETIRED_IN_V2, catalog_v2_text


def _seed_codes(path: Path) -> list[str]:
    return [r["code"] for r in csv.DictReader(path.open(encoding="utf-8"))]


def test_catalog_holds_every_published_indicator_in_order(catalog: Catalog, seed_dir: Path) -> None:
    appendix = _seed_codes(seed_dir / "appendix_2022_2024.csv")
    body = _seed_codes(seed_dir / "body_kpis_2024.csv")
    shown = [i.code for i in catalog.appendix()]
    assert [c for c in shown if c in appendix] == appendix
    # the FY2025 report adds greenhouse gases and the share of clean energy; FY2026 (template
    # version 4) the inputs SSE guides 3-5 ask and the figures computed from them
    fy2026 = {i.code for i in catalog.appendix() if i.template_version == "4"} | {
        "env_renewable_energy_share",
        "env_water_withdrawal_total",
        "env_water_consumption",
        "env_water_recycling_rate",
        "env_ghg_scope1_stationary",
        "env_ghg_scope1_mobile",
        "env_ghg_scope1_process",
        "env_ghg_scope1_fugitive",
    }
    assert {"env_raw_coal", "env_heat_purchased", "env_water_discharge", "env_so2", "env_waste_construction"} <= fy2026
    assert set(shown) - set(appendix) - fy2026 == {
        "env_ghg_scope1",
        "env_ghg_scope2_location",
        "env_ghg_total",
        "env_ghg_intensity_revenue",
        "env_clean_energy_share",
        # the FY2026 report adds Scope 3 by category and its total
        *(f"env_ghg_scope3_cat{n}" for n in range(1, 16)),
        "env_ghg_scope3_total",
    }
    assert set(body) <= set(catalog.codes)
    assert not (set(appendix) & set(body))


def test_every_indicator_is_fully_described(catalog: Catalog) -> None:
    for ind in catalog.indicators:
        assert ind.name_zh and ind.name_en and ind.unit and ind.dtype in ("integer", "decimal", "percent")
        assert ind.consolidation in ("sum", "group", "derived", "weighted_average", "per_entity", "screened")
        assert ind.is_input == bool(ind.input_unit), ind.code
    # Only governance process figures (legal review rates, meetings held) answer no framework item precisely.
    unmapped = [i.code for i in catalog.appendix() if not any(i.disclosure.values())]
    assert len(unmapped) <= 5 and all(code.startswith("gov_") for code in unmapped), unmapped


def test_rates_that_counts_give_are_derived(catalog: Catalog) -> None:
    assert catalog["soc_work_fatality_rate"].formula == "soc_work_fatalities / soc_employees_total"
    assert catalog["env_energy_intensity_revenue"].formula == "env_energy_total / econ_revenue"
    assert catalog["env_fuel_total"].consolidation == "derived"
    order = [i.code for i in catalog.derived_in_order()]
    assert order.index("env_energy_total") < order.index("env_energy_intensity_revenue")


def test_group_only_and_breakdowns(catalog: Catalog) -> None:
    assert catalog["gov_board_meetings"].group_only and catalog["econ_revenue"].group_only
    assert not catalog["econ_revenue"].reported_by_kind("construction")
    assert catalog["econ_revenue"].reported_by_kind("headquarters")
    assert ("soc_employees_female", "soc_employees_male") in catalog["soc_employees_total"].breakdowns
    assert catalog["econ_patents_valid_invention"].rules.not_above == "econ_patents_valid"


BROKEN = """
pillars: {env: {zh: 环境, en: Environmental}}
indicators:
  - {code: env_a, pillar: env, name: {zh: a, en: a}, unit: widget, unit_zh: x, input_unit: widget,
     dtype: decimal, reported_by: all, consolidation: sum, decimals: 0}
  - {code: env_b, pillar: env, name: {zh: b, en: b}, unit: t, unit_zh: 吨, dtype: decimal,
     reported_by: all, consolidation: derived, formula: env_c * nowhere, decimals: 0}
  - {code: env_c, pillar: env, name: {zh: c, en: c}, unit: t, unit_zh: 吨, dtype: decimal,
     reported_by: all, consolidation: derived, formula: env_b + env_b, decimals: 0}
  - {code: soc_d, pillar: env, name: {zh: d, en: d}, unit: t, unit_zh: 吨, input_unit: t, dtype: decimal,
     reported_by: [shipyard], consolidation: sum, rules: {not_above: env_zz}, decimals: 0}
  - {code: env_e, pillar: env, name: {zh: e, en: e}, unit: t, unit_zh: 吨, dtype: decimal,
     reported_by: all, consolidation: screened, decimals: 0}
  - {code: env_f, pillar: env, name: {zh: f, en: f}, unit: t, unit_zh: 吨, input_unit: t, dtype: decimal,
     reported_by: all, consolidation: sum, excludes: [env_yy], decimals: 0}
"""


def test_validation_names_every_problem(factors: FactorRegistry) -> None:
    problems = "\n".join(validate(parse(BROKEN), factors.codes))
    assert "env_a: unknown unit 'widget'" in problems
    assert "env_b: formula names unknown 'nowhere'" in problems
    assert "formula cycle" in problems
    assert "soc_d: code must start with its pillar prefix" in problems
    assert "soc_d: unknown entity kind 'shipyard'" in problems
    assert "soc_d: rule names unknown indicator 'env_zz'" in problems
    assert "env_e: only a Scope 3 category (env_ghg_scope3_catN) may be screened" in problems
    assert "env_f: rule names unknown indicator 'env_yy'" in problems  # what an input excludes must be asked


def test_packaged_catalog_is_sound(catalog: Catalog, factors: FactorRegistry) -> None:
    assert validate(catalog, factors.codes) == []


@pytest.mark.parametrize("code", ["env_energy_total", "soc_trained_share_female", "soc_turnover_rate"])
def test_formula_inputs(catalog: Catalog, code: str) -> None:
    names = catalog[code].formula_inputs()
    assert names and all(n in catalog or n.startswith(("sce_", "density_")) for n in names)


def test_a_field_nothing_reads_is_refused() -> None:
    text = """
pillars: {env: {zh: 环境, en: Environmental}}
indicators:
  - {code: env_x, pillar: env, name: {zh: x, en: x}, unit: t, unit_zh: 吨, dtype: decimal, reported_by: all,
     consolidation: sum, decimals: 2, section: "环境|"}
"""
    with pytest.raises(EsgflowError, match=r"env_x.*does not read: \['section'\]"):
        parse(text)


def test_age_and_education_bands_are_named_in_both_languages(catalog: Catalog) -> None:
    bands = {
        "soc_employees_by_age_a": ("50岁以上", "over 50"),
        "soc_employees_by_age_b": ("30岁以下", "under 30"),
        "soc_employees_by_age_c": ("30岁至50岁", "30 to 50"),
        "soc_employees_by_education_a": ("博士", "doctorate"),
        "soc_employees_by_education_b": ("硕士", "master's"),
        "soc_employees_by_education_c": ("本科", "bachelor's"),
        "soc_employees_by_education_d": ("其他", "other"),
    }
    for code, (zh, en) in bands.items():
        assert zh in catalog[code].name_zh and en in catalog[code].name_en, code
    assert not [i.code for i in catalog.indicators if "group as extracted" in i.name_en or "组）" in i.name_zh]


def _with_versions(fields: str) -> str:
    return f"""
pillars: {{env: {{zh: 环境, en: Environmental}}}}
indicators:
  - {{code: env_x, pillar: env, name: {{zh: x, en: x}}, unit: t, unit_zh: 吨, input_unit: t, dtype: decimal,
     reported_by: all, consolidation: sum, decimals: 2, {fields}}}
"""


def test_the_current_template_version_is_the_newest_the_catalog_names(catalog: Catalog, catalog_v2: Catalog) -> None:
    assert catalog.template_version == "4"  # FY2026 inputs and Scope 3 activity data (issue 28)
    assert {i.template_version for i in catalog.indicators} == {"1", "2", "4"}  # absent means version 1
    assert catalog.estimate_marks_from == "3" and catalog_v2.estimate_marks_from is None
    assert catalog_v2.template_version == "2"
    assert catalog_v2[NEW_IN_V2].template_version == "2" and catalog_v2[RETIRED_IN_V2].retired_in == "2"
    assert parse(_with_versions('retired_in: "3"')).template_version == "3"  # retiring is a change too


def test_each_template_version_asks_for_its_own_inputs(catalog: Catalog, catalog_v2: Catalog) -> None:
    v1 = {i.code for i in catalog_v2.inputs_for_kind("construction", "1")}
    v2 = {i.code for i in catalog_v2.inputs_for_kind("construction")}
    assert v1 == {i.code for i in catalog.inputs_for_kind("construction")}  # version 1 is what was sent before
    assert v2 - v1 == {NEW_IN_V2} and v1 - v2 == {RETIRED_IN_V2}
    assert RETIRED_IN_V2 in catalog_v2  # still an indicator: its history and appendix row stay


@pytest.mark.parametrize(
    "fields",
    [
        'template_version: "0"',
        "template_version: two",
        'template_version: "1.5"',
        'template_version: "-1"',
        'template_version: ""',
        'retired_in: "v2"',
    ],
)
def test_a_template_version_that_is_not_a_positive_whole_number_is_refused(
    fields: str, factors: FactorRegistry
) -> None:
    [problem] = validate(parse(_with_versions(fields)), factors.codes)
    assert problem.startswith("indicator env_x: ") and "must be a template version, a positive whole number" in problem


def test_an_input_is_retired_after_it_was_first_asked(factors: FactorRegistry) -> None:
    [problem] = validate(parse(_with_versions('template_version: "2", retired_in: "2"')), factors.codes)
    assert problem == "indicator env_x: retired_in 2 must come after template_version 2"
    assert validate(parse(_with_versions("template_version: 2")), factors.codes) == []  # YAML's number 2 is "2"


def test_the_loader_refuses_a_catalog_with_a_bad_template_version(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(catalog_v2_text().replace('template_version: "2"', 'template_version: "2a"'), "utf-8")
    with pytest.raises(EsgflowError, match=r"env_solar_generation: template_version must be a template version"):
        load_catalog(path)


def test_a_split_is_declared_in_the_catalog_and_checked(catalog: Catalog) -> None:
    from dataclasses import replace

    from esgflow.catalog import Catalog as C
    from esgflow.catalog import Split, validate
    from esgflow.factors import load_factors

    split = catalog["env_electricity"].split
    assert split == Split("location", 6, "2") and catalog["env_electricity"].split_in("1") is None
    assert [i.code for i in catalog.indicators if i.split] == ["env_electricity"]
    bad = replace(catalog["env_electricity_green"], split=Split("location", 0, "2"))
    problems = validate(
        C(tuple(bad if i.code == bad.code else i for i in catalog.indicators), catalog.pillars), load_factors().codes
    )
    assert any("1 to 50 rows" in p for p in problems)
    assert any("one split input" in p for p in problems)  # market-based Scope 2 would name two


def test_only_a_scope3_category_may_be_screened_and_it_is_never_asked(catalog: Catalog) -> None:
    screened = [i for i in catalog.indicators if i.consolidation == "screened"]
    assert [i.code for i in screened] == [f"env_ghg_scope3_cat{n}" for n in range(8, 16)]
    assert not any(i.is_input or i.formula for i in screened)


def test_every_name_is_read_whole_in_its_two_languages() -> None:
    """An unquoted comma in a flow mapping would cut a name and leave its tail as a stray key."""
    raw = yaml.safe_load(resources.files("esgflow").joinpath("catalog/indicators.yaml").read_text("utf-8"))
    cut = [i["code"] for i in raw["indicators"] if set(i["name"]) != {"zh", "en"}]
    assert cut == []


@pytest.mark.parametrize(
    ("package", "name"),
    [("esgflow", "catalog/indicators.yaml"), ("esgflow", "data/factors.yaml"), ("esgflow.templates", "layout.yaml")],
)
def test_the_packaged_yaml_reads_as_plain_data_the_same_with_libyaml(package: str, name: str) -> None:
    """The catalog, the factors and the template layout are read with libyaml (a fifth of the time of a cold
    command's YAML): they must read exactly as the pure-Python safe loader reads them."""
    text = resources.files(package).joinpath(name).read_text("utf-8")
    assert yaml.__with_libyaml__ and read_yaml(text) == yaml.safe_load(text)


def test_yaml_never_makes_python_objects() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        read_yaml("!!python/object/apply:os.getcwd []")
