"""Reference rows for the warehouse (esgflow.reference_data), as the packaged catalog, registry and factors say."""

from __future__ import annotations

from esgflow.catalog import Catalog, load_catalog
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry
from esgflow.reference_data import LoadCounts, reference_rows
from esgflow.warehouse import models as m


def _columns(model: type[m.Base]) -> set[str]:
    return {c.name for c in model.__table__.columns} - {"id"}


def test_counts_match_the_packaged_files(catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry) -> None:
    rows = reference_rows(catalog, registry, factors)
    assert rows.counts() == LoadCounts(
        indicators=len(catalog.indicators),
        entities=len(registry.entities),
        links=len(registry.links),
        contacts=len(registry.contacts),
        factors=len(factors.factors),
        locations=len(registry.locations),
    )
    assert rows.counts() == LoadCounts(len(load_catalog().codes), 33, 34, 33, len(factors.factors), 33)


def test_indicator_rows_follow_the_catalog(catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry) -> None:
    rows = reference_rows(catalog, registry, factors)
    assert [r["code"] for r in rows.indicators] == [i.code for i in catalog.indicators]
    assert all(set(r) == _columns(m.Indicator) for r in rows.indicators)
    by_code = {r["code"]: r for r in rows.indicators}
    electricity = by_code["env_electricity"]
    assert (electricity["unit"], electricity["pillar"], electricity["consolidation"]) == ("10k kWh", "env", "sum")
    assert by_code["env_energy_intensity_revenue"]["formula"] == "env_energy_total / econ_revenue"


def test_appendix_order_numbers_the_appendix_indicators_from_one(
    catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    rows = reference_rows(catalog, registry, factors)
    ordered = sorted((r["appendix_order"], r["code"]) for r in rows.indicators if r["appendix_order"] is not None)
    assert [code for _, code in ordered] == [i.code for i in catalog.appendix()]
    assert [n for n, _ in ordered] == list(range(1, len(catalog.appendix()) + 1))
    in_appendix = {i.code for i in catalog.appendix()}
    assert all(r["appendix_order"] is None for r in rows.indicators if r["code"] not in in_appendix)
    assert len(in_appendix) < len(rows.indicators)  # some indicators stay out of the appendix


def test_entity_rows_carry_the_reporters_language(
    catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    rows = reference_rows(catalog, registry, factors)
    assert [r["code"] for r in rows.entities] == registry.codes
    assert all(set(r) == _columns(m.Entity) for r in rows.entities)
    languages = {r["code"]: (r["kind"], r["language"]) for r in rows.entities}
    assert languages["HQ"] == ("headquarters", "zh")
    overseas = [code for code, (kind, _) in languages.items() if kind == "overseas"]
    assert overseas and all(languages[code][1] == "en" for code in overseas)
    assert all(lang == "zh" for kind, lang in languages.values() if kind != "overseas")


def test_links_contacts_and_factors_are_keyed_by_codes(
    catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    rows = reference_rows(catalog, registry, factors)
    assert [(r["entity"], r["parent"], r["valid_from"], r["valid_to"]) for r in rows.links] == [
        (li.entity, li.parent, li.valid_from, li.valid_to) for li in registry.links
    ]
    assert [(r["entity"], r["email"], r["name"], r["language"]) for r in rows.contacts] == [
        (c.entity, c.email, c.name, c.language) for c in registry.contacts
    ]
    assert all(set(r) == _columns(m.Factor) for r in rows.factors)
    diesel = next(r for r in rows.factors if r["code"] == "sce_diesel")
    assert str(diesel["value"]) == "1.4571" and diesel["unit"] == "kgce/kg"
