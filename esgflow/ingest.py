"""Ingest returned workbooks: archive, read, judge, load each file as a whole or not at all.

A batch is worked in stages: every file is archived before anything parses it; hashes are
checked against the warehouse in one query; workbooks are parsed in parallel processes;
the figures of the whole batch are staged as one polars frame; then each file is written
in its own transaction, so a file is never half loaded and a failure leaves the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from esgflow.archive import archive_raw, content_hash, log_outcome
from esgflow.catalog import Catalog, load_catalog
from esgflow.checks.describe import findings_from
from esgflow.checks.frames import staged_base, submission_frame
from esgflow.checks.gx_run import validator_for
from esgflow.consolidate import tree_on
from esgflow.entities import load_registry
from esgflow.feedback.annotate import annotate_workbook
from esgflow.feedback.letter import Judged, render_letter
from esgflow.findings import Finding, Refused, refuse
from esgflow.observations import VALUE_DTYPE, ObservationIn, Recorded, accepted_observations, record_submission
from esgflow.periods import parse_period
from esgflow.reference_data import code_ids
from esgflow.stage import observations_of, stage, unit_factors
from esgflow.workbooks.returns import ParsedReturn, read_return
from esgflow.workbooks.safe_zip import MAX_FILE_BYTES
from warehouse import models as m

PARALLEL_FROM = 16  # files; below this, process start-up costs more than it saves


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
    letter: Path | None = None  # the return letter (plain text, the reporter's language)
    annotated: Path | None = None  # their workbook with the findings marked, when there are findings

    def line(self) -> str:
        """One line for the person who runs `esgflow ingest`."""
        name = self.path.name
        who = f"{self.entity} {self.period}" if self.entity else ""
        errors = [f for f in self.findings if f.severity == "error"]
        first = errors[0] if errors else None
        place = f"'{first.sheet}'!{first.cell}: " if first and first.cell else ""
        if self.status == "duplicate":
            return f"{name}: duplicate of {who} version {self.version}; nothing changed"
        if self.status == "refused" and first:
            return f"{name}: refused: {place}{first.message} [{first.rule}]"
        if self.status == "rejected" and first:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"{name}: rejected as {who} version {self.version}: {place}{first.message} [{first.rule}]{more}"
        warn = len(self.findings) - len(errors)
        tail = f", {warn} warnings" if warn else ""
        return f"{name}: accepted as {who} version {self.version} ({self.figures} figures{tail})"


@dataclass(frozen=True)
class Received:
    key: int
    path: Path
    data: bytes
    digest: str
    archived: Path


def expand(paths: list[Path]) -> list[Path]:
    """Files named, and the files inside folders named (recursively), in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith((".", "~$")))
        else:
            files.append(p)
    return files


def _parse(item: tuple[bytes, str]) -> ParsedReturn | Finding:
    """Read one workbook (runs in a worker process); a refusal comes back as its finding."""
    data, name = item
    try:
        return read_return(data, name, load_catalog())
    except Refused as exc:
        return exc.finding


def parse_stream(items: list[tuple[bytes, str]]) -> Iterator[ParsedReturn | Finding]:
    """Parse workbooks in order; in parallel processes when there are enough of them, so that
    the caller can write earlier results while later ones are still being parsed."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < PARALLEL_FROM or workers < 2:
        yield from (_parse(i) for i in items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_parse, items, chunksize=4)


@dataclass
class _Lookups:
    """Warehouse facts looked up once per batch."""

    entities: dict[str, int]
    indicators: dict[str, int]
    kinds: dict[str, str]
    periods: dict[str, int]  # periods open for collection
    trees: dict[date, set[str]] = field(default_factory=dict)

    def members_on(self, session: Session, on: date) -> set[str]:
        if on not in self.trees:
            self.trees[on] = set(tree_on(session, on))
        return self.trees[on]


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
    if ret.period not in lookups.periods:
        raise wrong("meta_period", f"meta_period {ret.period} is not open for collection (no templates were issued)")
    if ret.entity not in lookups.members_on(session, parse_period(ret.period).ends_on):
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
            insert(m.Finding.__table__),
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
    """Ingests batches of files into one warehouse; `home` keeps validation results and letters."""

    def __init__(
        self, session_factory: sessionmaker[Session], catalog: Catalog, archive_root: Path, home: Path
    ) -> None:
        self.session_factory = session_factory
        self.catalog = catalog
        self.archive_root = archive_root
        self.home = home
        self.letters_root = home / "letters"
        self.factors = unit_factors(catalog)

    def ingest(self, paths: list[Path]) -> list[Outcome]:
        received = [self._receive(key, path) for key, path in enumerate(expand(paths))]
        with self.session_factory() as session:
            lookups = _Lookups(
                code_ids(session, m.Entity),
                code_ids(session, m.Indicator),
                dict(session.execute(select(m.Entity.code, m.Entity.kind)).tuples().all()),
                dict(
                    session.execute(
                        select(m.Period.code, m.Period.id).where(m.Period.collection_opened_at.is_not(None))
                    )
                    .tuples()
                    .all()
                ),
            )
            known = self._known(session, [r.digest for r in received])
        first_of: dict[str, int] = {}
        fresh = [r for r in received if r.digest not in known and first_of.setdefault(r.digest, r.key) == r.key]
        parsed = dict(zip((r.key for r in fresh), parse_stream([(r.data, r.path.name) for r in fresh]), strict=True))
        returns = {key: p for key, p in parsed.items() if isinstance(p, ParsedReturn)}
        staged = stage(list(returns.values()), self.factors, keys=list(returns))
        checked = self._validate(returns, staged, lookups)
        by_key = {k[0]: f for k, f in staged.partition_by("key", as_dict=True).items()} if staged.height else {}
        results: dict[int, Outcome] = {}
        for r in fresh:
            result = parsed[r.key]
            if isinstance(result, Finding):
                results[r.key] = Outcome(r.path, "refused", r.digest, findings=[result])
            else:
                results[r.key] = self._load(r, result, by_key.get(r.key), lookups, checked.get(r.key, []))
        outcomes = []
        for r in received:
            if r.key not in results:  # the same bytes: already in the warehouse, or earlier in this batch
                entity, period, version = known.get(r.digest) or self._known_now(r.digest)
                results[r.key] = Outcome(r.path, "duplicate", r.digest, entity, period, version)
            outcome = results[r.key]
            log_outcome(
                r.archived,
                {
                    "file": str(r.path),
                    "status": outcome.status,
                    "entity": outcome.entity,
                    "period": outcome.period,
                    "version": outcome.version,
                    "findings": [f.to_json() for f in outcome.findings],
                },
            )
            outcomes.append(outcome)
        return outcomes

    def _validate(
        self, returns: dict[int, ParsedReturn], staged: pl.DataFrame, lookups: _Lookups
    ) -> dict[int, list[Finding]]:
        """Run the submission suite once over every return of the batch; findings per return."""
        known = {k: r for k, r in returns.items() if r.entity in lookups.kinds}
        if not known:
            return {}
        with self.session_factory() as session:
            prior: dict[tuple[str, str], Decimal] = {}
            for period in {r.period for r in known.values()}:
                last = parse_period(period).shifted_years(-1).code
                for row in accepted_observations(session, last).iter_rows(named=True):
                    prior[(row["entity"], row["indicator"])] = row["value"]
        asked = pl.DataFrame(
            [
                (key, ret.entity, i.code)
                for key, ret in known.items()
                for i in self.catalog.inputs_for_kind(lookups.kinds[ret.entity])
            ],
            schema={"key": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8},
            orient="row",
        )
        unreadable = pl.DataFrame(  # cells that did not parse: their parse error already says what is wrong
            [(key, code) for key, ret in known.items() for f in ret.findings for code in f.indicators],
            schema={"key": pl.Int64, "indicator": pl.Utf8},
            orient="row",
        )
        prior_frame = pl.DataFrame(
            [(e, c, v) for (e, c), v in prior.items()],
            schema={"entity": pl.Utf8, "indicator": pl.Utf8, "prior": VALUE_DTYPE},
            orient="row",
        )
        in_batch = staged.filter(pl.col("key").is_in(list(known)))
        frame = submission_frame(staged_base(in_batch, asked, prior_frame, unreadable, self.catalog), self.catalog)
        failures = validator_for(self.home, self.catalog).run("submission", frame, run_name=f"ingest-{len(known)}")
        by_key = findings_from(failures, frame, self.catalog)
        wanted = pl.DataFrame(
            [(int(k), f.indicators[0]) for k, found in by_key.items() for f in found],
            schema={"key": pl.Int64, "indicator": pl.Utf8},
            orient="row",
        ).unique()
        places = {
            (r["key"], r["indicator"]): (r["sheet"], r["cell"])
            for r in in_batch.join(wanted, on=["key", "indicator"]).iter_rows(named=True)
        }
        out: dict[int, list[Finding]] = {}
        for key, found in by_key.items():
            k = int(key)
            out[k] = [
                replace(
                    f,
                    file=returns[k].file,
                    sheet=places.get((k, f.indicators[0]), (None, None))[0],
                    cell=places.get((k, f.indicators[0]), (None, None))[1],
                )
                for f in found
            ]
        return out

    def _receive(self, key: int, path: Path) -> Received:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        digest = content_hash(data)
        return Received(key, path, data, digest, archive_raw(self.archive_root, data, digest, path.name))

    def _known(self, session: Session, digests: list[str]) -> dict[str, tuple[str, str, int]]:
        rows = session.execute(
            select(m.Submission.content_hash, m.Entity.code, m.Period.code, m.Submission.version)
            .join(m.Entity, m.Entity.id == m.Submission.entity_id)
            .join(m.Period, m.Period.id == m.Submission.period_id)
            .where(m.Submission.content_hash.in_(set(digests)))
        ).all()
        return {h: (e, p, v) for h, e, p, v in rows}

    def _known_now(self, digest: str) -> tuple[str | None, str | None, int | None]:
        with self.session_factory() as session:
            return self._known(session, [digest]).get(digest, (None, None, None))

    def _load(
        self, r: Received, ret: ParsedReturn, staged: pl.DataFrame | None, lookups: _Lookups, checked: list[Finding]
    ) -> Outcome:
        with self.session_factory() as session:
            try:
                findings = ret.findings + _check_against_warehouse(ret, session, lookups, self.catalog) + checked
            except Refused as exc:
                return Outcome(r.path, "refused", r.digest, findings=[exc.finding])
            findings = [replace(f, entity=ret.entity, period=ret.period) for f in findings]
            errors = [f for f in findings if f.severity == "error"]
            status = "rejected" if errors else ("accepted_with_warnings" if findings else "accepted")
            observations = [] if errors or staged is None else observations_of(staged)
            try:
                recorded = self._record(session, r, ret, status, observations, lookups, findings)
            except IntegrityError:
                # another run loaded the same bytes, or took the next version, at the same moment
                session.rollback()
                seen = self._known(session, [r.digest]).get(r.digest)
                if seen:
                    return Outcome(r.path, "duplicate", r.digest, *seen)
                recorded = self._record(session, r, ret, status, observations, lookups, findings)
            if recorded.duplicate:  # another run loaded the same bytes meanwhile
                return Outcome(r.path, "duplicate", r.digest, ret.entity, ret.period, recorded.version)
            figures = sum(1 for o in observations if o.value is not None)
            outcome = Outcome(r.path, status, r.digest, ret.entity, ret.period, recorded.version, figures, findings)
            return self._write_letters(outcome, r, staged)

    def _record(
        self,
        session: Session,
        r: Received,
        ret: ParsedReturn,
        status: str,
        observations: list[ObservationIn],
        lookups: _Lookups,
        findings: list[Finding],
    ) -> Recorded:
        """Write the submission, its observations and findings in one transaction."""
        try:
            recorded = record_submission(
                session,
                entity=ret.entity,
                period=ret.period,
                content_hash=r.digest,
                file_name=r.path.name,
                archive_path=str(r.archived),
                template_version=ret.template_version,
                status=status,
                observations=observations,
                ids=(lookups.entities, lookups.indicators),
                period_id=lookups.periods[ret.period],
            )
            _store_findings(
                session, findings, recorded.submission_id, lookups.entities[ret.entity], lookups.periods[ret.period]
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return recorded

    def _write_letters(self, outcome: Outcome, r: Received, staged: pl.DataFrame | None) -> Outcome:
        """The return letter for a judged submission, and an annotated workbook when there is anything to fix."""
        assert outcome.entity and outcome.period and outcome.version
        written = {}
        if staged is not None:
            written = {
                row["indicator"]: (row["original_value"], row["original_unit"]) for row in staged.iter_rows(named=True)
            }
        judged = Judged(
            load_registry()[outcome.entity],
            outcome.period,
            outcome.version,
            r.path.name,
            outcome.status,
            outcome.findings,
            written,
        )
        stem = self.letters_root / f"{outcome.entity}_{outcome.period}_v{outcome.version}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        letter = stem.with_suffix(".txt")
        letter.write_text(render_letter(judged, self.catalog), encoding="utf-8")
        annotated = (
            annotate_workbook(r.data, judged, self.catalog, stem.with_suffix(".xlsx")) if outcome.findings else None
        )
        return replace(outcome, letter=letter, annotated=annotated)
