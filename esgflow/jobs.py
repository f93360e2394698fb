"""The jobs behind the commands: each opens a session on the configured warehouse, reads,
calls the library, and writes.

The CLI and the Prefect tasks call these. This is the only layer outside `warehouse/`
that holds sessions; the library takes frames and rows and returns them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from esgflow import EsgflowError, cycles, kept
from esgflow.access import checked_address, new_token, signin_link, token_hash
from esgflow.catalog import load_catalog
from esgflow.checks.group import check_period, published_contradictions
from esgflow.checks.gx_run import build_data_docs
from esgflow.checks.offline_docs import RUN_PAGES
from esgflow.config import Settings
from esgflow.consolidate import ConsolidationResult, consolidate, storable, summary
from esgflow.entities import ParentLink, load_registry, parents_on
from esgflow.explain import Context as ExplainContext
from esgflow.explain import Explanation, explain, unknown_indicator
from esgflow.factors import FactorRegistry, load_factors, registry_from
from esgflow.feedback import letter_files
from esgflow.findings import Finding
from esgflow.history import ImportResult, read_published
from esgflow.inbox import Claim, InboxSource, inbox_for
from esgflow.ingest import Ingestor
from esgflow.mail import Mail, mailer_for
from esgflow.notices import (
    kept_mail,
    kept_reason,
    letter_mail,
    reminder_mail,
    returned_mail,
    signin_mail,
    template_mail,
)
from esgflow.outcome import Outcome
from esgflow.periods import Period, parse_period
from esgflow.records import (
    AccessRecord,
    AuditRecord,
    CycleRecord,
    Origin,
    PortalEvent,
    SignoffRecord,
    SubmissionRecord,
    SubmissionVersion,
)
from esgflow.reference_data import LoadCounts, reference_rows
from esgflow.report import ReportFiles, check_languages, write_report
from esgflow.report.coverage import coverage_findings, coverage_of
from esgflow.report.tables import appendix_years, build_appendix
from esgflow.restatement import RestatementResult, approved_basis, changes
from esgflow.review import (
    DECISIONS,
    actor,
    excuses,
    figures_version,
    review_states,
    signoff_refusals,
    target,
    version_states,
)
from esgflow.safety import shown
from esgflow.settled import OnJudged
from esgflow.signing import signature, signing_key
from esgflow.states import APPROVED, EXCUSED, RETURNED, move
from esgflow.status import EntityStatus, period_status
from esgflow.warehouse import db, load, queries
from esgflow.workbooks.naming import named_entity, template_name
from esgflow.workbooks.template import TemplateRequest, write_template

# How long a run may take to send a letter before another run may send it instead.
LETTER_LEASE = timedelta(minutes=10)

# Faults that pass (a database briefly away): a Prefect task retries on these.
TRANSIENT_DB_ERRORS = db.TRANSIENT_ERRORS


def warehouse_url(settings: Settings) -> str:
    """The warehouse's URL with its password masked, for messages."""
    return db.display_url(settings.database_url)


def close() -> None:
    """Close the warehouse connections this process holds (before it exits)."""
    db.dispose_all()


def init_warehouse(settings: Settings) -> LoadCounts:
    """Create or upgrade the schema and load the reference data."""
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        db.upgrade(settings.database_url)
    except Exception as exc:  # the driver's own message is the useful part
        raise EsgflowError(f"cannot reach or upgrade the warehouse at {warehouse_url(settings)}: {exc}") from exc
    rows = reference_rows(load_catalog(), load_registry(), load_factors())
    with db.session_scope(settings.database_url) as session:
        load.load_reference(
            session,
            indicators=rows.indicators,
            entities=rows.entities,
            links=rows.links,
            contacts=rows.contacts,
            factors=rows.factors,
            locations=rows.locations,
        )
    return rows.counts()


def _require_schema(settings: Settings) -> None:
    try:
        ready = db.has_schema(settings.database_url)
    except Exception as exc:
        raise EsgflowError(f"cannot reach the warehouse at {warehouse_url(settings)}: {exc}") from exc
    if not ready:
        raise EsgflowError("the warehouse has no schema yet: run 'esgflow init' first")


def _members(session: db.Session, period: Period) -> dict[str, str | None]:
    """The entity tree as the warehouse holds it, valid at the end of the period."""
    return parents_on([ParentLink(*row) for row in queries.entity_links(session)], period.ends_on)


def import_history_file(settings: Settings, path: Path, periods: list[Period] | None = None) -> ImportResult:
    """Import published group figures from a CSV (only the years of `periods`, if given)."""
    if not path.is_file():
        raise EsgflowError(f"{path}: no such file")
    _require_schema(settings)
    figures = read_published(path, load_catalog(), {p.code for p in periods} if periods else None)
    with db.session_scope(settings.database_url) as session:
        inserted, updated, unchanged = load.upsert_published(session, load_registry().root(), figures)
    return ImportResult(str(path), inserted, updated, unchanged, sorted({f.year for f in figures}))


COMPUTED, RESTATED = "computed", "computed_restated"


def _period_factors(session: db.Session, period: Period) -> tuple[FactorRegistry, int]:
    """The factor set a period's figures are computed with; its first consolidation pins today's."""
    pinned = queries.pinned_factor_set(session, period)
    if pinned:
        return registry_from(pinned[1]), pinned[0]
    current = load_factors()
    return current, load.pin_factor_set(session, period, current.snapshot(), current.digest())


def _compute(
    session: db.Session, period: Period, factors: FactorRegistry, chosen: Mapping[str, int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A period's figures from its accepted returns (or the versions `chosen`, entity -> version), the entity
    tree and locations, and the factors given."""
    if chosen is None:
        observations, splits = queries.accepted_observations(session, period), queries.accepted_splits(session, period)
    else:
        observations = queries.observations_of_versions(session, period, sorted(chosen.items()))
        splits = queries.splits_of(session, observations["observation_id"].to_list())
    parents = _members(session, period)
    locations = queries.entity_locations(session, period.ends_on)
    root = load_registry().root()
    figures = consolidate(observations, parents, root, load_catalog(), factors, period.ends_on, locations, splits)
    return figures, observations


def _standing_basis(session: db.Session, period: Period) -> str:
    """The basis a period's current figures are on: restated once a restatement was recorded."""
    return RESTATED if queries.restatements(session, [period]) else COMPUTED


def consolidate_period(settings: Settings, period: Period) -> ConsolidationResult:
    """Consolidate a period with the factor set it is pinned to (a correction moves nothing until restate).

    A signed-off period is left as signed: a late return changes it only through restate_period.
    """
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        signed = queries.period_signoff(session, period)
        if signed is not None:
            return _signed_summary(session, period, signed.signed_by)
        factors, _ = _period_factors(session, period)
        figures, observations = _compute(session, period, factors)
        load.replace_computed_figures(session, period, storable(figures), _standing_basis(session, period))
    return summary(period, figures, load_registry().root(), observations)


def restate_period(settings: Settings, period: Period, reason: str, by: str) -> RestatementResult:
    """Recompute a period from its approved returns and today's factor registry; record why and what moved.

    Each entity counts with its newest approved version (an excused one with none); a newer
    version still pending review, returned or rejected is left out and named in the result.
    """
    if not reason.strip():
        raise EsgflowError("a restatement needs a reason (--reason)")
    if not (by or "").strip():
        raise EsgflowError("a restatement needs the name of the person who restates (--by)")
    _require_schema(settings)
    root, catalog = load_registry().root(), load_catalog()
    with db.session_scope(settings.database_url) as session:
        basis = _standing_basis(session, period)
        before = queries.stored_figures(session, period, basis).filter(pl.col("scope") == root)
        pinned = queries.pinned_factor_set(session, period)
        if before.is_empty() or pinned is None:
            raise EsgflowError(f"{period} has no consolidated figures to restate: run 'esgflow consolidate' first")
        approved = approved_basis(
            queries.submission_versions(session, period), queries.audit_events(session, period, DECISIONS)
        )
        if not approved.used:
            raise EsgflowError(
                f"{period} has no approved return to restate from: approve returns with 'esgflow review' first"
            )
        old, current = registry_from(pinned[1]), load_factors()
        figures, _ = _compute(session, period, current, approved.used)
        after = storable(figures).filter(pl.col("scope") == root)
        used_before = queries.figure_sources(session, period, root, basis)
        used_after = after.select("indicator", pl.col("observation_ids").alias("observation_id")).explode(
            "observation_id"
        )
        differing = pl.concat(
            [
                used_before.join(used_after, on=["indicator", "observation_id"], how="anti"),
                used_after.join(used_before, on=["indicator", "observation_id"], how="anti"),
            ]
        )
        owners = queries.observations_by_id(session, differing["observation_id"].drop_nulls().to_list())
        moved = (
            differing.join(owners.select("observation_id", "entity"), on="observation_id")
            .group_by("indicator")
            .agg(pl.col("entity").unique().sort())
        )
        found = changes(
            before,
            after,
            catalog,
            old,
            current,
            {r["indicator"]: tuple(r["entity"]) for r in moved.iter_rows(named=True)},
        )
        new_set = load.pin_factor_set(session, period, current.snapshot(), current.digest())
        load.replace_computed_figures(session, period, storable(figures), RESTATED)
        significant = any(c.significant for c in found)
        used = [{"entity": e, "version": v} for e, v in sorted(approved.used.items())]
        number = load.record_restatement(
            session, period, reason.strip(), pinned[0], new_set, [c.to_json() for c in found], significant, used
        )
        load.record_audit(
            session,
            "restated",
            actor(by),
            period,
            reason=reason.strip(),
            detail={
                "restatement": number,
                "moved": len(found),
                "significant": significant,
                "used": approved.used,
                "left_out": [o.line() for o in approved.left_out],
            },
        )
    return RestatementResult(period.code, number, reason.strip(), found, significant, approved)


def explain_figure(settings: Settings, period: Period, code: str, entity: str | None = None) -> Explanation:
    """How a figure of a period (the group's, or an entity's subtree's) was made, down to cells and factors."""
    catalog, root = load_catalog(), load_registry().root()
    if code not in catalog:
        raise EsgflowError(unknown_indicator(code, catalog))
    _require_schema(settings)
    scope = entity or root
    with db.session_scope(settings.database_url) as session:
        stored = queries.stored_figure(session, period, scope, code, (RESTATED, COMPUTED))
        if stored is None:
            raise EsgflowError(f"{period} has no computed {code} for {scope}: run 'esgflow consolidate' first")
        pinned = queries.pinned_factor_set(session, period)
        factors = registry_from(pinned[1]) if pinned else load_factors()
        context = ExplainContext(
            catalog,
            factors,
            queries.observations_by_id(session, list(stored.observation_ids)),
            _members(session, period),
            queries.entity_locations(session, period.ends_on),
            period.ends_on,
            queries.splits_of(session, list(stored.observation_ids)),
        )
    return Explanation(period.code, stored, explain(code, scope, context))


def grant_access(settings: Settings, email: str, entity: str | None, mail: bool = False) -> str:
    """Make a sign-in for a reporter of `entity` (None: the ESG office); returns its link, shown only once.

    mail: also send the link to the address (SMTP when configured, else the outbox folder).
    """
    address = checked_address(email)
    _require_schema(settings)
    token = new_token()
    with db.session_scope(settings.database_url) as session:
        try:
            load.grant_access(session, address, entity, token_hash(token), actor(None))
        except KeyError:
            raise EsgflowError(f"unknown entity {entity!r}") from None
    link = signin_link(settings.portal_url, token)
    if mail:
        who = f"{entity} reporter" if entity else "ESG office"
        mailer_for(settings).send([signin_mail(address, link, who)])
    return link


def revoke_access(settings: Settings, email: str) -> int:
    """End every sign-in of an address; how many there were."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return load.revoke_access(session, checked_address(email), actor(None))


def signed_in(settings: Settings, token_digest: str) -> AccessRecord | None:
    """The active grant behind a token's hash (None: unknown or revoked); the portal asks on every request."""
    with db.session_scope(settings.database_url) as session:
        return queries.grant_for_token(session, token_digest)


def portal_event(settings: Settings, event: PortalEvent) -> None:
    """Write one row of the portal's log of sign-ins and submissions."""
    with db.session_scope(settings.database_url) as session:
        load.record_portal_event(session, event)


def portal_events(settings: Settings, limit: int = 200) -> list[PortalEvent]:
    with db.session_scope(settings.database_url) as session:
        return queries.portal_events(session, limit)


def open_period(settings: Settings) -> Period | None:
    """The newest period open for collection (templates issued), the one the portal collects."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        codes = list(queries.open_periods(session))
    periods = [parse_period(c) for c in codes]
    return max(periods, key=lambda p: (p.ends_on, p.starts_on)) if periods else None


def entity_versions(settings: Settings, entity: str, period: Period) -> list[SubmissionRecord]:
    """Every version an entity sent for a period, oldest first, with its findings."""
    with db.session_scope(settings.database_url) as session:
        return queries.entity_submissions(session, entity, period)


def reporter_addresses(settings: Settings) -> dict[str, set[str]]:
    """entity -> every address that may submit for it (registered contacts and granted sign-ins)."""
    with db.session_scope(settings.database_url) as session:
        return queries.reporter_addresses(session)


def report_period(settings: Settings, period: Period, out: Path, langs: list[str]) -> ReportFiles:
    """Write the appendix tables of a period and the two years before it."""
    check_languages(langs)
    _require_schema(settings)
    catalog = load_catalog()
    with db.session_scope(settings.database_url) as session:
        # a signed-off period keeps its figures: a late return waits for restate_period
        signed = queries.period_signoff(session, period)
        stale = signed is None and queries.consolidation_is_stale(session, period)
        collected = signed is None and _collected(session, period)
    if stale:  # a report never shows figures older than the returns accepted for them
        consolidate_period(settings, period)
    provisional = coverage_of(period.code, period_statuses(settings, period), load_registry()) if collected else None
    years = appendix_years(period)
    with db.session_scope(settings.database_url) as session:
        figures = queries.group_figures(session, load_registry().root(), years)
        restated = queries.restatements(session, years)
        estimates = queries.estimated_sources(session, load_registry().root(), years)
    own = published_contradictions(figures, years, catalog, load_factors(), settings.home)
    table = replace(
        build_appendix(figures, catalog, period),
        contradictions=tuple(own),
        restatements=tuple(restated),
        signoff=signed,
        estimates=estimates,
        coverage=provisional,
    )
    files = write_report(table, catalog, out, langs)
    return replace(files, consolidated_first=stale)


def write_templates(settings: Settings, period: Period, out: Path, entities: list[str] | None = None) -> list[Path]:
    """One template per entity of the group in `period` (or the ones named), with last period's values."""
    _require_schema(settings)
    catalog, registry = load_catalog(), load_registry()
    with db.session_scope(settings.database_url) as session:
        members = list(_members(session, period))
        unknown = [e for e in entities or [] if e not in members]
        if unknown:
            raise EsgflowError(f"not an entity of the group in {period}: {', '.join(unknown)}")
        load.open_for_collection(session, period)  # returns for the period are taken from now on
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
    fixed = cycles.signed_versions(queries.period_signoff(session, period), queries.restatements(session, [period]))
    if fixed is None:
        return queries.accepted_observations(session, period)
    return queries.observations_of_versions(session, period, fixed)


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
    _require_schema(settings)
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


def _collected(session: db.Session, period: Period) -> bool:
    """Whether a period was collected (opened, or returns or computed figures stored), not only published."""
    return (
        period.code in queries.open_periods(session)
        or bool(queries.submission_versions(session, period))
        or not queries.stored_figures(session, period, COMPUTED).is_empty()
    )


def check_group(settings: Settings, period: Period) -> list[Finding]:
    """Group-level consistency findings for a period (published history included), and, until the period is
    signed off, the entities whose returns are missing from its figures."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        figures = queries.group_figures(session, load_registry().root(), [period, period.shifted_years(-1)])
        notes = queries.reporter_notes(session, period)
        collected = queries.period_signoff(session, period) is None and _collected(session, period)
    findings = check_period(figures, notes, period, load_catalog(), load_factors(), settings.home)
    if collected:
        findings += coverage_findings(coverage_of(period.code, period_statuses(settings, period), load_registry()))
    build_data_docs(settings.home)
    return findings


def has_group_figures(settings: Settings, period: Period) -> bool:
    """Whether the warehouse holds any group figure of the period (computed or published)."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return bool(queries.group_figures(session, load_registry().root(), [period]))


def data_docs_index(settings: Settings) -> Path:
    """Where the Great Expectations Data Docs of this home are (built after every batch and check)."""
    return settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def validation_index(settings: Settings) -> Path:
    """Where the office's pages of the validation runs are (in the Data Docs site, built with it)."""
    return data_docs_index(settings).parent / RUN_PAGES / "index.html"


def contacts(settings: Settings) -> dict[str, list[str]]:
    """entity -> reporters' addresses, as the warehouse holds them."""
    with db.session_scope(settings.database_url) as session:
        return queries.contacts(session)


def send_templates(
    settings: Settings, period: Period, deadline: date, templates: list[Path], smtp_block: str | None = None
) -> list[str]:
    """Mail each entity its template (one message per entity, to its reporters)."""
    registry, to = load_registry(), contacts(settings)
    mails = [
        template_mail(registry[entity], to[entity], period, deadline, t)
        for t in templates
        if to.get(entity := named_entity(t.name))
    ]
    return mailer_for(settings, smtp_block).send(mails)


def period_statuses(settings: Settings, period: Period) -> list[EntityStatus]:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        newest = queries.newest_submissions(session, period)
        members = _members(session, period)
        versions = queries.submission_versions(session, period)
        decisions = queries.audit_events(session, period, DECISIONS)
        estimated = queries.estimated_counts(session, period)
    reviews = review_states(versions, decisions, members)
    return period_status(newest, members, load_registry().codes, reviews, estimated)


def send_reminders(
    settings: Settings, period: Period, deadline: date, today: date, smtp_block: str | None = None
) -> list[str]:
    """Remind the reporters of every entity whose return is missing or rejected; returns the entities reminded."""
    registry, to = load_registry(), contacts(settings)
    due = [
        s for s in period_statuses(settings, period) if s.status in ("not_submitted", "rejected") and to.get(s.entity)
    ]
    mails = [reminder_mail(registry[s.entity], to[s.entity], period, deadline, today, s.status) for s in due]
    mailer_for(settings, smtp_block).send(mails)
    return [s.entity for s in due]


def send_letters(settings: Settings, smtp_block: str | None = None, lease: timedelta = LETTER_LEASE) -> list[str]:
    """Mail every answered return's letter, and every answer to a message kept aside, that has not gone out."""
    return _send_return_letters(settings, smtp_block, lease) + _answer_kept(settings, smtp_block, lease)


def _send_return_letters(settings: Settings, smtp_block: str | None, lease: timedelta) -> list[str]:
    """Mail every answered return's letter that has not gone out, whichever run answered it.

    Each letter is leased before it is sent and marked once it went out, so two runs never
    send it together and a run that died is made good by the next one. A run killed between
    sending and marking sends it again after the lease (same Message-ID and outbox file).
    """
    registry, to = load_registry(), contacts(settings)
    with db.session_scope(settings.database_url) as session:
        owed = queries.letters_owed(session)
    mails: dict[str, tuple[int, Mail]] = {}
    for o in owed:
        letter, annotated = letter_files(settings.home / "letters", o.entity, o.period, o.version)
        if not (to.get(o.entity) or o.thread) or not letter.is_file():
            continue  # owed until the entity has a reporter to write to
        with db.session_scope(settings.database_url) as session:
            if not load.claim_letter(session, o.submission_id, lease):
                continue  # gone out meanwhile, or another run is sending it
        mail = letter_mail(
            registry[o.entity],
            to.get(o.entity, []),
            parse_period(o.period),
            o.version,
            o.status,
            letter,
            annotated if annotated.is_file() else None,
            o.thread,
        )
        key = f"letter-{o.entity}_{o.period}_v{o.version}-{o.content_hash[:12]}"
        mails[key] = (o.submission_id, replace(mail, key=key))
    mailed: list[int] = []

    def went_out(mail: Mail) -> None:
        submission_id = mails[mail.key or ""][0]
        with db.session_scope(settings.database_url) as session:
            load.mark_mailed(session, submission_id)
        mailed.append(submission_id)

    try:
        return mailer_for(settings, smtp_block).send([mail for _, mail in mails.values()], on_sent=went_out)
    finally:
        unsent = [sid for sid, _ in mails.values() if sid not in mailed]
        if unsent:  # a retry of this task may send them at once
            with db.session_scope(settings.database_url) as session:
                load.release_letters(session, unsent)


def _answer_kept(settings: Settings, smtp_block: str | None, lease: timedelta) -> list[str]:
    """Answer each sender whose message was kept aside, once, under a lease as letters are."""
    home = settings.home
    owed = [k for k in kept.answers_owed(home) if kept.claim_answer(home, k.key, lease.total_seconds())]
    answered: list[str] = []

    def went_out(mail: Mail) -> None:
        key = (mail.key or "").removeprefix("kept-")
        kept.mark_answered(home, key)
        answered.append(key)

    try:
        return mailer_for(settings, smtp_block).send([kept_mail(k) for k in owed], on_sent=went_out) if owed else []
    finally:
        for k in owed:
            if k.key not in answered:
                kept.release_answer(home, k.key)


def collect_inbox(
    settings: Settings, run_id: str, source: InboxSource | None = None, stale_after: float = 3600.0
) -> list[Outcome]:
    """Ingest whatever has arrived in the inbox: claim, judge and load, then mark the files done."""
    _require_schema(settings)
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


# The ESG office's review, sign-off and audit trail (issue 13).


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the entity's version moved (None for an excuse), its new state, whom it was mailed to."""

    period: str
    entity: str
    version: int | None
    state: str
    by: str
    to: list[str] = field(default_factory=list)  # the reporters a returned version was mailed to
    mailed: list[str] = field(default_factory=list)  # where the mail went (addresses, or the outbox file)


def review_return(
    settings: Settings,
    period: Period,
    entity: str,
    decision: str,
    reason: str = "",
    by: str | None = None,
    version: int | None = None,
    smtp_block: str | None = None,
) -> ReviewResult:
    """Approve or return an entity's return (its newest version, or the one named), or excuse the entity.

    The move is checked by the state machine (esgflow.states) and recorded in the audit trail;
    a returned version goes back to its reporters with the reason, by mail like the letters.
    """
    if decision not in DECISIONS:
        raise EsgflowError(f"a review approves, returns or excuses, not {decision!r}")
    if decision != APPROVED and not reason.strip():
        raise EsgflowError(f"to {'return a return' if decision == RETURNED else 'excuse an entity'} needs a reason")
    _require_schema(settings)
    who, why = actor(by), reason.strip() or None
    with db.session_scope(settings.database_url) as session:
        if entity not in _members(session, period):
            raise EsgflowError(f"{entity} is not an entity that reports in {period}")
        versions = queries.submission_versions(session, period, entity)
        if decision == EXCUSED:
            used = figures_version(versions)
            if used is not None:
                raise EsgflowError(
                    f"cannot excuse {entity} for {period}: it has a usable return (version {used.version}); "
                    "approve it or return it"
                )
            load.record_audit(session, EXCUSED, who, period, entity=entity, state=EXCUSED, reason=why)
            return ReviewResult(period.code, entity, None, EXCUSED, who)
        chosen = target(versions, entity, period.code, version)
        states = version_states(versions, queries.audit_events(session, period, DECISIONS))
        state = move(states[(entity, chosen.version)], decision, f"{entity} {period} version {chosen.version}")
        load.record_audit(
            session, decision, who, period, entity=entity, version=chosen.version, state=state, reason=why
        )
    to: list[str] = []
    mailed: list[str] = []
    if decision == RETURNED:  # recorded first: a mail that fails can be sent again, a decision is not lost
        to = sorted(reporter_addresses(settings).get(entity, set()))
        if to:
            mail = returned_mail(load_registry()[entity], to, period, chosen.version, why or "")
            mailed = mailer_for(settings, smtp_block).send([mail])
    return ReviewResult(period.code, entity, chosen.version, state, who, to, mailed)


def _signed_summary(session: db.Session, period: Period, by: str) -> ConsolidationResult:
    """The counts of a signed-off period's standing figures, as consolidate_period reports them."""
    root, basis = load_registry().root(), _standing_basis(session, period)
    stored = queries.stored_figures(session, period, basis)
    used = queries.figure_sources(session, period, root, basis)["observation_id"].n_unique()
    group = stored.filter(pl.col("scope") == root).height
    return ConsolidationResult(period.code, stored.height, group, used, signed_off_by=by)


def open_errors(settings: Settings, period: Period) -> list[Finding]:
    """Group check errors on the period's standing computed figures.

    Only these stop a sign-off: contradictions inside a published report (of this year or an
    older one) are the published report's, and the period's own figures are the computed ones.
    """
    root = load_registry().root()
    with db.session_scope(settings.database_url) as session:
        basis = _standing_basis(session, period)
        figures = queries.group_figures(session, root, [period, period.shifted_years(-1)])
        pinned = queries.pinned_factor_set(session, period)
    own = {key: value for key, value in figures.items() if key[1] != period.code or key[2] == basis}
    factors = registry_from(pinned[1]) if pinned else load_factors()
    found = check_period(own, [], period, load_catalog(), factors, settings.home)
    return [f for f in found if f.severity == "error" and f.period == period.code]


@dataclass(frozen=True)
class SignoffResult:
    period: str
    by: str
    signed_at: datetime
    approved: list[str]  # 'ENTITY vN' of the returns in the figures
    excused: dict[str, str]
    figure_count: int


def signoff_period(settings: Settings, period: Period, by: str) -> SignoffResult:
    """Lock a period once every expected entity is approved or excused and no group check error is open.

    The consolidated figures, the pinned factor set and the returns they came from are then
    frozen: consolidate_period leaves them, and only restate_period moves them, on record.
    """
    who = by.strip()
    if not who:
        raise EsgflowError("a sign-off needs the name of who signs (--by)")
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        signed = queries.period_signoff(session, period)
        if signed is not None:
            when = f"{signed.signed_at:%Y-%m-%d %H:%M} UTC"
            raise EsgflowError(f"{period} was signed off by {signed.signed_by} on {when}: it is locked")
        members = _members(session, period)
        versions = queries.submission_versions(session, period)
        decisions = queries.audit_events(session, period, DECISIONS)
        stale = queries.consolidation_is_stale(session, period)
    reviews = review_states(versions, decisions, members)
    refused = signoff_refusals(reviews, load_registry().codes)
    if refused:
        raise EsgflowError(f"cannot sign off {period}: neither approved nor excused: {', '.join(refused)}")
    if stale or not _has_figures(settings, period):
        consolidate_period(settings, period)  # the figures are those of the approved returns
    errors = open_errors(settings, period)
    if errors:
        listed = "; ".join(f.message for f in errors[:5]) + (f" and {len(errors) - 5} more" if len(errors) > 5 else "")
        raise EsgflowError(f"cannot sign off {period}: {len(errors)} group check errors are open: {listed}")
    grouped: dict[str, list[SubmissionVersion]] = {}
    for v in versions:
        grouped.setdefault(v.entity, []).append(v)
    used = [u for e in load_registry().codes if e in members and (u := figures_version(grouped.get(e, [])))]
    returns = [{"entity": u.entity, "version": u.version, "file": u.file, "content_hash": u.content_hash} for u in used]
    excused = {e: r for e, r in excuses(decisions).items() if reviews.get(e) == EXCUSED}
    with db.session_scope(settings.database_url) as session:
        pinned = queries.pinned_factor_set(session, period)
        if pinned is None:
            raise EsgflowError(f"{period} has no consolidated figures to sign off")
        at = load.record_signoff(session, period, who, pinned[0], returns, excused)
        load.record_audit(
            session,
            "signed_off",
            who,
            period,
            state="signed_off",
            detail={"factor_set": pinned[0], "returns": returns, "excused": excused},
        )
        count = queries.stored_figures(session, period, _standing_basis(session, period)).height
    return SignoffResult(period.code, who, at, [f"{u.entity} v{u.version}" for u in used], excused, count)


def _has_figures(settings: Settings, period: Period) -> bool:
    """Whether a period has computed figures at all."""
    with db.session_scope(settings.database_url) as session:
        return not queries.stored_figures(session, period, _standing_basis(session, period)).is_empty()


def audit_trail(settings: Settings, period: Period | None = None) -> list[AuditRecord]:
    """The audit trail, of one period (None: everything, access grants included), oldest first."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return queries.audit_events(session, period)


# The yearly cycle (esgflow.cycles).


def open_cycle(settings: Settings, period: Period, deadline: date, by: str | None = None) -> cycles.CycleChange:
    """Open a period's cycle with its deadline, or move the deadline; every change is audited with old and new."""
    checked = cycles.checked_deadline(period, deadline)
    _require_schema(settings)
    who = actor(by)
    with db.session_scope(settings.database_url) as session:
        change = cycles.CycleChange(period.code, checked, load.open_cycle(session, period, checked, who), who)
        if change.action:
            detail = cycles.audit_detail(change.previous, checked)
            load.record_audit(session, change.action, who, period, detail=detail)
    return change


def cycle_records(settings: Settings, period: Period | None = None) -> list[CycleRecord]:
    """The cycles opened (one period's, if given), with their deadlines and sign-offs."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return queries.cycles(session, period)


def cycle_deadline(settings: Settings, period: Period, given: date | None = None) -> date:
    """The deadline given, else the one the period's cycle was opened with, else 31 January after it."""
    if given:
        return given
    found = cycle_records(settings, period)
    return cycles.deadline_for(period, None, found[0].deadline if found else None)


def period_signoff(settings: Settings, period: Period) -> SignoffRecord | None:
    """A period's sign-off, or None while it is open."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return queries.period_signoff(session, period)
