"""Evidence (issue 29): attach a document to an entity's return or one of its figures, and list them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.evidence_needs import WAIVED, Need, open_needs
from esgflow.entities import load_registry
from esgflow.findings import Finding
from esgflow.intake.archive import content_hash
from esgflow.intake.evidence import MAX_PER_RETURN, EvidenceRefused, kind_of, store_evidence
from esgflow.jobs.common import require_schema
from esgflow.periods import Period, parse_period
from esgflow.records import EvidenceRecord
from esgflow.warehouse import db
from esgflow.warehouse.evidence import evidence_count, evidence_of, record_evidence, same_evidence
from esgflow.warehouse.observations import observations_of_versions
from esgflow.warehouse.submissions import submission_findings
from esgflow.warehouse.trail import audit_events, record_audit

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
        raise EvidenceRefused(f"unknown entity {entity!r}", zh=f"没有单位 {entity!r}。")
    code = parse_period(period).code
    if indicator is not None and indicator not in load_catalog():
        raise EvidenceRefused(f"unknown indicator {indicator!r}", zh=f"没有指标 {indicator!r}。")
    kind = kind_of(data, file_name)
    sha = content_hash(data)
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        known = same_evidence(session, sha, entity, code, indicator)
        if known is not None:
            return known
        if evidence_count(session, entity, code) >= MAX_PER_RETURN:
            raise EvidenceRefused(
                f"{entity}'s return for {code} already has {MAX_PER_RETURN} documents; ask the ESG office",
                zh=f"{entity} {code} 报告期的填报已有 {MAX_PER_RETURN} 份证明材料；请联系 ESG 工作办公室。",
            )
        store_evidence(settings.archive, data, sha, kind)
        return record_evidence(session, sha, len(data), kind, file_name, entity, code, indicator, channel, sent_by)


def period_evidence(settings: Settings, period: str, entity: str | None = None) -> list[EvidenceRecord]:
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return evidence_of(session, parse_period(period).code, entity)


def evidence_needs(settings: Settings, period: Period, entity: str, version: int | None) -> list[Need]:
    """What the entity's return (`version`: the one the office decides on) still needs documents for."""
    if version is None:
        return []
    return pending_reviews(settings, period, {entity: version})[entity].needs


@dataclass(frozen=True)
class Pending:
    """What the office reads before deciding on one version: its open evidence needs and its findings."""

    needs: list[Need]
    findings: list[Finding]


def pending_reviews(settings: Settings, period: Period, targets: Mapping[str, int]) -> dict[str, Pending]:
    """For each entity -> the version the office decides on: its needs and findings, read in one session
    for every entity at once (the review page of thirty entities opened sixty sessions before)."""
    if not targets:
        return {}
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        rows = observations_of_versions(session, period, list(targets.items()))
        documents = evidence_of(session, period.code)
        waivers = audit_events(session, period, (WAIVED,))
        findings = submission_findings(session, period, list(targets.items()))
    catalog, out = load_catalog(), {}
    for entity, version in targets.items():
        mine = rows.filter(pl.col("entity") == entity)  # only `version`'s figures were read
        figures = {r["indicator"]: Decimal(str(r["value"])) for r in mine.iter_rows(named=True)}
        documented = [d.indicator for d in documents if d.entity == entity]
        waived = [str((e.detail or {}).get("indicator")) for e in waivers if e.entity == entity]
        needs = open_needs(catalog, figures, documented, waived)
        out[entity] = Pending(needs, findings.get((entity, version), []))
    return out


def waive_evidence(settings: Settings, period: Period, entity: str, indicator: str, reason: str, by: str) -> None:
    """The office excuses a figure from its documents, with its reason, in the audit trail."""
    catalog = load_catalog()
    if indicator not in catalog or catalog[indicator].evidence is None:
        raise EsgflowError(f"{indicator} needs no documents in the catalog: nothing to waive")
    if entity not in load_registry().codes:
        raise EsgflowError(f"unknown entity {entity!r}")
    if not reason.strip() or not by.strip():
        raise EsgflowError("a waiver needs a reason and the name of who waives it (--reason, --by)")
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        record_audit(session, WAIVED, by, period, entity=entity, reason=reason, detail={"indicator": indicator})
