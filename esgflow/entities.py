"""The entity registry: reporting entities, their dated parent links and locations, their reporters."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from esgflow import EsgflowError
from esgflow.factors import OPEN_END, OPEN_START


@dataclass(frozen=True)
class Entity:
    code: str
    name_zh: str
    short_zh: str
    name_en: str
    kind: str
    relation: str
    country: str

    @property
    def language(self) -> str:
        """Reporters' language: English for overseas entities, Chinese otherwise."""
        return "en" if self.kind == "overseas" else "zh"


@dataclass(frozen=True)
class ParentLink:
    entity: str
    parent: str | None
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class Location:
    """Where an entity uses its energy: a province (CN-LN) in China, a country (IN) abroad."""

    entity: str
    location: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class Contact:
    entity: str
    name: str
    email: str
    language: str


@dataclass(frozen=True)
class EntityRegistry:
    entities: tuple[Entity, ...]
    links: tuple[ParentLink, ...]
    contacts: tuple[Contact, ...]
    locations: tuple[Location, ...] = ()

    def __getitem__(self, code: str) -> Entity:
        for e in self.entities:
            if e.code == code:
                return e
        raise EsgflowError(f"unknown entity {code!r}")

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.entities]

    def parents_on(self, on: date) -> dict[str, str | None]:
        """Each entity's parent on a date (None for the root)."""
        return parents_on(self.links, on)

    def root(self) -> str:
        roots = [e for e, p in self.parents_on(date.today()).items() if p is None]
        if len(roots) != 1:
            raise EsgflowError(f"the entity tree must have one root, found {roots}")
        return roots[0]

    def contacts_of(self, code: str) -> list[Contact]:
        return [c for c in self.contacts if c.entity == code]

    def locations_on(self, on: date) -> dict[str, str]:
        """Each entity's location on a date; an entity without a dated one is placed in its country."""
        return locations_on(self.locations, {e.code: e.country for e in self.entities}, on)


def locations_on(
    locations: tuple[Location, ...] | list[Location], countries: dict[str, str], on: date
) -> dict[str, str]:
    """Each entity's location on a date, from dated locations, else its registered country."""
    placed = dict(countries)
    for loc in locations:
        if loc.valid_from <= on <= loc.valid_to:
            placed[loc.entity] = loc.location
    return placed


def parents_on(links: tuple[ParentLink, ...] | list[ParentLink], on: date) -> dict[str, str | None]:
    """Each entity's parent on a date, from dated links."""
    tree: dict[str, str | None] = {}
    for link in links:
        if link.valid_from <= on <= link.valid_to:
            if link.entity in tree:
                raise EsgflowError(f"entity {link.entity} has two parents on {on.isoformat()}")
            tree[link.entity] = link.parent
    return tree


def ancestry(parents: dict[str, str | None]) -> list[tuple[str, str]]:
    """(entity, scope) pairs: every entity with itself and each of its ancestors."""
    pairs: list[tuple[str, str]] = []
    for entity in parents:
        node: str | None = entity
        seen: set[str] = set()
        while node is not None:
            if node in seen:
                raise EsgflowError(f"the entity tree has a cycle through {node}")
            seen.add(node)
            pairs.append((entity, node))
            node = parents.get(node)
    return pairs


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("esgflow").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _date(text: str, default: date) -> date:
    return date.fromisoformat(text) if text else default


@cache
def load_registry() -> EntityRegistry:
    """The packaged registry: entities.csv, parent_history.csv, entity_locations.csv and contacts.csv."""
    rows = _rows("entities.csv")
    entities = tuple(
        Entity(r["code"], r["name_zh"], r["short_zh"], r["name_en"], r["kind"], r["relation"], r["country"])
        for r in rows
    )
    links = [ParentLink(r["code"], r["parent"] or None, _date(r["parent_from"], OPEN_START), OPEN_END) for r in rows]
    for r in _rows("parent_history.csv"):
        links.append(
            ParentLink(
                r["entity"],
                r["parent"] or None,
                _date(r["valid_from"], OPEN_START),
                _date(r["valid_to"], OPEN_END),
            )
        )
    for r in rows:  # a current link that starts late needs an earlier one; fail loudly if history lacks it
        start = _date(r["parent_from"], OPEN_START)
        if start != OPEN_START and not any(
            link.entity == r["code"] and link.valid_to == start - timedelta(days=1) for link in links
        ):
            raise EsgflowError(f"entity {r['code']}: no parent recorded before {start.isoformat()}")
    contacts = tuple(Contact(r["entity"], r["name"], r["email"], r["language"]) for r in _rows("contacts.csv"))
    locations = tuple(
        Location(r["entity"], r["location"], _date(r["valid_from"], OPEN_START), _date(r["valid_to"], OPEN_END))
        for r in _rows("entity_locations.csv")
    )
    codes = {e.code for e in entities}
    for loc in locations:
        if loc.entity not in codes:
            raise EsgflowError(f"entity_locations.csv: unknown entity {loc.entity}")
        if loc.location.split("-", 1)[0] != next(e.country for e in entities if e.code == loc.entity):
            raise EsgflowError(f"entity_locations.csv: {loc.entity} is placed in {loc.location}, outside its country")
    return EntityRegistry(entities=entities, links=tuple(links), contacts=contacts, locations=locations)


def reports_for(allowed: Collection[str] | None, entity: str) -> bool:
    """Whether someone who reports for `allowed` may send `entity`'s return (None: the ESG office, any entity).

    The one own-entity check, for a return by mail (its sender's entities) and at the portal (the grant's).
    """
    return allowed is None or entity in allowed
