"""Load the catalog, entity registry, contacts and factors into the warehouse (`esgflow init`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from esgflow.catalog import Catalog
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry
from esgflow.periods import parse_period
from warehouse import models as m

T = TypeVar("T", bound=m.Base)


@dataclass(frozen=True)
class LoadCounts:
    indicators: int
    entities: int
    links: int
    contacts: int
    factors: int


def _upsert(session: Session, model: type[T], key: dict[str, Any], values: dict[str, Any]) -> T:
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def code_ids(session: Session, model: type[m.Entity] | type[m.Indicator] | type[m.Period]) -> dict[str, int]:
    """code -> id for a table keyed by code."""
    return dict(session.execute(select(model.code, model.id)).tuples().all())


def ensure_period(session: Session, code: str) -> m.Period:
    """The period row for a code, created on first use."""
    p = parse_period(code)
    return _upsert(
        session, m.Period, {"code": p.code}, {"kind": p.kind, "starts_on": p.starts_on, "ends_on": p.ends_on}
    )


def load_reference_data(
    session: Session, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> LoadCounts:
    """Bring the reference tables in step with the packaged files; safe to run again."""
    appendix_order = {i.code: n for n, i in enumerate(catalog.appendix(), start=1)}
    for ind in catalog.indicators:
        _upsert(
            session,
            m.Indicator,
            {"code": ind.code},
            {
                "pillar": ind.pillar,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "unit": ind.unit,
                "dtype": ind.dtype,
                "consolidation": ind.consolidation,
                "formula": ind.formula,
                "appendix_order": appendix_order.get(ind.code),
            },
        )
    for e in registry.entities:
        _upsert(
            session,
            m.Entity,
            {"code": e.code},
            {
                "name_zh": e.name_zh,
                "short_zh": e.short_zh,
                "name_en": e.name_en,
                "kind": e.kind,
                "relation": e.relation,
                "country": e.country,
                "language": e.language,
            },
        )
    session.flush()
    entity_ids = code_ids(session, m.Entity)
    wanted = set()
    for link in registry.links:
        row = _upsert(
            session,
            m.EntityLink,
            {"entity_id": entity_ids[link.entity], "valid_from": link.valid_from},
            {"parent_id": entity_ids[link.parent] if link.parent else None, "valid_to": link.valid_to},
        )
        session.flush()
        wanted.add(row.id)
    for stale in session.scalars(select(m.EntityLink).where(m.EntityLink.id.not_in(wanted))):
        session.delete(stale)
    for c in registry.contacts:
        _upsert(
            session,
            m.Contact,
            {"entity_id": entity_ids[c.entity], "email": c.email},
            {"name": c.name, "language": c.language},
        )
    for f in factors.factors:
        _upsert(
            session,
            m.Factor,
            {"code": f.code, "valid_from": f.valid_from},
            {
                "value": f.value,
                "unit": f.unit,
                "source": f.source,
                "valid_to": f.valid_to,
                "looked_up": f.looked_up,
            },
        )
    return LoadCounts(
        len(catalog.indicators),
        len(registry.entities),
        len(registry.links),
        len(registry.contacts),
        len(factors.factors),
    )
