"""Ingest returned workbooks: archive, read, judge, load each file as a whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from esgflow.archive import archive_raw, content_hash, log_outcome
from esgflow.catalog import Catalog
from esgflow.consolidate import tree_on
from esgflow.findings import Finding, Refused, refuse
from esgflow.observations import record_submission
from esgflow.periods import parse_period
from esgflow.reference_data import code_ids
from esgflow.stage import observations_of, stage, unit_factors
from esgflow.workbooks.returns import ParsedReturn, read_return
from esgflow.workbooks.safe_zip import MAX_FILE_BYTES
from warehouse import models as m

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xltx", ".csv", ".pdf", ".zip", ".ods"}


@dataclass(frozen=True)
class Outcome:
    path: Path
    status: str  # accepted | accepted_with_warnings | rejected | refused | duplicate
    content_hash: str
    entity: str | None = None
    period: str | None = None
    version: int | None = None
    figures: int = 0
    findings: list[Finding] = field(default_factory=list)

    def line(self) -> str:
        """One line for the person who runs `esgflow ingest`."""
        name = self.path.name
        who = f"{self.entity} {self.period}" if self.entity else ""
        errors = [f for f in self.findings if f.severity == "error"]
        if self.status == "duplicate":
            return f"{name}: duplicate of {who} version {self.version}; nothing changed"
        first = self.findings[0] if self.findings else None
        place = f"'{first.sheet}'!{first.cell}: " if first and first.cell else ""
        if self.status == "refused" and first:
            return f"{name}: refused: {place}{first.message} [{first.rule}]"
        if self.status == "rejected":
            first = errors[0]
            place = f"'{first.sheet}'!{first.cell}: " if first.cell else ""
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"{name}: rejected as {who} version {self.version}: {place}{first.message} [{first.rule}]{more}"
        warn = len(self.findings) - len(errors)
        tail = f", {warn} warnings" if warn else ""
        return f"{name}: accepted as {who} version {self.version} ({self.figures} figures{tail})"


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the files inside folders named (recursively), in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith((".", "~$")))
        else:
            files.append(p)
    return files


@dataclass
class _Lookups:
    entities: dict[str, int]
    indicators: dict[str, int]
    kinds: dict[str, str]


def _check_against_warehouse(ret: ParsedReturn, session: Session, lookups: _Lookups, catalog: Catalog) -> list[Finding]:
    """Metadata the warehouse must agree with; returns errors for indicators this entity does not report."""

    def wrong(meta: str, message: str) -> Refused:
        sheet, cell = ret.meta_cells[meta]
        return refuse("wrong_metadata", message, file=ret.file, sheet=sheet, cell=cell)

    if ret.entity not in lookups.entities:
        raise wrong("meta_entity", f"meta_entity {ret.entity!r} is not an entity of the group")
    # A file named like a template (<ENTITY>_<P>.xlsx, perhaps with a suffix) must agree with its metadata.
    named_entity, _, rest = Path(ret.file).stem.partition("_")
    if named_entity in lookups.entities and named_entity != ret.entity:
        raise wrong("meta_entity", f"the file name says {named_entity} but the workbook's meta_entity is {ret.entity}")
    named_period = rest.split(" ")[0].split("(")[0].split("_")[0]
    if named_entity == ret.entity and named_period:
        try:
            named = parse_period(named_period).code
        except Exception:
            named = None
        if named and named != ret.period:
            raise wrong(
                "meta_period", f"the file name says period {named} but the workbook's meta_period is {ret.period}"
            )
    opened = session.scalar(select(m.Period.collection_opened_at).where(m.Period.code == ret.period))
    if opened is None:
        raise wrong("meta_period", f"meta_period {ret.period} is not open for collection (no templates were issued)")
    if ret.entity not in tree_on(session, parse_period(ret.period).ends_on):
        raise wrong("meta_entity", f"{ret.entity} is not part of the group in {ret.period}")
    kind = lookups.kinds[ret.entity]
    return [
        Finding(
            rule="indicator_not_for_entity",
            severity="error",
            indicators=(f.code,),
            file=ret.file,
            sheet=f.sheet,
            cell=f.cell,
            entity=ret.entity,
            period=ret.period,
            message=f"{f.code} is not reported by a {kind.replace('_', ' ')}; this is another entity's template",
        )
        for f in ret.figures
        if not catalog[f.code].reported_by_kind(kind)
    ]


def _store_findings(
    session: Session, findings: list[Finding], submission_id: int, entity_id: int, period_id: int
) -> None:
    if findings:
        session.execute(
            insert(m.Finding),
            [
                {
                    "period_id": period_id,
                    "submission_id": submission_id,
                    "entity_id": entity_id,
                    "rule": f.rule,
                    "severity": f.severity,
                    "indicators": list(f.indicators),
                    "message": f.message,
                    "expected": f.expected,
                    "actual": f.actual,
                    "sheet": f.sheet,
                    "cell": f.cell,
                }
                for f in findings
            ],
        )


class Ingestor:
    """Ingests files against one warehouse session factory; lookups are loaded once per batch."""

    def __init__(self, session_factory, catalog: Catalog, archive_root: Path) -> None:  # type: ignore[no-untyped-def]
        self.session_factory = session_factory
        self.catalog = catalog
        self.archive_root = archive_root
        self.factors = unit_factors(catalog)

    def ingest(self, paths: list[Path]) -> list[Outcome]:
        with self.session_factory() as session:
            lookups = _Lookups(
                code_ids(session, m.Entity),
                code_ids(session, m.Indicator),
                dict(session.execute(select(m.Entity.code, m.Entity.kind)).tuples().all()),
            )
        return [self._one(path, lookups) for path in expand(paths)]

    def _one(self, path: Path, lookups: _Lookups) -> Outcome:
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
        digest = content_hash(data)
        archived = archive_raw(self.archive_root, data, digest, path.name)  # before anything parses it
        outcome = self._judge_and_load(path, data, digest, archived, lookups)
        log_outcome(
            archived,
            {
                "file": str(path),
                "status": outcome.status,
                "entity": outcome.entity,
                "period": outcome.period,
                "version": outcome.version,
                "findings": [f.to_json() for f in outcome.findings],
            },
        )
        return outcome

    def _judge_and_load(self, path: Path, data: bytes, digest: str, archived: Path, lookups: _Lookups) -> Outcome:
        with self.session_factory() as session:
            seen = session.execute(
                select(m.Entity.code, m.Period.code, m.Submission.version)
                .join(m.Entity, m.Entity.id == m.Submission.entity_id)
                .join(m.Period, m.Period.id == m.Submission.period_id)
                .where(m.Submission.content_hash == digest)
            ).first()
            if seen:
                return Outcome(path, "duplicate", digest, seen[0], seen[1], seen[2])
            try:
                ret = read_return(data, path.name, self.catalog)
                findings = ret.findings + _check_against_warehouse(ret, session, lookups, self.catalog)
            except Refused as exc:
                return Outcome(path, "refused", digest, findings=[exc.finding])
            findings = [Finding(**{**f.__dict__, "entity": ret.entity, "period": ret.period}) for f in findings]
            staged = stage([ret], self.factors)
            errors = [f for f in findings if f.severity == "error"]
            status = "rejected" if errors else ("accepted_with_warnings" if findings else "accepted")
            try:
                recorded = record_submission(
                    session,
                    entity=ret.entity,
                    period=ret.period,
                    content_hash=digest,
                    file_name=path.name,
                    archive_path=str(archived),
                    template_version=ret.template_version,
                    status=status,
                    observations=[] if errors else observations_of(staged, path.name),
                    ids=(lookups.entities, lookups.indicators),
                )
                submission = session.get(m.Submission, recorded.submission_id)
                assert submission is not None
                _store_findings(session, findings, recorded.submission_id, submission.entity_id, submission.period_id)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            figures = 0 if errors else staged.filter(pl.col("value").is_not_null()).height
            return Outcome(path, status, digest, ret.entity, ret.period, recorded.version, figures, findings)
