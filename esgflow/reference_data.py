"""The catalog, entity registry, contacts and factors as rows for the warehouse (`esgflow init`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry


@dataclass(frozen=True)
class ReferenceRows:
    indicators: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    links: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    locations: list[dict[str, Any]]

    def counts(self) -> LoadCounts:
        return LoadCounts(
            len(self.indicators),
            len(self.entities),
            len(self.links),
            len(self.contacts),
            len(self.factors),
            len(self.locations),
        )


@dataclass(frozen=True)
class LoadCounts:
    indicators: int
    entities: int
    links: int
    contacts: int
    factors: int
    locations: int


def reference_rows(catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry) -> ReferenceRows:
    """Rows of the reference tables, keyed by codes, as the packaged files define them."""
    appendix_order = {i.code: n for n, i in enumerate(catalog.appendix(), start=1)}
    return ReferenceRows(
        indicators=[
            {
                "code": i.code,
                "pillar": i.pillar,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "unit": i.unit,
                "dtype": i.dtype,
                "consolidation": i.consolidation,
                "formula": i.formula,
                "appendix_order": appendix_order.get(i.code),
            }
            for i in catalog.indicators
        ],
        entities=[{**asdict(e), "language": e.language} for e in registry.entities],
        links=[asdict(link) for link in registry.links],
        contacts=[asdict(c) for c in registry.contacts],
        factors=[asdict(f) for f in factors.factors],
        locations=[asdict(loc) for loc in registry.locations],
    )
