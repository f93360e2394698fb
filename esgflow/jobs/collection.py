"""Collecting the returns: templates out, workbooks in (files, the inbox, the portal), and where each entity stands."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.checks.offline_docs import RUN_PAGES
from esgflow.config import Settings
from esgflow.cycle import deadlines
from esgflow.cycle.review import DECISIONS, review_states, standings
from esgflow.cycle.status import EntityStatus, period_status
from esgflow.entities import load_registry
from esgflow.findings import Finding
from esgflow.intake.archive import content_hash
from esgflow.intake.outcome import Outcome
from esgflow.intake.settled import OnJudged
from esgflow.jobs.common import entity_tree, require_schema
from esgflow.mail.inbox import Claim, InboxSource, inbox_for
from esgflow.periods import Period, edge_period
from esgflow.records import (
    Origin,
    SubmissionRecord,
)
from esgflow.safety import shown
from esgflow.warehouse import db
from esgflow.warehouse.figures import restatements
from esgflow.warehouse.submissions import (
    entity_submissions,
    estimated_counts,
    newest_return_findings,
    newest_submissions,
    open_for_collection,
    open_periods,
    submission_versions,
)
from esgflow.warehouse.trail import audit_events, period_signoff
from esgflow.workbooks.naming import template_name
from esgflow.workbooks.signing import signature, signing_key

RECORDER_NICE = 10  # a recorder the portal starts yields the processors to the answers

if TYPE_CHECKING:  # each job imports the workbooks, checks and mail it uses: `status` needs none of them
    import polars as pl

    from esgflow.workbooks.returns import ParsedReturn


def open_period(settings: Settings) -> Period | None:
    """The newest period open for collection (its cycle opened or templates issued), the portal's default.

    A period row the warehouse holds from before periods were checked at the edge (a year like
    9999, a code with a space) is never the default: only well-formed years up to next year are.
    """
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        codes = list(open_periods(session))
    periods = [p for p in (_edge_or_none(c) for c in codes) if p is not None]
    return max(periods, key=lambda p: (p.ends_on, p.starts_on)) if periods else None


def _edge_or_none(code: str) -> Period | None:
    try:
        return edge_period(code, datetime.now(UTC).date())
    except EsgflowError:
        return None


def is_open(settings: Settings, period: Period) -> bool:
    """Whether returns are collected for a period now (opened, not closed)."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return period.code in open_periods(session)


def entity_versions(settings: Settings, entity: str, period: Period) -> list[SubmissionRecord]:
    """Every version an entity sent for a period, oldest first, with its findings."""
    with db.session_scope(settings.database_url) as session:
        return entity_submissions(session, entity, period)


def return_findings(settings: Settings, period: Period, entity: str | None = None) -> list[Finding]:
    """The findings of each entity's newest return of a period (or one entity's): what its letter and the portal
    told the reporter, so that `check` counts what they count."""
    require_schema(settings)
    if entity is not None:
        load_registry()[entity]  # an unknown code is named, not answered with an empty list
    with db.session_scope(settings.database_url) as session:
        return newest_return_findings(session, period, entity)


def write_templates(
    settings: Settings,
    period: Period,
    out: Path,
    entities: list[str] | None = None,
    open_collection: bool = True,
    deadline: date | None = None,
) -> list[Path]:
    """One template per entity of the group in `period` (or the ones named), with last period's values,
    the deadline (given, else the cycle's) and whom to ask.

    open_collection: the office issuing templates opens the period; a reporter's download does not.
    """
    from esgflow.jobs.setup import cycle_deadline
    from esgflow.workbooks.reuse import TemplateWriter
    from esgflow.workbooks.template import TemplateRequest

    due = cycle_deadline(settings, period, deadline)
    require_schema(settings)
    catalog, registry = load_catalog(), load_registry()
    with db.session_scope(settings.database_url) as session:
        members = list(entity_tree(session, period))
        unknown = [e for e in entities or [] if e not in members]
        if unknown:
            raise EsgflowError(f"not an entity of the group in {period}: {', '.join(unknown)}")
        if open_collection:
            open_for_collection(session, period)  # returns for the period are taken from now on
        prior = _standing_observations(session, period.shifted_years(-1))
    paths, key, writer = [], signing_key(settings.home), TemplateWriter(catalog)  # a build per kind and language
    for code in (e for e in registry.codes if e in (entities or members)):
        rows = prior.filter(prior["entity"] == code)
        values = dict(zip(rows["indicator"].to_list(), rows["value"].to_list(), strict=True))
        path = out / template_name(code, period)
        signed = signature(key, code, period.code, catalog.template_version)
        request = TemplateRequest(registry[code], period, values, signed, deadline=due, contact=settings.office_contact)
        writer.write(path, request)
        paths.append(path)
    return paths


def _standing_observations(session: db.Session, period: Period) -> pl.DataFrame:
    """The reported values a period's figures stand on: the returns signed off, else the accepted ones."""
    from esgflow.warehouse.observations import accepted_observations, observations_of_versions

    fixed = deadlines.signed_versions(period_signoff(session, period), restatements(session, [period]))
    if fixed is None:
        return accepted_observations(session, period)
    return observations_of_versions(session, period, fixed)


def ingest_files(
    settings: Settings,
    paths: list[Path],
    letters_by_mail: bool = False,
    docs: bool = True,
    record_later: bool = False,
    origins: Mapping[Path, Origin] | None = None,
    on_judged: OnJudged | None = None,
    portal_user: Mapping[Path, str] | None = None,
    preread: Mapping[str, ParsedReturn | Finding] | None = None,
) -> list[Outcome]:
    """Ingest returned workbooks (files or folders); every file ends accepted, rejected, refused or duplicate.

    letters_by_mail: the files came through the inbox, and `send_letters` mails their letters.
    docs: build the Data Docs pages of the validation afterwards (a process answering one
    reporter at a time may leave them to `build_data_docs`, off the reporter's wait).
    record_later: leave Great Expectations' record and the Data Docs to a detached recorder (`esgflow ingest`
    does not load Great Expectations: its three seconds of import and the record come after its answer,
    esgflow.checks.recorder).
    origins: files that came by mail, each taken only for the entities its sender reports for.
    on_judged: told of each file's outcome as soon as it is final (the command prints it then).
    portal_user: the signed-in address that uploaded each file through the portal (recorded as who submitted it).
    preread: what the caller already read of some files, by content hash, so they are not read twice.
    """
    from esgflow.checks.gx_run import build_data_docs
    from esgflow.intake.ingest import Ingestor

    require_schema(settings)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise EsgflowError(f"no such file or folder: {', '.join(missing)}")
    sessions = db.session_factory(settings.database_url)
    ingestor = Ingestor(
        sessions, load_catalog(), settings.archive, settings.home, letters_by_mail, origins, on_judged, portal_user,
        preread,
    )  # fmt: skip
    outcomes = ingestor.ingest(paths)
    if docs:
        build_data_docs(settings.home, detached=record_later)
    return outcomes


@dataclass(frozen=True)
class Upload:
    """A workbook received as bytes (the portal): its name, who sent it, and what the caller already read of it
    (`read_one` of these bytes and this name), taken by the ingest instead of reading it again."""

    data: bytes
    name: str
    by: str | None = None
    read: ParsedReturn | Finding | None = None


def ingest_bytes(
    settings: Settings,
    data: bytes,
    name: str,
    docs: bool = False,
    by: str | None = None,
    read: ParsedReturn | Finding | None = None,
) -> Outcome:
    """Ingest one workbook received as bytes (the portal) through the same pipeline as every channel."""
    [outcome] = ingest_uploads(settings, [Upload(data, name, by, read)], docs=docs)
    return outcome


def ingest_uploads(
    settings: Settings,
    uploads: list[Upload],
    docs: bool = False,
    on_answer: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Ingest workbooks received as bytes as one batch (one validation run); their outcomes in their order.

    Each is written under a fresh private folder of the home, so two uploads of one name never meet,
    and the copies go once the pipeline has archived them under their hash. The caller keeps to one
    upload per entity and period and per content (the portal's batches do): the answer each gets is
    then the one it would get alone. on_answer: told of each upload's outcome (by its position) as soon
    as it is final, before the rest of the batch is loaded.
    """
    spool = settings.home / "portal-uploads"
    spool.mkdir(parents=True, exist_ok=True)
    folders = [Path(tempfile.mkdtemp(dir=spool)) for _ in uploads]
    try:
        paths = [folder / u.name for folder, u in zip(folders, uploads, strict=True)]
        for path, u in zip(paths, uploads, strict=True):
            path.write_bytes(u.data)
        preread = {content_hash(u.data): u.read for u in uploads if u.read is not None}
        users = {path: u.by for path, u in zip(paths, uploads, strict=True) if u.by}
        position = {path: n for n, path in enumerate(paths)}

        def told(outcome: Outcome, _total: int) -> None:
            if on_answer is not None and outcome.path in position:
                on_answer(position[outcome.path], outcome)

        outcomes = ingest_files(settings, paths, docs=docs, on_judged=told, portal_user=users, preread=preread)
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    by_path = {o.path: o for o in outcomes}
    return [by_path[path] for path in paths]


def refresh_data_docs(settings: Settings, release: bool = True) -> None:
    """Record what this process validated and build its Data Docs pages (after the reporter has the answer).
    release: queue this process's judged runs first; else only what `release_judged` queued is recorded."""
    from esgflow.checks.gx_run import build_data_docs

    build_data_docs(settings.home, release=release)


def warm_answers(settings: Settings) -> None:
    """Make what every answer uses once, before the first upload: the catalog, the registry, the suites and the
    warehouse look-ups of an ingest (their statements compiled). Each is kept per process, but made by every
    thread that asks for it before the first has it: 33 uploads reaching a fresh portal worker at once parsed
    the catalog 33 times over, and waited about 2.5 s for it."""
    from esgflow.checks.gx_run import validator_for
    from esgflow.jobs.access import recent_uploads

    validator_for(settings.home, load_catalog())
    load_registry()
    ingest_files(settings, [], docs=False)  # nothing to ingest: the look-ups run, nothing is stored
    recent_uploads(settings, "", None, 0)  # the rate limit's count, asked before every upload


def record_apart(settings: Settings) -> bool:
    """Leave Great Expectations' record of the released runs and their Data Docs to a recorder process, at a
    lower priority than this one's answers (esgflow.checks.recorder); none is started while one records."""
    from esgflow.checks.recorder import start_detached

    return start_detached(settings.home, nice=RECORDER_NICE)


def release_judged(settings: Settings) -> None:
    """Queue this process's judged runs with their findings, for Great Expectations to record."""
    from esgflow.checks.gx_run import release_runs

    release_runs(settings.home)


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
        signoff = period_signoff(session, period)
        signed = deadlines.signed_versions(signoff, restatements(session, [period]))
    reviews = review_states(versions, decisions, members)
    stood = standings(versions, decisions, members, signed, signoff.signed_at if signoff else None)
    return period_status(newest, members, load_registry().codes, reviews, estimated, stood)


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
    from esgflow.jobs.access import reporter_addresses
    from esgflow.mail import kept
    from esgflow.mail.notices import kept_reason

    entities_of: dict[str, set[str]] = {}
    for entity, addresses in reporter_addresses(settings).items():
        for address in addresses:
            entities_of.setdefault(address, set()).add(entity)
    origins, reasons = kept.before_ingest(claim.messages, entities_of, settings.mail_authserv_id)
    blanks = kept.blanks_beside_returns(claim.messages, _readable_return)
    origins = {path: o for path, o in origins.items() if path not in blanks}
    outcomes = ingest_files(settings, list(origins), letters_by_mail=True, origins=origins) if origins else []
    outcomes += _set_aside(blanks, outcomes)
    outcomes = _attach_documents(settings, claim, origins, outcomes)
    reasons = kept.after_ingest(claim.messages, outcomes, reasons)
    languages = {e.code: e.language for e in load_registry().entities}
    for a in claim.messages:
        if a.uid in reasons:
            reason, detail = reasons[a.uid]
            sender = a.message.sender
            language = kept.sender_language(sender, entities_of, languages)
            answer = kept.answerable(a.message, entities_of, settings.mail_authserv_id)
            k, eml = kept.keep(settings.home, a, reason, detail, language, answer)
            why = kept_reason(reason, detail, sender)
            outcomes.append(Outcome(eml, "kept", k.key, note=f"from {shown(sender or '?')}: {why}"))
    return outcomes, replace(claim, kept=frozenset(reasons))


def _attach_documents(
    settings: Settings, claim: Claim, origins: Mapping[Path, Origin], outcomes: list[Outcome]
) -> list[Outcome]:
    """The PDFs and pictures beside a return taken by mail become its evidence (a name starting with an
    indicator code: that figure's), sent by the authenticated sender; said on the return's line."""
    from esgflow.intake.evidence import EvidenceRefused, indicator_named
    from esgflow.jobs.evidence import attach_evidence

    catalog = load_catalog()
    by_path, changed = {o.path: o for o in outcomes}, {}
    for a in claim.messages:
        ours = [by_path[p] for p in a.files if p in origins and p in by_path]  # its sender was vouched for
        # a return stored for its entity (never one refused, such as another entity's workbook)
        taken = [o for o in ours if o.entity and o.period and o.version and o.status != "refused"]
        if not a.documents or not taken:
            continue  # nothing to attach, or no return of an authenticated sender to attach it to
        ret, said = taken[0], []
        sender = a.message.sender or ""
        for path in a.documents:
            code = indicator_named(path.name, catalog)
            try:
                attach_evidence(
                    settings, str(ret.entity), str(ret.period), code, path.read_bytes(), path.name, "mail", sender
                )
                said.append(f"{path.name} kept as evidence" + (f" of {code}" if code else ""))
            except EvidenceRefused as exc:
                said.append(f"{path.name} not kept: {exc}")
        note = "; ".join([*([ret.note] if ret.note else []), *said])
        changed[ret.path] = replace(ret, note=note)
    return [changed.get(o.path, o) for o in outcomes]


def _readable_return(path: Path) -> ParsedReturn | None:
    from esgflow.workbooks.returns import readable_return

    return readable_return(path.read_bytes(), path.name, load_catalog())


_BLANK_NOTE = (
    "您随填好的报表一并附上的空白模板 {blank} 未填写任何数据，已放在一边，不作为新版本。",
    "The blank template {blank} you attached beside your filled return has nothing filled in: it was set "
    "aside and is not a new version.",
)


def _set_aside(blanks: dict[Path, Path], outcomes: list[Outcome]) -> list[Outcome]:
    """An outcome for each blank template set aside, said in the letter that answers its filled return."""

    by_path = {o.path: o for o in outcomes}
    out = []
    for blank, filled in blanks.items():
        answered = by_path.get(filled)
        if answered is not None and answered.letter is not None and answered.letter.is_file():
            zh, en = (t.format(blank=shown(blank.name)) for t in _BLANK_NOTE)
            lang = load_registry()[answered.entity].language if answered.entity else "zh"
            with answered.letter.open("a", encoding="utf-8") as letter:
                letter.write("\n" + (en if lang == "en" else zh) + "\n")
        note = f"a blank template beside {shown(filled.name)}, the filled return of the same entity and period"
        entity, period = (answered.entity, answered.period) if answered else (None, None)
        out.append(Outcome(blank, "set_aside", "", entity, period, note=note))
    return out
