"""The assurer's stage: gather a period's pack from the warehouse and the archive, and verify a pack."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from esgflow import EsgflowError
from esgflow.assurance.pack import PackContents, return_path, write_pack
from esgflow.assurance.sample import Candidate, draw, shares
from esgflow.assurance.verify import Verification, verify_pack
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import actor
from esgflow.decimals import tidy
from esgflow.entities import load_registry
from esgflow.intake.evidence import EVIDENCE_FOLDER, SUFFIXES, stored_evidence
from esgflow.jobs.common import figures_tree, require_schema, standing_basis
from esgflow.jobs.evidence import attach_evidence
from esgflow.periods import Period
from esgflow.records import EvidenceRecord
from esgflow.warehouse import db
from esgflow.warehouse.evidence import evidence_of
from esgflow.warehouse.figures import figures_with_sources, pinned_factor_set, restatements, stored_figures
from esgflow.warehouse.observations import observations_by_id, splits_of
from esgflow.warehouse.reference import entity_locations
from esgflow.warehouse.submissions import entity_submissions, submission_versions
from esgflow.warehouse.trail import audit_events, period_signoff, record_audit


@dataclass(frozen=True)
class PackResult:
    period: str
    out: Path
    files: int
    figures: int
    inputs: int
    returns: int


def _archived(archive: Path, sha256: str) -> Path:
    """The archived bytes of a return (stored by esgflow.intake.archive under their hash, with their suffix)."""
    found = [p for p in sorted((archive / sha256[:2]).glob(f"{sha256}.*")) if not p.name.endswith(".log.jsonl")]
    if not found:
        raise EsgflowError(f"the return with SHA-256 {sha256} is not in the archive {archive}: restore it first")
    return found[0]


def _evidence_path(document: EvidenceRecord) -> str:
    return f"{EVIDENCE_FOLDER}/{document.sha256}{SUFFIXES[document.kind]}"


def _plain(record: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(record).items()}


def pack_period(settings: Settings, period: Period, out: Path) -> PackResult:
    """Write the assurance pack of a period's standing figures (restated ones once restated) into `out`."""
    require_schema(settings)
    catalog, root = load_catalog(), load_registry().root()
    with db.session_scope(settings.database_url) as session:
        basis = standing_basis(session, period)
        figures = figures_with_sources(session, period, basis)
        pinned = pinned_factor_set(session, period)
        if figures.is_empty() or pinned is None:
            raise EsgflowError(f"{period} has no consolidated figures to pack: run 'esgflow consolidate' first")
        ids = figures["observation_ids"].explode().drop_nulls().unique().sort().to_list()
        observations = observations_by_id(session, ids)
        splits = splits_of(session, ids)
        versions = {(v.entity, v.version): v for v in submission_versions(session, period)}
        trail = audit_events(session, period)
        signed = period_signoff(session, period)
        restated = restatements(session, [period])
        parents = figures_tree(session, period, basis)  # the tree the figures were consolidated along
        locations = entity_locations(session, period.ends_on)
        documents = evidence_of(session, period.code)
        used = {(r["entity"], r["version"]) for r in observations.select("entity", "version").unique().to_dicts()}
        checked = [
            {"entity": entity, "version": s.version, "file": s.file, **f.to_json()}
            for entity in sorted({e for e, _ in used})
            for s in entity_submissions(session, entity, period)
            if (entity, s.version) in used
            for f in s.findings
        ]
    approvals = {(e.entity, e.version): e for e in trail if e.action == "approved"}
    inputs = []
    for r in observations.with_columns(pl.col("value").cast(pl.Utf8)).iter_rows(named=True):
        stored = versions[(r["entity"], r["version"])]
        approved = approvals.get((r["entity"], r["version"]))
        typed = f"{r['original_value'] or r['value']} {r['original_unit'] or ''}".strip()
        inputs.append(
            {
                "observation_id": r["observation_id"],
                "entity": r["entity"],
                "indicator": r["indicator"],
                "value": r["value"],
                "unit": catalog[r["indicator"]].unit,
                "as_typed": typed,
                "version": r["version"],
                "file": r["file"],
                "sha256": stored.content_hash,
                "return": return_path(stored.content_hash),
                "received_at": stored.arrived_at.isoformat(),
                "sheet": r["sheet"],
                "cell": r["cell"],
                "estimated": bool(r["estimated"]),
                "prepared_by": stored.signatories.get("meta_preparer"),  # as the subsidiary named them
                "reviewed_by": stored.signatories.get("meta_reviewer"),
                "responsible": stored.signatories.get("meta_responsible"),
                "approved_by": approved.actor if approved else None,
                "approved_at": approved.at.isoformat() if approved else None,
            }
        )
    contents = PackContents(
        period=period.code,
        basis=basis,
        root=root,
        parents=dict(sorted(parents.items())),
        locations=dict(sorted(locations.items())),
        figures=figures.to_dicts(),
        inputs=inputs,
        splits=splits.with_columns(pl.col("value").cast(pl.Utf8)).to_dicts(),
        factors=pinned[1],
        catalog_text=resources.files("esgflow").joinpath("catalog/indicators.yaml").read_text("utf-8"),
        trail=[_plain(e) for e in trail],
        returns={i["sha256"]: _archived(settings.archive, i["sha256"]) for i in inputs},
        signoff=_plain(signed) if signed else None,
        restatements=[_plain(r) for r in restated],
        evidence=[{**_plain(d), "path": _evidence_path(d)} for d in documents],
        documents={_evidence_path(d): stored_evidence(settings.archive, d.sha256, d.kind) for d in documents},
        findings=checked,
        tests={
            "samples": [_plain(e) for e in trail if e.action == SAMPLED],
            "results": [_plain(e) for e in trail if e.action == TESTED],
        },
    )
    files = write_pack(contents, out, catalog)
    return PackResult(period.code, out, len(files), figures.height, len(inputs), len(contents.returns))


def verify(folder: Path) -> Verification:
    """Verify a pack from its own files (no warehouse is opened)."""
    if not folder.is_dir():
        raise EsgflowError(f"{folder} is not a folder")
    return verify_pack(folder)


SAMPLED = "assurance_sampled"  # the audit trail's action for a drawn sample


@dataclass(frozen=True)
class SampleResult:
    period: str
    size: int
    seed: int
    by: str
    items: list[Candidate]
    candidates: int


def sample_period(
    settings: Settings,
    period: Period,
    size: int,
    seed: int,
    named: list[tuple[str, str]] | None = None,
    by: str | None = None,
) -> SampleResult:
    """Draw and record (in the audit trail) a sample of the inputs behind a period's group figures."""
    if size < 1 and not named:
        raise EsgflowError("a sample needs --size 1 or more, or inputs named with --include")
    require_schema(settings)
    catalog, root, who = load_catalog(), load_registry().root(), actor(by)
    summed = [i.code for i in catalog.indicators if i.consolidation in ("sum", "group")]
    with db.session_scope(settings.database_url) as session:
        figures = figures_with_sources(session, period, standing_basis(session, period))
        group = figures.filter((pl.col("scope") == root) & pl.col("indicator").is_in(summed))
        if group.is_empty():
            raise EsgflowError(f"{period} has no consolidated figures to sample: run 'esgflow consolidate' first")
        ids = group["observation_ids"].explode().drop_nulls().unique().sort().to_list()
        rows = observations_by_id(session, ids).with_columns(pl.col("value").cast(pl.Utf8)).to_dicts()
        share = shares((r["observation_id"], r["indicator"], float(r["value"])) for r in rows)
        candidates = [
            Candidate(
                r["observation_id"], r["entity"], r["indicator"], r["version"], r["sheet"], r["cell"], r["value"],
                catalog[r["indicator"]].unit, share[r["observation_id"]],
            )
            for r in rows
        ]  # fmt: skip
        unknown = sorted(set(named or []) - {(c.entity, c.indicator) for c in candidates})
        if unknown:
            which = ", ".join(f"{e}:{code}" for e, code in unknown)
            raise EsgflowError(f"no input of {period}'s group figures is {which}")
        items = draw(candidates, size, seed, named or [])
        detail = {"seed": seed, "size": size, "named": [list(n) for n in named or []]}
        record_audit(session, SAMPLED, who, period, detail={**detail, "items": [c.to_json() for c in items]})
    return SampleResult(period.code, size, seed, who, items, len(candidates))


NO_AMOUNT, NO_AMOUNT_ZH = "a difference needs its amount (a number)", "“存在差异”须填写差异金额（数字）。"


def _not_sampled(observation_id: int, period: Period) -> EsgflowError:
    return EsgflowError(
        f"input {observation_id} is in no sample drawn for {period}",
        zh=f"数据 {observation_id} 不在 {period} 报告期已抽取的样本中。",
    )


TESTED = "assurance_result"  # the audit trail's action for an auditor's result on a sampled item
RESULTS = ("agreed", "difference", "not_supported")


def record_result(
    settings: Settings,
    period: Period,
    auditor: str,
    observation_id: int,
    result: str,
    amount: str | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """Append an auditor's result on one sampled input: agreed to evidence, a difference (with its amount) or
    not supported, with a comment. Kept in the audit trail, which no one can change, and so in the pack."""
    if result not in RESULTS:
        raise EsgflowError(
            f"a result is agreed, difference or not_supported, not {result!r}",
            zh=f"测试结果只能是“与证明材料一致”“存在差异”或“无证明材料支持”，不能是 {result!r}。",
        )
    if result == "difference":
        try:
            difference = Decimal(amount or "")
        except InvalidOperation:
            raise EsgflowError(NO_AMOUNT, zh=NO_AMOUNT_ZH) from None
        if not difference.is_finite():
            raise EsgflowError(NO_AMOUNT, zh=NO_AMOUNT_ZH)
    if result != "agreed" and not comment.strip():
        raise EsgflowError(
            "a difference or an unsupported item needs a comment saying why",
            zh="“存在差异”或“无证明材料支持”须在说明中写明原因。",
        )
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        sampled = {
            item["observation_id"]: item
            for event in audit_events(session, period, (SAMPLED,))
            for item in (event.detail or {}).get("items", [])
        }
        item = sampled.get(observation_id)
        if item is None:
            raise _not_sampled(observation_id, period)
        detail = {
            "observation_id": observation_id,
            "indicator": item["indicator"],
            "result": result,
            "amount": str(difference) if result == "difference" else None,
            "comment": comment.strip(),
        }
        record_audit(
            session, TESTED, auditor, period, entity=item["entity"], version=item["version"], state=result,
            reason=comment.strip() or None, detail=detail,
        )  # fmt: skip
    return {"period": period.code, "entity": item["entity"], "version": item["version"], **detail}


ANSWERED = "assurance_answered"  # the audit trail's action for the office's evidence on an auditor's request
OPEN_RESULTS = (None, "difference", "not_supported")  # a request stays open with no result, or one of these


@dataclass(frozen=True)
class SampledItem:
    """One sampled input of a period, with the results recorded on it (oldest first) and the documents of its
    entity's figure: what the auditor tests and the office answers."""

    item: dict[str, Any]  # as drawn: observation_id, entity, indicator, version, sheet, cell, value, unit, share
    results: list[dict[str, Any]]  # at, actor, result, amount, comment
    documents: list[EvidenceRecord]

    @property
    def latest(self) -> str | None:
        return self.results[-1]["result"] if self.results else None

    @property
    def open(self) -> bool:
        """A request the office still has to answer: no result yet, or a difference or an unsupported item."""
        return self.latest in OPEN_RESULTS


def sampled_items(settings: Settings, period: Period) -> list[SampledItem]:
    """Every input sampled for a period (each once, in the order drawn), with its results and documents."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        trail = audit_events(session, period, (SAMPLED, TESTED))
        documents = evidence_of(session, period.code)
    items: dict[int, dict[str, Any]] = {}
    for event in trail:
        for item in (event.detail or {}).get("items", []) if event.action == SAMPLED else []:
            items.setdefault(item["observation_id"], item)
    results: dict[int, list[dict[str, Any]]] = {}
    for event in (e for e in trail if e.action == TESTED):
        d = event.detail or {}
        results.setdefault(d.get("observation_id"), []).append(
            {"at": event.at, "actor": event.actor, "result": d.get("result"), "amount": d.get("amount"),
             "comment": d.get("comment") or ""}
        )  # fmt: skip
    return [
        SampledItem(
            item,
            results.get(oid, []),
            [d for d in documents if d.entity == item["entity"] and d.indicator == item["indicator"]],
        )
        for oid, item in items.items()
    ]


def answer_request(
    settings: Settings, period: Period, observation_id: int, data: bytes, file_name: str, by: str
) -> EvidenceRecord:
    """The office answers an auditor's open request with a document for the sampled input's figure: attached as
    any evidence is (attach_evidence, same checks), and the answer appended to the audit trail."""
    asked = next((s for s in sampled_items(settings, period) if s.item["observation_id"] == observation_id), None)
    if asked is None:
        raise _not_sampled(observation_id, period)
    item = asked.item
    kept = attach_evidence(settings, item["entity"], period.code, item["indicator"], data, file_name, "portal", by)
    with db.session_scope(settings.database_url) as session:
        detail = {"observation_id": observation_id, "indicator": item["indicator"], "sha256": kept.sha256,
                  "file": kept.file_name}  # fmt: skip
        record_audit(session, ANSWERED, by, period, entity=item["entity"], version=item["version"], detail=detail)
    return kept


def period_group_figures(settings: Settings, period: Period) -> list[tuple[str, str]]:
    """The group's figures of a period as they stand (restated once restated): (indicator, value) in catalog
    order; what the auditor opens to explain."""
    require_schema(settings)
    root, order = load_registry().root(), {c: n for n, c in enumerate(load_catalog().codes)}
    with db.session_scope(settings.database_url) as session:
        found = stored_figures(session, period, standing_basis(session, period))
    rows = [(r["indicator"], format(tidy(r["value"]), "f")) for r in found.iter_rows(named=True) if r["scope"] == root]
    return sorted(rows, key=lambda r: order.get(r[0], len(order)))
