"""Ingest returned workbooks: archive, read, judge, load each file as a whole or not at all.

A batch goes through these steps, in this order:
  1. receive   every file is read once and archived under its hash before anything parses it
  2. look up   which bytes the warehouse already holds, the entities, open periods and tree
  3. read      the new workbooks, in parallel processes for a large batch
  4. stage     every reported value of the batch in one polars frame, in reporting units
  5. validate  the submission suite once over the whole batch
  6. load      each return in its own transaction, so a file is never half loaded
  7. answer    the return letter and an annotated copy, then the outcome in the archive's log
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from esgflow.catalog import Catalog
from esgflow.checks.gx_run import validator_for
from esgflow.checks.submission import Known, Validated, compared_with, identity_findings, not_theirs, validate_returns
from esgflow.cycle.states import STORED, judged
from esgflow.entities import ParentLink, load_registry, parents_on, reports_for
from esgflow.feedback import write_feedback
from esgflow.feedback.letter import Judged
from esgflow.findings import Finding, Refused
from esgflow.intake.archive import Received, expand, is_link, log_outcome, receive_all
from esgflow.intake.outcome import Outcome, in_run, link_refused
from esgflow.intake.settled import OnJudged, Teller, mark_superseded
from esgflow.intake.stage import stage, stage_splits, unit_factors
from esgflow.periods import Period, parse_period
from esgflow.records import KnownBytes, Origin
from esgflow.warehouse import evidence, letters, reference, submissions, trail
from esgflow.warehouse.observations import accepted_observations
from esgflow.workbooks.returns import ParsedReturn, read_returns
from esgflow.workbooks.signing import signing_key

SessionFactory = Callable[[], AbstractContextManager[Any]]


@dataclass
class _Warehouse:
    """What the warehouse knows, read once per batch."""

    known: Known
    ids: submissions.Ids
    hashes: dict[str, KnownBytes]  # content hash -> the submission that holds those bytes
    documents: dict[str, evidence.PeriodDocuments] = field(default_factory=dict)  # by period, read when first needed


class Ingestor:
    """Ingests batches of files into one warehouse; `home` keeps validation results and letters."""

    def __init__(
        self,
        sessions: SessionFactory,
        catalog: Catalog,
        archive_root: Path,
        home: Path,
        letters_by_mail: bool = False,
        origins: Mapping[Path, Origin] | None = None,
        on_judged: OnJudged | None = None,
        portal_user: Mapping[Path, str] | None = None,
        preread: Mapping[str, ParsedReturn | Finding] | None = None,
    ) -> None:
        self.sessions = sessions
        self.preread = preread or {}  # content hash -> what a caller already read of those bytes
        self.portal_user = portal_user or {}  # file -> the signed-in address that uploaded it through the portal
        self.on_judged = on_judged
        self.origins = origins or {}  # files that came by mail: taken only for their sender's entities
        self.letters_by_mail = letters_by_mail  # returns from the inbox: their letters are owed by mail
        self.catalog, self.archive_root, self.home = catalog, archive_root, home
        self.factors = unit_factors(catalog)
        self.key = signing_key(home)

    def ingest(self, paths: list[Path]) -> list[Outcome]:
        files = expand(paths)
        links = {path for path in files if is_link(path)}
        received, gone = receive_all([f for f in files if f not in links], self.archive_root)
        wh = self._look_up([r.digest for r in received])
        first_of: dict[str, int] = {}
        fresh = [r for r in received if _to_judge(r, wh) and first_of.setdefault(r.digest, r.key) == r.key]
        parsed = self._read(fresh)
        returns = {key: p for key, p in parsed.items() if isinstance(p, ParsedReturn)}
        staged = stage(list(returns.values()), self.factors, keys=list(returns))
        checked = self._validate(returns, staged, wh.known.kinds)
        by_key = {k[0]: f for k, f in staged.partition_by("key", as_dict=True).items()} if staged.height else {}
        results: dict[int, Outcome] = {}
        told = Teller(self.on_judged, len(files), parsed, results)  # each line printed as soon as it is final
        for r in fresh:
            result = parsed[r.key]
            if isinstance(result, Finding):
                results[r.key] = Outcome(r.path, "refused", r.digest, findings=[result])
            else:
                results[r.key] = self._load(r, result, by_key.get(r.key), wh, checked.get(r.key, []))
            told.loaded(r.key)
        mark_superseded(results, [r.key for r in fresh])
        if checked.run is not None:  # the run's page lists what each return's letter says: one count everywhere
            validator_for(self.home, self.catalog).note(checked.run, *in_run(results))
        outcomes = [link_refused(path) for path in files if path in links] + [Outcome(p, "gone", "") for p in gone]
        told.tell(outcomes)
        answered: list[str] = []
        for r in received:
            if r.key not in results:  # the same bytes: already in the warehouse, or earlier in this batch
                results[r.key] = self._duplicate(r, wh, results.get(first_of.get(r.digest, -1)))
            outcome = results[r.key]
            if outcome.status in STORED and outcome.letter is None:
                outcomes.append(outcome)  # not answered: the next run writes its letter and its log
                continue
            log_outcome(
                r.archived,
                {
                    "file": str(r.path),
                    "name": r.path.name,
                    "status": outcome.status,
                    "entity": outcome.entity,
                    "period": outcome.period,
                    "version": outcome.version,
                    "findings": [f.to_json() for f in outcome.findings],
                },
            )
            if outcome.status in STORED:
                answered.append(r.digest)
            outcomes.append(outcome)
            told.once(r.key)  # duplicates: known once the batch's first copy is loaded
        if answered:  # one statement for the batch; a run stopped before it is answered again, logged once
            with self.sessions() as session:
                letters.mark_answered(session, answered, by_mail=self.letters_by_mail)
        return outcomes

    def _read(self, fresh: list[Received]) -> dict[int, ParsedReturn | Finding]:
        """Each new file read once: what the caller already read of the same bytes is taken as it is."""
        unread = [r for r in fresh if r.digest not in self.preread]
        read = read_returns([(r.data, r.path.name) for r in unread], self.catalog)
        found = dict(zip((r.key for r in unread), read, strict=True))
        return {r.key: found[r.key] if r.key in found else self.preread[r.digest] for r in fresh}

    def _look_up(self, digests: list[str]) -> _Warehouse:
        with self.sessions() as session:
            links = [ParentLink(*row) for row in reference.entity_links(session)]
            known = Known(
                kinds=reference.entity_kinds(session),
                open_periods=set(submissions.open_periods(session)),
                members=cache(lambda p: set(parents_on(links, p.ends_on))),
                key=self.key,
            )
            return _Warehouse(known, submissions.Ids.read(session), submissions.known_hashes(session, digests))

    def _duplicate(self, r: Received, wh: _Warehouse, first: Outcome | None) -> Outcome:
        """A later copy of bytes already judged: the refused copy it repeats and why, or the version that holds them."""
        if first is not None and first.status == "refused":  # nothing stored: say which file and why instead
            return Outcome(r.path, "duplicate", r.digest, findings=first.findings, same_as=first.path.name)
        known = wh.hashes.get(r.digest) or self._known_now(r.digest)
        who = (known.entity, known.period, known.version) if known else (None, None, None)
        return Outcome(r.path, "duplicate", r.digest, *who)

    def _known_now(self, digest: str) -> KnownBytes | None:
        with self.sessions() as session:
            return submissions.known_hashes(session, [digest]).get(digest)

    def _validate(self, returns: dict[int, ParsedReturn], staged: pl.DataFrame, kinds: dict[str, str]) -> Validated:
        """The submission suite over the batch, against last period's accepted figures and the version each replaces."""
        now = sorted({parse_period(r.period) for r in returns.values() if r.entity in kinds}, key=lambda p: p.code)
        with self.sessions() as session:
            prior = [accepted_observations(session, p.shifted_years(-1)) for p in now]
            previous = [accepted_observations(session, p) for p in now]
        return validate_returns(returns, staged, kinds, compared_with(prior, previous), self.catalog, self.home)

    def _load(
        self, r: Received, ret: ParsedReturn, staged: pl.DataFrame | None, wh: _Warehouse, checked: list[Finding]
    ) -> Outcome:
        try:
            findings = ret.findings + identity_findings(ret, wh.known, self.catalog) + checked
        except Refused as exc:
            return Outcome(r.path, "refused", r.digest, findings=[exc.finding])
        origin = self.origins.get(r.path)
        if origin is not None and not reports_for(origin.allowed, ret.entity):  # its signature proved whose it is
            refused = [not_theirs(ret, origin.thread.sender)]
            return Outcome(r.path, "refused", r.digest, ret.entity, ret.period, findings=refused)
        findings = [replace(f, entity=ret.entity, period=ret.period) for f in findings]
        errors = sum(f.severity == "error" for f in findings)
        status = judged(errors, len(findings) - errors)
        observations = staged if staged is not None and not errors else pl.DataFrame(schema=_EMPTY)
        splits, rows = (stage_splits(ret, self.factors), ret.registers) if observations.height else (None, [])
        period, arrived = parse_period(ret.period), datetime.fromtimestamp(r.arrived, UTC)
        via = "mail" if origin else "portal" if r.path in self.portal_user else "folder"  # who sent it, kept in `audit`
        by = origin.thread.sender if origin else self.portal_user.get(r.path) or str(r.path.parent)
        submission = submissions.SubmissionIn(
            ret.entity, period, r.digest, r.path.name, status, str(r.archived), ret.template_version, arrived,
            origin.thread if origin else None, via, by, ret.people,
        )  # fmt: skip
        with self.sessions() as session:
            recorded = submissions.record_submission(session, submission, observations, findings, wh.ids, splits, rows)
            late = trail.period_signoff(session, period) is not None
            needs = evidence.return_needs(session, self.catalog, period, ret.entity, observations, wh.documents)
        count = observations.filter(pl.col("value").is_not_null()).height if observations.height else 0
        note = None
        if recorded.duplicate:
            known = wh.hashes.get(r.digest)  # None: another run loaded the same bytes meanwhile
            if known is None or known.answered:
                return Outcome(r.path, "duplicate", r.digest, ret.entity, ret.period, recorded.version)
            status, note = known.status, "answered now: the run that loaded it stopped before answering"
        if recorded.arrived_later:
            note = f"version {recorded.arrived_later} arrived after this file and stays the newest"
        outcome = Outcome(r.path, status, r.digest, ret.entity, ret.period, recorded.version, count, findings)
        return self._answer(replace(outcome, note=note, late_correction=late, needs=needs), r, period, staged)

    def _answer(self, outcome: Outcome, r: Received, period: Period, staged: pl.DataFrame | None) -> Outcome:
        """The return letter, and an annotated workbook when there is anything to fix."""
        assert outcome.entity and outcome.version
        written = {}
        if staged is not None:
            written = {
                row["indicator"]: (row["original_value"], row["original_unit"]) for row in staged.iter_rows(named=True)
            }
        judgement = Judged(
            load_registry()[outcome.entity],
            period.code,
            outcome.version,
            r.path.name,
            outcome.status,
            outcome.findings,
            written,
            datetime.fromtimestamp(r.arrived, UTC),
            outcome.late_correction,
            outcome.needs,
        )
        try:
            letter, annotated = write_feedback(judgement, r.data, self.home / "letters", self.catalog)
        except Exception as exc:  # the return is loaded; its letter waits for the next run, the batch goes on
            why = f"its letter could not be written ({type(exc).__name__}); the next run writes it"
            return replace(outcome, note=why, written=written)
        return replace(outcome, letter=letter, annotated=annotated, written=written)


_EMPTY = {c: pl.Utf8 for c in submissions.OBSERVATION_COLUMNS}


def _to_judge(r: Received, wh: _Warehouse) -> bool:
    """New bytes, or bytes loaded by a run that stopped before answering them."""
    known = wh.hashes.get(r.digest)
    return known is None or not known.answered
