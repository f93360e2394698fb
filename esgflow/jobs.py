"""The jobs behind the commands: each opens a session on the configured warehouse, reads,
calls the library, and writes.

The CLI and the Prefect tasks call these. This is the only layer outside `warehouse/`
that holds sessions; the library takes frames and rows and returns them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from esgflow import EsgflowError, kept
from esgflow.access import checked_address, new_token, signin_link, token_hash
from esgflow.catalog import load_catalog
from esgflow.checks.group import check_period, published_contradictions
from esgflow.checks.gx_run import build_data_docs
from esgflow.config import Settings
from esgflow.consolidate import ConsolidationResult, consolidate, storable, summary
from esgflow.entities import ParentLink, load_registry, parents_on
from esgflow.explain import Context as ExplainContext
from esgflow.explain import Explanation, explain
from esgflow.factors import FactorRegistry, load_factors, registry_from
from esgflow.feedback import letter_files
from esgflow.findings import Finding
from esgflow.history import ImportResult, read_published
from esgflow.inbox import Claim, InboxSource, inbox_for
from esgflow.ingest import Ingestor
from esgflow.mail import Mail, mailer_for
from esgflow.notices import kept_mail, kept_reason, letter_mail, reminder_mail, template_mail
from esgflow.outcome import Outcome
from esgflow.periods import Period, parse_period
from esgflow.records import AccessRecord, AuditRecord, Origin, SubmissionRecord
from esgflow.reference_data import LoadCounts, reference_rows
from esgflow.report import ReportFiles, check_languages, write_report
from esgflow.report.tables import appendix_years, build_appendix
from esgflow.restatement import RestatementResult, changes
from esgflow.safety import shown
from esgflow.signing import signature, signing_key
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


def _compute(session: db.Session, period: Period, factors: FactorRegistry) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A period's figures from its accepted returns, the entity tree and locations, and the factors given."""
    observations = queries.accepted_observations(session, period)
    parents = _members(session, period)
    locations = queries.entity_locations(session, period.ends_on)
    root = load_registry().root()
    splits = queries.accepted_splits(session, period)
    figures = consolidate(observations, parents, root, load_catalog(), factors, period.ends_on, locations, splits)
    return figures, observations


def _standing_basis(session: db.Session, period: Period) -> str:
    """The basis a period's current figures are on: restated once a restatement was recorded."""
    return RESTATED if queries.restatements(session, [period]) else COMPUTED


def consolidate_period(settings: Settings, period: Period) -> ConsolidationResult:
    """Consolidate a period with the factor set it is pinned to (a correction moves nothing until restate)."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        factors, _ = _period_factors(session, period)
        figures, observations = _compute(session, period, factors)
        load.replace_computed_figures(session, period, storable(figures), _standing_basis(session, period))
    return summary(period, figures, load_registry().root(), observations)


def restate_period(settings: Settings, period: Period, reason: str) -> RestatementResult:
    """Recompute a period with today's returns and factor registry; record why and what moved."""
    if not reason.strip():
        raise EsgflowError("a restatement needs a reason (--reason)")
    _require_schema(settings)
    root, catalog = load_registry().root(), load_catalog()
    with db.session_scope(settings.database_url) as session:
        basis = _standing_basis(session, period)
        before = queries.stored_figures(session, period, basis).filter(pl.col("scope") == root)
        pinned = queries.pinned_factor_set(session, period)
        if before.is_empty() or pinned is None:
            raise EsgflowError(f"{period} has no consolidated figures to restate: run 'esgflow consolidate' first")
        old, current = registry_from(pinned[1]), load_factors()
        figures, _ = _compute(session, period, current)
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
        number = load.record_restatement(
            session, period, reason.strip(), pinned[0], new_set, [c.to_json() for c in found], significant
        )
    return RestatementResult(period.code, number, reason.strip(), found, significant)


def explain_figure(settings: Settings, period: Period, code: str, entity: str | None = None) -> Explanation:
    """How a figure of a period (the group's, or an entity's subtree's) was made, down to cells and factors."""
    catalog, root = load_catalog(), load_registry().root()
    if code not in catalog:
        raise EsgflowError(f"unknown indicator {code!r}")
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


def grant_access(settings: Settings, email: str, entity: str | None) -> str:
    """Make a sign-in for a reporter of `entity` (None: the ESG office); returns its link, shown only once."""
    address = checked_address(email)
    _require_schema(settings)
    token = new_token()
    with db.session_scope(settings.database_url) as session:
        try:
            load.grant_access(session, address, entity, token_hash(token))
        except KeyError:
            raise EsgflowError(f"unknown entity {entity!r}") from None
    return signin_link(settings.portal_url, token)


def revoke_access(settings: Settings, email: str) -> int:
    """End every sign-in of an address; how many there were."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return load.revoke_access(session, checked_address(email))


def signed_in(settings: Settings, token_digest: str) -> AccessRecord | None:
    """The active grant behind a token's hash (None: unknown or revoked); the portal asks on every request."""
    with db.session_scope(settings.database_url) as session:
        return queries.grant_for_token(session, token_digest)


def audit(settings: Settings, event: AuditRecord) -> None:
    """Write one row of the portal's audit log."""
    with db.session_scope(settings.database_url) as session:
        load.record_audit(session, event)


def audit_log(settings: Settings, limit: int = 200) -> list[AuditRecord]:
    with db.session_scope(settings.database_url) as session:
        return queries.audit_events(session, limit)


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
        stale = queries.consolidation_is_stale(session, period)
    if stale:  # a report never shows figures older than the returns accepted for them
        consolidate_period(settings, period)
    years = appendix_years(period)
    with db.session_scope(settings.database_url) as session:
        figures = queries.group_figures(session, load_registry().root(), years)
        restated = queries.restatements(session, years)
    own = published_contradictions(figures, years, catalog, load_factors(), settings.home)
    table = replace(build_appendix(figures, catalog, period), contradictions=tuple(own), restatements=tuple(restated))
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
        prior = queries.accepted_observations(session, period.shifted_years(-1))
    paths, key = [], signing_key(settings.home)
    for code in (e for e in registry.codes if e in (entities or members)):
        rows = prior.filter(prior["entity"] == code)
        values = dict(zip(rows["indicator"].to_list(), rows["value"].to_list(), strict=True))
        path = out / template_name(code, period)
        signed = signature(key, code, period.code, catalog.template_version)
        write_template(path, TemplateRequest(registry[code], period, values, signed), catalog)
        paths.append(path)
    return paths


def ingest_files(
    settings: Settings,
    paths: list[Path],
    letters_by_mail: bool = False,
    docs: bool = True,
    origins: Mapping[Path, Origin] | None = None,
) -> list[Outcome]:
    """Ingest returned workbooks (files or folders); every file ends accepted, rejected, refused or duplicate.

    letters_by_mail: the files came through the inbox, and `send_letters` mails their letters.
    docs: build the Data Docs pages of the validation afterwards (a process answering one
    reporter at a time may leave them to `build_data_docs`, off the reporter's wait).
    origins: files that came by mail, each taken only for the entities its sender reports for.
    """
    _require_schema(settings)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise EsgflowError(f"no such file or folder: {', '.join(missing)}")
    sessions = db.session_factory(settings.database_url)
    ingestor = Ingestor(sessions, load_catalog(), settings.archive, settings.home, letters_by_mail, origins)
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


def check_group(settings: Settings, period: Period) -> list[Finding]:
    """Group-level consistency findings for a period (published history included)."""
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        figures = queries.group_figures(session, load_registry().root(), [period, period.shifted_years(-1)])
        notes = queries.reporter_notes(session, period)
    findings = check_period(figures, notes, period, load_catalog(), load_factors(), settings.home)
    build_data_docs(settings.home)
    return findings


def data_docs_index(settings: Settings) -> Path:
    """Where the Great Expectations Data Docs of this home are (built after every batch and check)."""
    return settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


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
    return period_status(newest, members, load_registry().codes)


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
