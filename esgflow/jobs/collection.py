"""Collecting the returns: templates out, workbooks in (files, the inbox, the portal), and where each entity stands."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import polars as pl

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.checks.gx_run import build_data_docs
from esgflow.checks.offline_docs import RUN_PAGES
from esgflow.config import Settings
from esgflow.cycle import deadlines
from esgflow.cycle.review import (
    DECISIONS,
    review_states,
)
from esgflow.cycle.status import EntityStatus, period_status
from esgflow.entities import load_registry
from esgflow.intake.ingest import Ingestor
from esgflow.intake.outcome import Outcome
from esgflow.intake.settled import OnJudged
from esgflow.jobs.access import reporter_addresses
from esgflow.jobs.common import entity_tree, require_schema
from esgflow.mail import kept
from esgflow.mail.inbox import Claim, InboxSource, inbox_for
from esgflow.mail.notices import (
    kept_reason,
)
from esgflow.periods import Period, parse_period
from esgflow.records import (
    Origin,
    SubmissionRecord,
)
from esgflow.safety import shown
from esgflow.warehouse import db
from esgflow.warehouse.figures import restatements
from esgflow.warehouse.observations import accepted_observations, observations_of_versions
from esgflow.warehouse.submissions import (
    entity_submissions,
    estimated_counts,
    newest_submissions,
    open_for_collection,
    open_periods,
    submission_versions,
)
from esgflow.warehouse.trail import audit_events, period_signoff
from esgflow.workbooks.naming import template_name
from esgflow.workbooks.signing import signature, signing_key
from esgflow.workbooks.template import TemplateRequest, write_template


def open_period(settings: Settings) -> Period | None:
    """The newest period open for collection (templates issued), the one the portal collects."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        codes = list(open_periods(session))
    periods = [parse_period(c) for c in codes]
    return max(periods, key=lambda p: (p.ends_on, p.starts_on)) if periods else None


def entity_versions(settings: Settings, entity: str, period: Period) -> list[SubmissionRecord]:
    """Every version an entity sent for a period, oldest first, with its findings."""
    with db.session_scope(settings.database_url) as session:
        return entity_submissions(session, entity, period)


def write_templates(settings: Settings, period: Period, out: Path, entities: list[str] | None = None) -> list[Path]:
    """One template per entity of the group in `period` (or the ones named), with last period's values."""
    require_schema(settings)
    catalog, registry = load_catalog(), load_registry()
    with db.session_scope(settings.database_url) as session:
        members = list(entity_tree(session, period))
        unknown = [e for e in entities or [] if e not in members]
        if unknown:
            raise EsgflowError(f"not an entity of the group in {period}: {', '.join(unknown)}")
        open_for_collection(session, period)  # returns for the period are taken from now on
        prior = _standing_observations(session, period.shifted_years(-1))
    paths, key = [], signing_key(settings.home)
    for code in (e for e in registry.codes if e in (entities or members)):
        rows = prior.filter(prior["entity"] == code)
        values = dict(zip(rows["indicator"].to_list(), rows["value"].to_list(), strict=True))
        path = out / template_name(code, period)
        signed = signature(key, code, period.code, catalog.template_version)
        write_template(path, TemplateRequest(registry[code], period, values, signed), catalog)
        paths.append(path)
    return paths


def _standing_observations(session: db.Session, period: Period) -> pl.DataFrame:
    """The reported values a period's figures stand on: the returns signed off, else the accepted ones."""
    fixed = deadlines.signed_versions(period_signoff(session, period), restatements(session, [period]))
    if fixed is None:
        return accepted_observations(session, period)
    return observations_of_versions(session, period, fixed)


def ingest_files(
    settings: Settings,
    paths: list[Path],
    letters_by_mail: bool = False,
    docs: bool = True,
    origins: Mapping[Path, Origin] | None = None,
    on_judged: OnJudged | None = None,
) -> list[Outcome]:
    """Ingest returned workbooks (files or folders); every file ends accepted, rejected, refused or duplicate.

    letters_by_mail: the files came through the inbox, and `send_letters` mails their letters.
    docs: build the Data Docs pages of the validation afterwards (a process answering one
    reporter at a time may leave them to `build_data_docs`, off the reporter's wait).
    origins: files that came by mail, each taken only for the entities its sender reports for.
    on_judged: told of each file's outcome as soon as it is final (the command prints it then).
    """
    require_schema(settings)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise EsgflowError(f"no such file or folder: {', '.join(missing)}")
    sessions = db.session_factory(settings.database_url)
    ingestor = Ingestor(sessions, load_catalog(), settings.archive, settings.home, letters_by_mail, origins, on_judged)
    outcomes = ingestor.ingest(paths)
    if docs:
        build_data_docs(settings.home)
    return outcomes


def ingest_bytes(settings: Settings, data: bytes, name: str, docs: bool = False) -> Outcome:
    """Ingest one workbook received as bytes (the portal) through the same pipeline as every channel.

    The bytes are written under a fresh private folder of the home, so two uploads of one name never
    meet, and the copy goes once the pipeline has archived them under their hash.
    """
    uploads = settings.home / "portal-uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=uploads))
    try:
        path = folder / name
        path.write_bytes(data)
        [outcome] = ingest_files(settings, [path], docs=docs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def refresh_data_docs(settings: Settings) -> None:
    """Build the Data Docs pages of what this process validated (after the reporter has the answer)."""
    build_data_docs(settings.home)


def data_docs_index(settings: Settings) -> Path:
    """Where the Great Expectations Data Docs of this home are (built after every batch and check)."""
    return settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def validation_index(settings: Settings) -> Path:
    """Where the office's pages of the validation runs are (in the Data Docs site, built with it)."""
    return data_docs_index(settings).parent / RUN_PAGES / "index.html"


def period_statuses(settings: Settings, period: Period) -> list[EntityStatus]:
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        newest = newest_submissions(session, period)
        members = entity_tree(session, period)
        versions = submission_versions(session, period)
        decisions = audit_events(session, period, DECISIONS)
        estimated = estimated_counts(session, period)
    reviews = review_states(versions, decisions, members)
    return period_status(newest, members, load_registry().codes, reviews, estimated)


def collect_inbox(
    settings: Settings, run_id: str, source: InboxSource | None = None, stale_after: float = 3600.0
) -> list[Outcome]:
    """Ingest whatever has arrived in the inbox: claim, judge and load, then mark the files done."""
    require_schema(settings)
    signing_key(settings.home)  # no key, no claim: a worker without it must not judge (and refuse) real returns
    inbox = source or inbox_for(settings.inbox_location or settings.inbox, settings)
    try:
        claim = inbox.claim(run_id, stale_after)
        if claim.messages:
            outcomes, claim = _collect_mail(settings, claim)
        else:
            outcomes = ingest_files(settings, claim.files, letters_by_mail=True) if claim.files else []
        back = set(inbox.done(claim))  # only now: every outcome is committed and every kept message written
    finally:
        release = getattr(inbox, "release", None)
        if release:  # a mailbox is read by one run at a time: let go of it even when the run failed
            release()
    note = "the file changed while it was read: it is back in the inbox and the next run judges it again"
    return [replace(o, note=note) if o.path in back else o for o in outcomes]


def _collect_mail(settings: Settings, claim: Claim) -> tuple[list[Outcome], Claim]:
    """Ingest the workbooks of messages from reporters, for their own entities; keep the others aside."""
    entities_of: dict[str, set[str]] = {}
    for entity, addresses in reporter_addresses(settings).items():
        for address in addresses:
            entities_of.setdefault(address, set()).add(entity)
    origins, reasons = kept.before_ingest(claim.messages, entities_of)
    outcomes = ingest_files(settings, list(origins), letters_by_mail=True, origins=origins) if origins else []
    reasons = kept.after_ingest(claim.messages, outcomes, reasons)
    languages = {e.code: e.language for e in load_registry().entities}
    for a in claim.messages:
        if a.uid in reasons:
            reason, detail = reasons[a.uid]
            sender = a.message.sender
            k, eml = kept.keep(settings.home, a, reason, detail, kept.sender_language(sender, entities_of, languages))
            why = kept_reason(reason, detail, sender)
            outcomes.append(Outcome(eml, "kept", k.key, note=f"from {shown(sender or '?')}: {why}"))
    return outcomes, replace(claim, kept=frozenset(reasons))
