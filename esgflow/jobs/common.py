"""What every stage's jobs share: the warehouse's address, its schema's presence, the entity tree of a
period (as held today, or as its figures were consolidated along), and the basis a period's figures stand on.
"""

from __future__ import annotations

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.entities import ParentLink, parents_on
from esgflow.periods import Period
from esgflow.warehouse import db
from esgflow.warehouse.figures import restatements
from esgflow.warehouse.provenance import consolidated_tree
from esgflow.warehouse.reference import entity_links

# Faults that pass (a database briefly away): a Prefect task retries on these.
TRANSIENT_DB_ERRORS = db.TRANSIENT_ERRORS


def warehouse_url(settings: Settings) -> str:
    """The warehouse's URL with its password masked, for messages."""
    return db.display_url(settings.database_url)


def close() -> None:
    """Close the warehouse connections this process holds (before it exits)."""
    db.dispose_all()


def require_schema(settings: Settings) -> None:
    try:
        ready = db.has_schema(settings.database_url)
    except Exception as exc:
        raise EsgflowError(f"cannot reach the warehouse at {warehouse_url(settings)}: {exc}") from exc
    if not ready:
        raise EsgflowError("the warehouse has no schema yet: run 'esgflow init' first")


def entity_tree(session: db.Session, period: Period) -> dict[str, str | None]:
    """The entity tree as the warehouse holds it, valid at the end of the period."""
    return parents_on([ParentLink(*row) for row in entity_links(session)], period.ends_on)


def figures_tree(session: db.Session, period: Period, basis: str) -> dict[str, str | None]:
    """The entity tree the period's figures of `basis` were consolidated along, frozen when they were: a
    reference reload that rewrites a past period's links changes it only at the next consolidation (or
    restatement). Figures consolidated before migration 0032 stored none: the tree as held today."""
    return consolidated_tree(session, period, basis) or entity_tree(session, period)


COMPUTED, RESTATED = "computed", "computed_restated"


def standing_basis(session: db.Session, period: Period) -> str:
    """The basis a period's current figures are on: restated once a restatement was recorded."""
    return RESTATED if restatements(session, [period]) else COMPUTED
