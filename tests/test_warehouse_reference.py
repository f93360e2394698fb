"""Reference data and who is who (esgflow.warehouse.reference) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry
from esgflow.jobs.setup import init_warehouse
from esgflow.reference_data import ReferenceRows, reference_rows
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.reference import add_entities, contacts, entity_kinds, entity_links, load_reference


def test_entity_kinds_are_the_registry_kinds(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        kinds = entity_kinds(s)
    assert kinds == {e.code: e.kind for e in registry.entities}
    assert kinds["HQ"] == "headquarters"


def test_entity_links_are_the_dated_tree(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        links = entity_links(s)
    assert sorted(links) == sorted((li.entity, li.parent, li.valid_from, li.valid_to) for li in registry.links)
    cssi = sorted((f, p) for e, p, f, _ in links if e == "CSSI")
    assert cssi == [(date(1900, 1, 1), "HQ"), (date(2024, 1, 1), "CINF")]
    assert [e for e, p, _, _ in links if p is None] == ["HQ"]


def test_contacts_list_each_entity_reporters(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        found = contacts(s)
    expected: dict[str, list[str]] = {}
    for c in registry.contacts:
        expected.setdefault(c.entity, []).append(c.email)
    assert found == expected
    assert found["HQ"] == ["esg.hq@example.com"]


# -- reference data -------------------------------------------------------------------------------------------------


def _load_reference(settings: Settings, rows: ReferenceRows) -> None:
    with db.session_scope(settings.database_url) as s:
        load_reference(
            s,
            indicators=rows.indicators,
            entities=rows.entities,
            links=rows.links,
            contacts=rows.contacts,
            factors=rows.factors,
            locations=rows.locations,
        )


def _reference_snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with db.session_scope(settings.database_url) as s:
        return {
            "entity": sorted(s.execute(select(m.Entity.id, m.Entity.code, m.Entity.name_en)).tuples()),
            "indicator": sorted(s.execute(select(m.Indicator.id, m.Indicator.code, m.Indicator.unit)).tuples()),
            "link": sorted(s.execute(select(m.EntityLink.id, m.EntityLink.parent_id, m.EntityLink.valid_to)).tuples()),
            "contact": sorted(s.execute(select(m.Contact.id, m.Contact.email, m.Contact.name)).tuples()),
            "factor": sorted(s.execute(select(m.Factor.id, m.Factor.code, m.Factor.value)).tuples()),
        }


def test_init_loads_reference_data_and_is_safe_to_rerun(settings: Settings) -> None:
    first = init_warehouse(settings)
    second = init_warehouse(settings)
    assert first == second
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Indicator)) == first.indicators == len(load_catalog().codes)
        assert s.scalar(select(func.count()).select_from(m.Entity)) == 33
        assert s.scalar(select(func.count()).select_from(m.EntityLink)) == 34
        assert s.scalar(select(func.count()).select_from(m.Contact)) == 33
        factor = s.scalars(select(m.Factor).filter_by(code="sce_diesel")).one()
        assert factor.value == Decimal("1.4571") and "GB/T 2589" in factor.source


def test_load_reference_twice_keeps_every_row_and_id(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    before = _reference_snapshot(settings)
    _load_reference(settings, rows)
    assert _reference_snapshot(settings) == before
    assert len(before["entity"]) == 33 and len(before["factor"]) == len(factors.factors)


def test_load_reference_updates_changed_rows_in_place(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    before = _reference_snapshot(settings)
    renamed = [{**e, "name_en": "Renamed"} if e["code"] == "SAMI" else e for e in rows.entities]
    contacts = [{**c, "name": "New reporter"} if c["entity"] == "SAMI" else c for c in rows.contacts]
    _load_reference(settings, replace(rows, entities=renamed, contacts=contacts))
    after = _reference_snapshot(settings)
    sami = next(row for row in after["entity"] if row[1] == "SAMI")
    assert sami == (next(row[0] for row in before["entity"] if row[1] == "SAMI"), "SAMI", "Renamed")
    assert [row[2] for row in after["contact"] if row[1] == "esg.sami@example.com"] == ["New reporter"]
    assert len(after["entity"]) == len(before["entity"]) and len(after["contact"]) == len(before["contact"])


def test_load_reference_removes_links_no_longer_given(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    # The reorganisation is undone: CSSI stays under HQ throughout, its 2024 link to CINF goes.
    links = [
        {**link, "valid_to": date(9999, 12, 31)} if link["entity"] == "CSSI" and link["parent"] == "HQ" else link
        for link in rows.links
        if not (link["entity"] == "CSSI" and link["parent"] == "CINF")
    ]
    _load_reference(settings, replace(rows, links=links))
    with db.session_scope(settings.database_url) as s:
        tree = entity_links(s)
    assert [(p, f, t) for e, p, f, t in tree if e == "CSSI"] == [("HQ", date(1900, 1, 1), date(9999, 12, 31))]
    assert len(tree) == len(rows.links) - 1


def test_add_entities_adds_entities_and_their_links_in_bulk(settings: Settings) -> None:
    init_warehouse(settings)
    made_up = [f"SYN{n}" for n in range(3)]
    with db.session_scope(settings.database_url) as s:
        add_entities(
            s,
            [
                {
                    "code": code,
                    "name_zh": code,
                    "short_zh": code,
                    "name_en": code,
                    "kind": "branch",
                    "relation": "branch",
                    "country": "CN",
                    "language": "zh",
                }
                for code in made_up
            ],
            [
                {"entity": c, "parent": "HQ", "valid_from": date(2020, 1, 1), "valid_to": date(9999, 12, 31)}
                for c in made_up
            ],
        )
    with db.session_scope(settings.database_url) as s:
        links = {e: p for e, p, _, _ in entity_links(s) if e in made_up}
    assert links == dict.fromkeys(made_up, "HQ")
