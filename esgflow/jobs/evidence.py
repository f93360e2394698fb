"""Evidence (issue 29): attach a document to an entity's return or one of its figures, and list them."""

from __future__ import annotations

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.intake.archive import content_hash
from esgflow.intake.evidence import MAX_PER_RETURN, EvidenceRefused, kind_of, store_evidence
from esgflow.jobs.common import require_schema
from esgflow.periods import parse_period
from esgflow.records import EvidenceRecord
from esgflow.warehouse import db
from esgflow.warehouse.evidence import evidence_count, evidence_of, record_evidence, same_evidence

CHANNELS = ("portal", "api", "mail")


def attach_evidence(
    settings: Settings,
    entity: str,
    period: str,
    indicator: str | None,
    data: bytes,
    file_name: str,
    channel: str,
    sent_by: str,
) -> EvidenceRecord:
    """Keep a document for an entity's return of a period (or one of its figures); the same bytes sent again
    for the same return or figure are the same document. EvidenceRefused when it may not be kept."""
    if channel not in CHANNELS:
        raise EsgflowError(f"evidence comes by portal, api or mail, not {channel!r}")
    if entity not in load_registry().codes:
        raise EvidenceRefused(f"unknown entity {entity!r}")
    code = parse_period(period).code
    if indicator is not None and indicator not in load_catalog():
        raise EvidenceRefused(f"unknown indicator {indicator!r}")
    kind = kind_of(data, file_name)
    sha = content_hash(data)
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        known = same_evidence(session, sha, entity, code, indicator)
        if known is not None:
            return known
        if evidence_count(session, entity, code) >= MAX_PER_RETURN:
            raise EvidenceRefused(
                f"{entity}'s return for {code} already has {MAX_PER_RETURN} documents; ask the ESG office"
            )
        store_evidence(settings.archive, data, sha, kind)
        return record_evidence(session, sha, len(data), kind, file_name, entity, code, indicator, channel, sent_by)


def period_evidence(settings: Settings, period: str, entity: str | None = None) -> list[EvidenceRecord]:
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return evidence_of(session, parse_period(period).code, entity)
