"""The `esgflow` command line (INTERFACE.md, 'Command line')."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import tempfile
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from esgflow import EsgflowError, display, glossary
from esgflow.config import ENVIRONMENT, Settings, load_settings, record_served_url
from esgflow.cycle.review import Newer
from esgflow.cycle.status import progress
from esgflow.display import moment, moment_json
from esgflow.periods import Period, parse_period
from esgflow.records import TargetRecord
from esgflow.turns import flow_turn, temporary_server

# Each command imports its job module (and the catalog, the workbooks, the checks) inside its
# function: a cold command pays only for what it uses (issue 30, goal 2), so `status` does not
# load openpyxl, Jinja, pint or Great Expectations for the other commands' sake.


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except EsgflowError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _cmd_init(args: argparse.Namespace) -> None:
    from esgflow.jobs.common import warehouse_url
    from esgflow.jobs.setup import init_warehouse

    settings = load_settings()
    counts = init_warehouse(settings)
    print(f"warehouse ready at {warehouse_url(settings)}")
    print(
        f"loaded {counts.indicators} indicators, {counts.entities} entities "
        f"with {counts.links} parent links, "
        f"{counts.contacts} reporter contacts, {counts.locations} entity locations "
        f"and {counts.factors} conversion and emission factors"
    )


def _cmd_history_import(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import import_history_file

    result = import_history_file(load_settings(), Path(args.file))
    print(
        f"imported published figures for {', '.join(result.years)} from {result.file}: "
        f"{result.inserted} new, {result.updated} changed, {result.unchanged} already there"
    )


def _cmd_consolidate(args: argparse.Namespace) -> None:
    from esgflow.jobs.figures import consolidate_period

    result = consolidate_period(load_settings(), args.period)
    if result.signed_off_by:
        print(
            f"{result.period} was signed off by {result.signed_off_by}: its figures stay as signed "
            f"({_count(result.figure_count, 'figure')}); later returns count only through 'esgflow restate'"
        )
        return
    print(
        f"consolidated {_count(result.observation_count, 'accepted observation')} for {result.period} into "
        f"{_count(result.figure_count, 'figure')}, {result.group_figure_count} of them for the group"
    )


def _cmd_explain(args: argparse.Namespace) -> None:
    from esgflow.catalog import load_catalog
    from esgflow.jobs.figures import explain_figure

    found = explain_figure(load_settings(), args.period, args.code, args.entity)
    if args.json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
        return
    print("\n".join(found.lines(load_catalog())))


def _cmd_restate(args: argparse.Namespace) -> None:
    from esgflow.jobs.figures import restate_period

    result = restate_period(load_settings(), args.period, args.reason, args.by)
    print(f"restated {result.period} (restatement {result.number}): {result.reason}")
    used = ", ".join(f"{e} v{v}" for e, v in sorted(result.basis.used.items()))
    print(f"from the approved returns: {used}" + "".join(f"; {e} excused" for e in result.basis.excused))
    if result.basis.left_out:
        left = ", ".join(o.line() for o in result.basis.left_out)
        print(f"left out, not approved: {left}")
    if not result.changes:
        print("no group figure moved")
    else:
        flagged = sum(c.significant for c in result.changes)
        print(f"{_count(len(result.changes), 'group figure')} moved, {flagged} of them significantly (5 % or more):")
        for change in result.changes:
            print(f"  {change.line()}")
    for line in result.recalculate:
        print(f"  base-year recalculation: {line}")
    print(f"the report shows {result.period}_restated beside the figures first computed")


def _cmd_access_grant(args: argparse.Namespace) -> None:
    from esgflow.jobs.access import grant_access

    if args.period is not None and not args.auditor:
        raise EsgflowError("--period is for an auditor's sign-in (--auditor)")
    period = args.period.code if args.period else None
    link = grant_access(load_settings(), args.email, args.entity, args.mail, args.auditor, period)
    who = "the ESG office" if args.office else f"a reporter of {args.entity}" if args.entity else "an auditor"
    if args.auditor:
        who += f" (read-only, {f'period {period}' if period else 'every period'})"
    days = load_settings().signin_link_days
    print(f"granted {args.email} sign-in as {who}; the link (shown once, works once within {days} days):")
    print(link)
    if args.mail:
        print(f"mailed the link to {args.email}")


def _cmd_access_revoke(args: argparse.Namespace) -> None:
    from esgflow.jobs.access import end_session, revoke_access, revoke_grant

    settings = load_settings()
    if args.id is not None:
        if not revoke_grant(settings, args.id):
            raise EsgflowError(f"no active sign-in link or API token {args.id} ('esgflow access list' shows them)")
        print(f"revoked sign-in {args.id} and its sessions")
    elif args.session is not None:
        if not end_session(settings, session_id=args.session):
            raise EsgflowError(f"no open session {args.session} ('esgflow access list' shows them)")
        print(f"ended session {args.session}")
    else:
        ended = revoke_access(settings, args.email)
        print(f"revoked {_count(ended, 'sign-in')} of {args.email}, with its API tokens and sessions")


def _cmd_access_token(args: argparse.Namespace) -> None:
    from esgflow.jobs.access import issue_api_token

    token = issue_api_token(load_settings(), args.email, args.days)
    print(
        f"API token for {args.email}, valid {args.days} days (shown once; send it as 'Authorization: Bearer <token>'):"
    )
    print(token)


def _cmd_access_list(args: argparse.Namespace) -> None:
    from esgflow.jobs.access import access_rows

    grants, sessions = access_rows(load_settings())
    for gid, kind, email, entity, granted, expires, used, revoked in grants:
        state = f"revoked {moment(revoked)}" if revoked else (f"used {moment(used)}" if used else "unused")
        if kind == "api" and not revoked:
            state = "active"
        until = f"expires {moment(expires)}" if expires else "no expiry (made before links expired: spent)"
        print(f"{gid}  {kind}  {email}  {entity or 'office'}  granted {moment(granted)}  {until}  {state}")
    for sid, gid, email, started, expires, ended in sessions:
        state = f"ended {moment(ended)}" if ended else f"until {moment(expires)}"
        print(f"session {sid}  of {gid}  {email}  started {moment(started)}  {state}")
    if not grants:
        print("no sign-ins granted")


def _cmd_portal(args: argparse.Namespace) -> None:
    from esgflow.jobs.collection import open_period
    from esgflow.portal.app import serve

    settings = load_settings()
    period = open_period(settings)  # a warehouse without a schema stops here with its reason
    collecting = f"collecting {period}" if period else "no period open for collection yet"
    if not os.environ.get("ESGFLOW_PORTAL_URL"):  # links made from now on point where this portal listens
        settings = replace(settings, portal_url=record_served_url(settings.home, args.host, args.port))
    print(f"portal at http://{args.host}:{args.port} ({collecting}); sign-in links point to {settings.portal_url}")
    if args.workers < 1:
        raise EsgflowError("--workers: at least one portal process")
    serve(settings, args.host, args.port, args.workers)


def _cmd_backup(args: argparse.Namespace) -> None:
    from esgflow.jobs.backup import MANIFEST, backup

    out = Path(args.out)
    made = backup(load_settings(), out)
    database = made["database"]
    print(f"backed up the {database['kind']} warehouse (schema {made['schema_revision']}) to {out / database['file']}")
    print(f"  with {len(made['files']) - 1} files of ESGFLOW_HOME; every file's SHA-256 in {out / MANIFEST}")


def _cmd_restore(args: argparse.Namespace) -> None:
    from esgflow.jobs.backup import restore

    settings = load_settings()
    made = restore(settings, Path(args.folder))
    print(f"restored the warehouse of {made['made_at']} (schema {made['schema_revision']}, upgraded to this release's)")
    print(f"  and {len(made['files']) - 1} files into {settings.home}; every hash checked")


def _cmd_report(args: argparse.Namespace) -> None:
    from esgflow.jobs.figures import report_period

    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    files = report_period(load_settings(), args.period, _out(args.out), langs)
    if files.consolidated_first:
        print(f"returns accepted since the last consolidation of {args.period}: consolidated them first")
    print(f"wrote the {args.period} appendix ({len(files.table.rows)} indicators) and the disclosure index:")
    for f in files.files:
        print(f"  {f}")
    if files.table.coverage is not None:  # the figures rest on part of the group until sign-off
        print(files.table.coverage.summary("en"))
    opened = files.open_items
    print(
        f"{_count(len(opened), 'mandatory framework item')} neither answered nor explained"
        + (
            f" ({', '.join(f'{a.framework} {a.item}' for a in opened[:8])}{', ...' if len(opened) > 8 else ''})"
            if opened
            else ""
        )
    )


def _print_data_docs(coming: bool = False) -> None:
    """The Data Docs' address, once they exist (coming: a recorder this command started is writing them)."""
    from esgflow.jobs.collection import data_docs_index

    docs = data_docs_index(load_settings())
    if docs.exists() or coming:
        print(f"validation results (Data Docs): {docs.as_uri()}")


def _cmd_templates(args: argparse.Namespace) -> None:
    from esgflow.jobs.collection import write_templates

    paths = write_templates(load_settings(), args.period, _out(args.out), args.entity or None)
    print(f"wrote {_count(len(paths), 'template')} for {args.period} to {args.out}")
    for p in paths:
        print(f"  {p}")


def _cmd_ingest(args: argparse.Namespace) -> None:
    from esgflow.jobs.collection import ingest_files
    from esgflow.progress import IngestProgress

    shown = IngestProgress(sys.stdout)
    paths = [Path(p) for p in args.paths]
    try:  # the office has its answer from the judge; Great Expectations records it after this process exits
        outcomes = ingest_files(load_settings(), paths, on_judged=shown.judged, record_later=True)
    finally:
        shown.close()
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    print(f"{len(outcomes)} files judged: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    letters = [o.letter for o in outcomes if o.letter]
    if letters:
        print(f"return letters in {letters[0].parent}")
    from esgflow.checks.gx_run import recording_detached

    _print_data_docs(recording_detached())


def _warn_of_mismatches() -> None:
    """Loud: the polars judge answered differently from Great Expectations' record (esgflow.checks.recorder)."""
    from esgflow.checks.recorder import MISMATCHES, mismatches

    home = load_settings().home
    differed = mismatches(home)
    if differed:
        runs = ", ".join(d["run"] for d in differed[-3:])
        print(
            f"ERROR: the judge's findings differed from Great Expectations' record on {_count(len(differed), 'run')} "
            f"(latest: {runs}); see {home / 'gx' / MISMATCHES}",
            file=sys.stderr,
        )


def _cmd_status(args: argparse.Namespace) -> None:
    from esgflow.jobs.collection import period_statuses

    statuses = period_statuses(load_settings(), args.period)
    _warn_of_mismatches()  # on stderr: the JSON on stdout stays as it is
    if args.json:
        print(json.dumps([s.to_json() for s in statuses], ensure_ascii=False, indent=2))
        return
    done = progress(statuses)
    estimated = sum(s.estimated for s in statuses)
    marked = sum(s.estimated > 0 for s in statuses)
    print(
        f"{args.period}: {done.accepted} of {_count(done.expected, 'entity')} accepted; "
        f"{_count(estimated, 'figure')} marked estimated by {_count(marked, 'entity')}"
    )
    width = max(len(en) for _, en in glossary.STATUS.values()) + 1
    for s in statuses:
        when = moment(s.received_at) if s.received_at else ""
        version = f"v{s.version}" if s.version else ""
        figures = (
            f" (figures from v{s.figures_version})"
            if s.figures_version and s.figures_version != s.version
            else (" (no figures yet)" if s.status == "rejected" else "")
        )
        why = f" ({s.review_reason})" if s.review_reason else ""
        state, review = glossary.word(glossary.STATUS, s.status, "en"), glossary.word(glossary.REVIEW, s.review, "en")
        print(
            f"  {s.entity:<8} {state:<{width}} {version:<4} {when:<22} {glossary.counted('error', s.errors)}, "
            f"{glossary.counted('warning', s.warnings)}, {s.estimated} estimated{figures}; {review}{why}"
            f"{_newer_words(s.newer)}"
        )


def _newer_words(newer: tuple[Newer, ...]) -> str:
    """What each version after the one in the figures is: '; v3 late correction, pending review'."""
    words = []
    for n in newer:
        state = n.state.replace("_", " ") + (f" ({n.reason})" if n.reason else "")
        words.append(f"v{n.version} " + (f"late correction, {state}" if n.late_correction else state))
    return "; " + "; ".join(words) if words else ""


def _cmd_check(args: argparse.Namespace) -> None:
    from esgflow.jobs.collection import return_findings
    from esgflow.jobs.figures import check_group, has_group_figures

    settings = load_settings()
    if not has_group_figures(settings, args.period):  # nothing checked is not the same as nothing found
        raise EsgflowError(
            f"the warehouse holds no figures for {args.period}, so there is nothing to check: "
            f"consolidate its returns (esgflow consolidate --period {args.period}) "
            "or import its published figures (esgflow history import FILE)"
        )
    group = [] if args.entity else check_group(settings, args.period)
    # each return's findings, exactly as its letter and the portal gave them (issue 26.8)
    returns = return_findings(settings, args.period, args.entity)
    if args.json:
        print(json.dumps([f.to_json() for f in group + returns], ensure_ascii=False, indent=2))
        return
    if not args.entity:
        print(f"{args.period}: {_counts(group)}")
        for f in group:  # a reporter's note may run over several lines; each finding keeps to one
            print(f"  {_severity(f.severity)}: {_one_line(f.message)} [{f.rule}]")
    if returns or args.entity:
        print(f"newest returns: {_counts(returns)}, as their letters gave them")
        for f in returns:
            where = f"{f.entity} version {f.version}, {f.where}"
            print(f"  {_severity(f.severity)}: {where}: {_one_line(f.message)} [{f.rule}]")
    _print_data_docs()


def _counts(findings: list) -> str:
    """'2 errors, 1 warning, 0 notes': each severity counted in the glossary's words."""
    return ", ".join(glossary.counted(key, sum(f.severity == key for f in findings)) for key in glossary.SEVERITY)


def _severity(key: str) -> str:
    return glossary.severity(key, "en").lower()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _deadline(period: Period, given: date | None) -> date:
    """The deadline given, else the period's cycle's (esgflow cycle open), else 31 January after it."""
    from esgflow.jobs.setup import cycle_deadline

    return cycle_deadline(load_settings(), period, given)


def _cmd_cycle_open(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import open_cycle

    print(open_cycle(load_settings(), args.period, args.deadline, args.by).line())


def _cmd_cycle_show(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import cycle_records

    rows = cycle_records(load_settings(), args.period)
    for c in rows:
        signed = f"signed off by {c.signed_by} at {moment(c.signed_at)}" if c.signed_by and c.signed_at else "open"
        if c.closed_by and c.closed_at:
            signed += f", closed by {c.closed_by} at {moment(c.closed_at)}"
        changed = f", deadline changed {moment(c.changed_at)}" if c.changed_at else ""
        print(f"{c.period}  deadline {c.deadline}  opened by {c.opened_by} at {moment(c.opened_at)}{changed}  {signed}")
    if not rows:
        which = f" for {args.period}" if args.period else ""
        print(f"no cycle opened{which}: 'esgflow cycle open --period P --deadline D' opens one")


def _cmd_cycle_close(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import close_cycle

    print(close_cycle(load_settings(), args.period, args.by))


def _cmd_distribute(args: argparse.Namespace) -> None:
    from esgflow.flows.distribute import distribute

    deadline = _deadline(args.period, args.deadline)
    settings = load_settings()
    with flow_turn(settings.home, "distribute", _say) as running:
        if running:
            print(f"another distribution is running here ({running.describe()}): left to it, so no template goes twice")
            return
        sent = distribute(args.period.code, deadline, args.smtp_block)
    where = (
        f"SMTP {settings.smtp.host}"
        if settings.smtp
        else (f"block {args.smtp_block}" if args.smtp_block else f"the outbox {settings.outbox}")
    )
    print(f"distributed {_count(sent, 'template')} for {args.period} (deadline {deadline}) via {where}")


def _cmd_collect(args: argparse.Namespace) -> None:
    from esgflow.flows.collect import collect

    settings = load_settings()
    with flow_turn(settings.home, "collect", _say) as running:
        if running:
            print(f"another collection is running here ({running.describe()}): what has arrived is left to it")
            return
        outcomes = collect(args.smtp_block)
    for outcome in outcomes:
        print(outcome.line())
    print(f"collected {len(outcomes)} files from {settings.inbox_location or settings.inbox}")


def _cmd_remind(args: argparse.Namespace) -> None:
    from esgflow.flows.remind import remind

    deadline = _deadline(args.period, args.deadline)
    with flow_turn(load_settings().home, "remind", _say) as running:
        if running:
            print(f"reminders are being sent here already ({running.describe()}): left to it, so nobody hears twice")
            return
        reminded = remind(args.period.code, deadline, None, args.smtp_block)
    print(f"reminded {_count(len(reminded), 'entity')} for {args.period}: {', '.join(reminded) or 'none'}")


def _cmd_contacts_import(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import import_contacts

    counts = import_contacts(load_settings(), Path(args.file), args.by)
    print(
        f"contacts from {args.file}: {counts['added']} added, {counts['updated']} updated, "
        f"{counts['removed']} removed (recorded in the audit trail)"
    )


def _cmd_contacts_list(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import list_contacts
    from esgflow.mail.sending import is_reserved

    rows = list_contacts(load_settings(), args.entity)
    if args.json:
        print(json.dumps([{**r, "placeholder": is_reserved(r["email"])} for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        mark = "  (placeholder: never mailed; import the real address)" if is_reserved(r["email"]) else ""
        print(f"{r['entity']:<8} {r['email']:<40} {r['language']}  {r['name']}{mark}")
    print(_count(len(rows), "contact"))


def _cmd_contacts_remove(args: argparse.Namespace) -> None:
    from esgflow.jobs.setup import remove_contact

    entities = remove_contact(load_settings(), args.email, args.by)
    if not entities:
        raise EsgflowError(f"{args.email} is no entity's contact")
    print(f"removed {args.email.strip().lower()} from {', '.join(entities)} (recorded in the audit trail)")


def _cmd_demo(args: argparse.Namespace) -> None:
    from esgflow.catalog import load_catalog
    from esgflow.demo.group import DEMO_PERIOD, isolate, unpublished_rows
    from esgflow.jobs.collection import period_statuses
    from esgflow.jobs.common import warehouse_url

    given = _out(args.out) if args.out else None  # a folder it cannot write is named before anything is made
    home, ignored = isolate()  # before anything reads the settings
    if ignored:
        print(
            f"the demo runs on its own embedded warehouse, inbox and outbox in {home}; it ignores {', '.join(ignored)}"
        )
    settings = load_settings()
    out = given or settings.home / "demo"
    period = parse_period(DEMO_PERIOD)
    before = _newest_version(settings, period)
    if before:  # the demo never deletes: this home may be someone's real warehouse
        print(
            f"this warehouse already holds the demo's {period} returns (up to version {before}): this run adds "
            "a new version of every return, template, letter and outbox mail, and writes the report again; "
            "for a clean start, set ESGFLOW_HOME to an empty folder"
        )
    with flow_turn(settings.home, "demo", _say) as running:
        if running:
            print(f"the demo is running here already ({running.describe()}): left to it")
            return
        from esgflow.checks.beside import records_beside

        # the flows' imports while the server starts; Great Expectations' record beside the flows, from when the
        # server answers (the other core is free then), waited for once the server has stopped: the Data Docs are
        # complete when their folder is named
        with records_beside(settings.home) as record_beside, temporary_server() as ready:
            from esgflow.flows.demo import demo

            ready()
            record_beside()
            findings = demo(period.code, str(out))
    catalog = load_catalog()
    print(f"warehouse: {warehouse_url(settings)}")
    statuses = period_statuses(settings, period)
    done = progress(statuses)
    versions = sorted({s.version for s in statuses if s.version})
    accepted = f"{done.accepted} of {_count(done.expected, 'entity')} accepted"
    print(f"status: {accepted}, version {', '.join(map(str, versions))}")
    print("written:")
    for what, where in _demo_folders(settings, period, out):
        print(f"  {what:<19} {where}")
    differ = [f for f in findings if f.rule == "published_vs_computed"]
    print(f"published {period} figures that the entity data do not reproduce ({len(differ)}):")
    for f in differ:
        code = f.indicators[0]
        unit = display.unit(catalog[code].unit)
        print(
            f"  {code}: published {_as_written(f.actual)} {unit}, "
            f"computed from entity returns {_as_published(f.expected, code)} {unit}"
        )
    new = unpublished_rows(out / "appendix.csv", catalog, period)
    print(f"computed from the entity returns, not in the published {period} report ({len(new)}):")
    for code, value, unit in new:
        print(f"  {code}: {_as_published(Decimal(value), code)} {display.unit(unit)}")
    errors = [f for f in findings if f.severity == "error"]
    print(f"group check: {_count(len(errors), 'error')} in the published {period} figures:")
    for f in errors:
        print(f"  {_one_line(f.message)}")


def _say(line: str) -> None:
    print(line, flush=True)


def _newest_version(settings: Settings, period: Period) -> int:
    """The newest version of any return of the period the warehouse holds; 0 for none or no warehouse yet."""
    from esgflow.jobs.collection import period_statuses

    try:
        return max((s.version or 0 for s in period_statuses(settings, period)), default=0)
    except EsgflowError:  # no schema yet: the demo makes it
        return 0


def _demo_folders(settings: Settings, period: Period, out: Path) -> list[tuple[str, str]]:
    """Every folder the demo wrote into, named for what a person finds there."""
    from esgflow.jobs.collection import data_docs_index, validation_index

    mail = f"sent through {settings.smtp.host}" if settings.smtp else str(settings.outbox)
    return [
        ("templates", str(settings.templates / period.code)),
        ("mail (outbox)" if not settings.smtp else "mail", mail),
        ("returns (archived)", str(settings.archive)),
        ("return letters", str(settings.home / "letters")),
        ("report", f"{out} (appendix.csv, .xlsx, .zh.html, .en.html, disclosure_index.csv)"),
        ("validation results", f"{validation_index(settings)} (each run in the office's words)"),
        ("validation detail", f"{data_docs_index(settings)} (Data Docs)"),
    ]


def _as_written(value: Decimal | None) -> str:
    """A published figure at the places it was published with, as the report page shows it."""
    return display.figure(value, 0 if value is None else display.written_places(value))


def _as_published(value: Decimal | None, code: str) -> str:
    from esgflow.catalog import load_catalog

    return display.figure(value, load_catalog()[code].decimals)


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line reason instead of a usage block (exit 2, as argparse)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {_one_line(message)} ('{self.prog} --help' shows the choices)\n")


def _epilog() -> str:
    names = "\n".join(f"  {name}\n      {meaning}" for name, meaning in ENVIRONMENT)
    return (
        f"environment:\n{names}\n\n"
        "where outputs go:\n"
        "  the warehouse      ESGFLOW_DATABASE_URL, else $ESGFLOW_HOME/esgflow.sqlite3\n"
        "  templates, reports the --out folder given to 'templates' and 'report' ('demo': $ESGFLOW_HOME/demo)\n"
        "  distributed mail   $ESGFLOW_HOME/outbox when no SMTP server is set; templates in $ESGFLOW_HOME/templates\n"
        "  return letters     $ESGFLOW_HOME/letters (with the annotated workbooks)\n"
        "  archived returns   $ESGFLOW_HOME/archive, each file under its hash with its log\n"
        "  validation results $ESGFLOW_HOME/gx/uncommitted/data_docs/local_site/index.html (Data Docs)\n"
        "  the flows' reports $ESGFLOW_HOME/reports"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="esgflow",
        description="ESG data collection and reporting",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the warehouse and load reference data").set_defaults(func=_cmd_init)
    history = sub.add_parser("history", help="published history").add_subparsers(dest="action", required=True)
    imp = history.add_parser("import", help="import published group figures (appendix CSV layout)")
    imp.add_argument("file")
    imp.set_defaults(func=_cmd_history_import)
    cons = sub.add_parser("consolidate", help="consolidate accepted returns of a period into group figures")
    cons.add_argument("--period", required=True, type=_period)
    cons.set_defaults(func=_cmd_consolidate)
    rep = sub.add_parser("report", help="write the appendix tables for a period and the two years before")
    rep.add_argument("--period", required=True, type=_period)
    rep.add_argument("--out", required=True)
    rep.add_argument("--lang", default="zh,en")
    rep.set_defaults(func=_cmd_report)
    exp = sub.add_parser("explain", help="how one figure was made, down to workbook cells and factors")
    exp.add_argument("--period", required=True, type=_period)
    exp.add_argument("code")
    exp.add_argument("--entity", help="an entity's subtree instead of the group")
    exp.add_argument("--json", action="store_true")
    exp.set_defaults(func=_cmd_explain)
    rst = sub.add_parser("restate", help="recompute a period from its approved returns and today's factors")
    rst.add_argument("--period", required=True, type=_period)
    rst.add_argument("--reason", required=True)
    rst.add_argument("--by", required=True, help="the name of the person who restates, for the audit trail")
    rst.set_defaults(func=_cmd_restate)
    access = sub.add_parser("access", help="portal sign-ins").add_subparsers(dest="action", required=True)
    grant = access.add_parser("grant", help="make a sign-in link for a reporter of an entity, or the ESG office")
    who = grant.add_mutually_exclusive_group(required=True)
    who.add_argument("--entity")
    who.add_argument("--office", action="store_true")
    who.add_argument("--auditor", action="store_true", help="a read-only sign-in for an assurance provider")
    grant.add_argument("--period", type=_period, help="the one period an auditor's sign-in is for")
    grant.add_argument("--email", required=True)
    grant.add_argument("--mail", action="store_true", help="also send the link to the address")
    grant.set_defaults(func=_cmd_access_grant)
    revoke = access.add_parser("revoke", help="end every sign-in, API token and session of an address, or one")
    one = revoke.add_mutually_exclusive_group(required=True)
    one.add_argument("--email")
    one.add_argument("--id", type=int, help="one sign-in link or API token, by its id in 'access list'")
    one.add_argument("--session", type=int, help="one browser session, by its id in 'access list'")
    revoke.set_defaults(func=_cmd_access_revoke)
    token = access.add_parser("token", help="print once an API token for scripts, for an address already granted")
    token.add_argument("--email", required=True)
    token.add_argument("--days", type=int, default=90, help="how long it lasts (default 90, at most 366)")
    token.set_defaults(func=_cmd_access_token)
    lst = access.add_parser("list", help="every sign-in link, API token and browser session, and their state")
    lst.set_defaults(func=_cmd_access_list)
    contacts = sub.add_parser("contacts", help="the entities' reporter addresses").add_subparsers(
        dest="action", required=True
    )
    c_import = contacts.add_parser("import", help="give each entity the file names exactly the addresses it lists")
    c_import.add_argument("file", help="CSV: entity, email, name, language (as esgflow/data/contacts.csv)")
    c_import.add_argument("--by", help="who changes them (default: this user), for the audit trail")
    c_import.set_defaults(func=_cmd_contacts_import)
    c_list = contacts.add_parser("list", help="every entity's reporter addresses (placeholders marked)")
    c_list.add_argument("--entity")
    c_list.add_argument("--json", action="store_true")
    c_list.set_defaults(func=_cmd_contacts_list)
    c_remove = contacts.add_parser("remove", help="remove an address from every entity it reports for")
    c_remove.add_argument("--email", required=True)
    c_remove.add_argument("--by", help="who removes it (default: this user), for the audit trail")
    c_remove.set_defaults(func=_cmd_contacts_remove)
    portal = sub.add_parser("portal", help="serve the reporters' and the ESG office's web pages")
    portal.add_argument("--host", default="127.0.0.1")
    portal.add_argument("--port", type=int, default=8800)
    portal.add_argument("--workers", type=int, default=1, help="processes on this port (sharing the warehouse)")
    portal.set_defaults(func=_cmd_portal)
    bak = sub.add_parser("backup", help="a consistent copy of the warehouse and the files it refers to")
    bak.add_argument("--out", required=True, help="a new or empty folder")
    bak.set_defaults(func=_cmd_backup)
    rst = sub.add_parser("restore", help="bring a backup back into an empty warehouse and a fresh ESGFLOW_HOME")
    rst.add_argument("folder")
    rst.set_defaults(func=_cmd_restore)
    tpl = sub.add_parser("templates", help="write one workbook per entity that reports in a period")
    tpl.add_argument("--period", required=True, type=_period)
    tpl.add_argument("--out", required=True)
    tpl.add_argument("--entity", action="append", help="only this entity (repeatable)")
    tpl.set_defaults(func=_cmd_templates)
    ing = sub.add_parser("ingest", help="ingest returned workbooks (files or folders)")
    ing.add_argument("paths", nargs="+")
    ing.set_defaults(func=_cmd_ingest)
    sts = sub.add_parser("status", help="one record per reporting entity: submission status, version, findings")
    sts.add_argument("--period", required=True, type=_period)
    sts.add_argument("--json", action="store_true")
    sts.set_defaults(func=_cmd_status)
    chk = sub.add_parser("check", help="group-level consistency findings for a period")
    chk.add_argument("--period", required=True, type=_period)
    chk.add_argument("--json", action="store_true")
    chk.add_argument("--entity", help="only this entity's newest return, as its letter gave it")
    chk.set_defaults(func=_cmd_check)
    dist = sub.add_parser("distribute", help="the distribution flow: build and send each entity its template")
    dist.add_argument("--period", required=True, type=_period)
    dist.add_argument("--deadline", type=_date, help="YYYY-MM-DD (default: the cycle's, else 31 January after)")
    dist.add_argument("--smtp-block", help="name of an esgflow SMTP server block in Prefect")
    dist.set_defaults(func=_cmd_distribute)
    col = sub.add_parser("collect", help="the collection flow: ingest what has arrived in the inbox")
    col.add_argument("--smtp-block")
    col.set_defaults(func=_cmd_collect)
    rem = sub.add_parser("remind", help="the reminder flow: write to entities whose return is missing or rejected")
    rem.add_argument("--period", required=True, type=_period)
    rem.add_argument("--deadline", type=_date, help="YYYY-MM-DD (default: the cycle's, else 31 January after)")
    rem.add_argument("--smtp-block")
    rem.set_defaults(func=_cmd_remind)
    demo = sub.add_parser("demo", help="the whole cycle on the built-in demo group")
    demo.add_argument("--out")
    demo.set_defaults(func=_cmd_demo)
    _review_parsers(sub)
    _cycle_parsers(sub)
    _disclosure_parsers(sub)
    _target_parsers(sub)
    _scope3_parsers(sub)
    _assurance_parsers(sub)
    _evidence_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the machines here reach no analytics service; asking would only print errors
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        args.func(args)
    except BrokenPipeError:  # the reader went away (`esgflow status | head`): stop quietly
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 0
    except EsgflowError as exc:
        print(f"esgflow: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:  # the contract is one line and a non-zero exit, not a traceback
        if os.environ.get("ESGFLOW_DEBUG"):
            raise
        reason = _one_line(f"unexpected {type(exc).__name__}: {exc}")
        print(f"esgflow: {reason} (ESGFLOW_DEBUG=1 shows more)", file=sys.stderr)
        return 1
    return 0


# Commands that start no Prefect server, whose process may end without tearing down its objects.
QUICK_EXIT = frozenset(
    {
        "init",
        "history",
        "templates",
        "ingest",
        "consolidate",
        "check",
        "status",
        "report",
        "explain",
        "restate",
        "access",
        "contacts",
        "review",
        "signoff",
        "audit",
        "cycle",
        "disclosure",
        "baseline",
        "target",
        "scope3",
        "assurance",
        "evidence",
    }
)


def close() -> None:
    """Close the warehouse connections this process holds, if its command opened the warehouse at all."""
    if "esgflow.jobs.common" in sys.modules:  # a command that never imported it holds nothing to close
        from esgflow.jobs.common import close as close_warehouse

        close_warehouse()


def run() -> None:
    """The `esgflow` command: main(), then a quick exit where nothing is left to clean up.

    Tearing down Great Expectations' objects at interpreter exit takes longer than many
    commands themselves (about 0.7 s); once the output is flushed and the warehouse closed,
    such a command ends at once. Commands that start a Prefect server exit normally, so that
    its shutdown hooks run.
    """
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] in QUICK_EXIT:
        close()
        logging.shutdown()
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    else:
        sys.exit(code)


def _cmd_review(args: argparse.Namespace) -> None:
    from esgflow.jobs.signoff import review_return

    decision, reason = (
        ("approved", "") if args.approve else ("returned", args.return_) if args.return_ else ("excused", args.excuse)
    )
    done = review_return(load_settings(), args.period, args.entity, decision, reason, args.by, args.version)
    what = f"{done.entity} {done.period} version {done.version}" if done.version else f"{done.entity} for {done.period}"
    print(f"{done.by} {decision} {what}" + (f": {reason}" if reason else ""))
    if decision == "returned":
        where = f" ({', '.join(done.mailed)})" if done.mailed and done.mailed != [", ".join(done.to)] else ""
        print(f"mailed the reason to {', '.join(done.to)}{where}" if done.to else "no reporter to mail it to")


def _cmd_signoff(args: argparse.Namespace) -> None:
    from esgflow.jobs.signoff import signoff_period

    done = signoff_period(load_settings(), args.period, args.by)
    print(f"{done.period} signed off by {done.by} at {moment(done.signed_at)}: {_count(done.figure_count, 'figure')}")
    print(f"  from {_count(len(done.approved), 'approved return')}: {', '.join(done.approved) or 'none'}")
    for entity, reason in done.excused.items():
        print(f"  {entity} excused: {reason}")
    print(f"later returns for {done.period} are kept as late corrections until 'esgflow restate'")


def _cmd_audit(args: argparse.Namespace) -> None:
    from esgflow.jobs.signoff import audit_trail

    rows = audit_trail(load_settings(), args.period)
    if args.json:
        print(json.dumps([{**asdict(r), "at": moment_json(r.at)} for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        subject = " ".join(
            x for x in (r.period, r.entity, f"v{r.version}" if r.version else None, r.state) if x is not None
        )
        extra = (r.detail.get("email") or _deadline_change(r.detail)) if r.detail else None
        why = f": {r.reason}" if r.reason else ""
        sent = "; " + _submitted(r.detail) if r.detail and "channel" in r.detail else ""
        print(f"{moment(r.at)} {r.actor} {r.action} {subject}{' ' + extra if extra else ''}{why}{sent}")
    print(f"{_count(len(rows), 'audit record')}" + (f" for {args.period}" if args.period else ""))


def _submitted(detail: dict[str, object]) -> str:
    """Who sent a judged return and how: 'X.xlsx sha256 ..., sent by ADDR via portal'."""
    return f"{detail['file']} sha256 {detail['content_hash']}, sent by {detail['submitted_by']} via {detail['channel']}"


def _review_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rev = sub.add_parser("review", help="approve or return an accepted return, or excuse an entity with none")
    rev.add_argument("--period", required=True, type=_period)
    rev.add_argument("--entity", required=True)
    decision = rev.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--return", dest="return_", metavar="REASON", help="send it back to its reporters")
    decision.add_argument("--excuse", metavar="REASON", help="the entity has no usable return, and why that is fine")
    rev.add_argument("--version", type=int, help="the version reviewed (default: the newest)")
    rev.add_argument("--by", help="who reviews (default: this user)")
    rev.set_defaults(func=_cmd_review)
    sgn = sub.add_parser("signoff", help="lock a period once every entity is approved or excused")
    sgn.add_argument("--period", required=True, type=_period)
    sgn.add_argument("--by", required=True)
    sgn.set_defaults(func=_cmd_signoff)
    aud = sub.add_parser("audit", help="the audit trail: judgements, reviews, sign-offs, restatements, access")
    aud.add_argument("--period", type=_period, help="only this period (default: everything)")
    aud.add_argument("--json", action="store_true")
    aud.set_defaults(func=_cmd_audit)


def _deadline_change(detail: dict[str, object]) -> str | None:
    """'deadline NEW (was OLD)' of a cycle's audit row; None for any other row."""
    if "deadline" not in detail:
        return None
    was = f" (was {detail['previous']})" if detail.get("previous") else ""
    return f"deadline {detail['deadline']}{was}"


def _cycle_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cyc = sub.add_parser("cycle", help="the yearly cycle: a period's deadline").add_subparsers(
        dest="action", required=True
    )
    opn = cyc.add_parser("open", help="open a period's cycle with its deadline, or move the deadline")
    opn.add_argument("--period", required=True, type=_period)
    opn.add_argument("--deadline", required=True, type=_date, help="YYYY-MM-DD, not before the period ends")
    opn.add_argument("--by", help="who opens it (default: this user), for the audit trail")
    opn.set_defaults(func=_cmd_cycle_open)
    show = cyc.add_parser("show", help="the cycles opened, with their deadlines and sign-offs")
    show.add_argument("--period", type=_period, help="only this period")
    show.set_defaults(func=_cmd_cycle_show)
    close = cyc.add_parser("close", help="close a period's collection: its returns are refused until opened again")
    close.add_argument("--period", required=True, type=_period)
    close.add_argument("--by", required=True, help="who closes it, for the audit trail")
    close.set_defaults(func=_cmd_cycle_close)


def _cmd_disclosure_show(args: argparse.Namespace) -> None:
    from esgflow.jobs.disclosure import show_disclosure

    answers = show_disclosure(load_settings(), args.period, args.framework)
    if args.json:
        print(json.dumps([a.to_json() for a in answers], ensure_ascii=False, indent=2))
        return
    mandatory = [a for a in answers if a.mandatory]
    counts = {s: sum(a.status == s for a in mandatory) for s in ("answered", "explained", "open")}
    print(
        f"{args.period}: {_count(len(mandatory), 'mandatory item')}: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for a in answers:
        by = ""
        if a.text is not None:
            approval = f"approved by {a.text.approved_by}" if not a.draft else "awaiting approval"
            carried = f", carried from {a.text.carried_from}" if a.text.carried_from else ""
            by = f" [{a.text.kind} by {a.text.written_by}, {approval}{carried}]"
        what = ", ".join(a.codes) or (_one_line(a.text.text_en) if a.text is not None else "")
        print(
            f"  {a.framework:<5} {a.item:<10} {'mandatory' if a.mandatory else 'optional':<9} {a.status:<9} {what}{by}"
        )


def _cmd_disclosure_write(args: argparse.Namespace) -> None:
    from esgflow.jobs.disclosure import write_disclosure

    text = write_disclosure(
        load_settings(), args.period, args.framework, args.item, args.kind, (args.text_zh, args.text_en), args.by
    )
    print(
        f"{text.written_by} wrote the {text.kind} of {args.framework} {args.item} for {args.period}; "
        "it counts once someone else approves it (esgflow disclosure approve)"
    )


def _cmd_disclosure_approve(args: argparse.Namespace) -> None:
    from esgflow.jobs.disclosure import approve_disclosure

    text = approve_disclosure(load_settings(), args.period, args.framework, args.item, args.by)
    carried = f" (carried from {text.carried_from})" if text.carried_from else ""
    print(f"{text.approved_by} approved the {text.kind}{carried} of {args.framework} {args.item} for {args.period}")


def _disclosure_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dis = sub.add_parser("disclosure", help="framework items answered, explained or open").add_subparsers(
        dest="action", required=True
    )
    show = dis.add_parser("show", help="every framework item of a period: answered, explained or open")
    show.add_argument("--period", required=True, type=_period)
    show.add_argument("--framework", choices=("hkex", "sse", "gri", "cass"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_cmd_disclosure_show)
    for kind, name, what in (
        ("explanation", "explain", "record why an item is not disclosed"),
        ("narrative", "narrative", "record a narrative answer to an item"),
    ):
        write = dis.add_parser(name, help=f"{what} (in Chinese and English), to be approved by someone else")
        write.add_argument("--period", required=True, type=_period)
        write.add_argument("--framework", required=True, choices=("hkex", "sse", "gri", "cass"))
        write.add_argument("--item", required=True)
        write.add_argument("--text-zh", required=True)
        write.add_argument("--text-en", required=True)
        write.add_argument("--by", required=True, help="who writes it, for the audit trail")
        write.set_defaults(func=_cmd_disclosure_write, kind=kind)
    approve = dis.add_parser("approve", help="approve an item's text (or confirm last period's); not its writer")
    approve.add_argument("--period", required=True, type=_period)
    approve.add_argument("--framework", required=True, choices=("hkex", "sse", "gri", "cass"))
    approve.add_argument("--item", required=True)
    approve.add_argument("--by", required=True, help="who approves it: not the person who wrote it")
    approve.set_defaults(func=_cmd_disclosure_approve)


def _cmd_baseline_set(args: argparse.Namespace) -> None:
    from esgflow.jobs.targets import set_base_year

    done, before = set_base_year(load_settings(), args.code, args.year, args.by)
    figure = f"its group figure then: {done.value}" if done.value is not None else "no group figure of that year yet"
    was = f" (was {before.year})" if before is not None else ""
    print(f"{done.set_by} set {done.year} as the base year of {done.code}{was}; {figure}")


def _cmd_baseline_list(args: argparse.Namespace) -> None:
    from esgflow.jobs.targets import list_baselines

    rows = list_baselines(load_settings())
    for b in rows:
        figure = "no figure" if b.value is None else str(b.value)
        print(f"{b.code:<32} base year {b.year}  {figure}  set by {b.set_by} at {moment(b.set_at)}")
    if not rows:
        print("no base year set: 'esgflow baseline set --code C --year Y --by NAME' sets one")


def _milestone(text: str) -> tuple[int, Decimal]:
    year, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return int(year), Decimal(value)
    except (ValueError, ArithmeticError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a milestone YEAR=VALUE (2028=9000)") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _cmd_target_add(args: argparse.Namespace) -> None:
    from esgflow.jobs.targets import add_new_target

    target = TargetRecord(
        args.code, args.scope, args.kind, args.base_year, args.base_value, args.target_year, args.target_value,
        dict(sorted(args.milestone or [])), args.by,
    )  # fmt: skip
    add_new_target(load_settings(), target)
    print(
        f"{args.by} added the {args.kind} target of {args.code} for {args.scope}: {args.base_value} in "
        f"{args.base_year} to {args.target_value} in {args.target_year}"
        + "".join(f"; {y}: {v}" for y, v in target.milestones.items())
    )


def _cmd_target_list(args: argparse.Namespace) -> None:
    from esgflow.jobs.targets import target_progress

    kept, progress = target_progress(load_settings(), args.period)
    if args.json:
        print(json.dumps([p.to_json() for p in progress], ensure_ascii=False, indent=2))
        return
    for t in kept:
        print(f"{t.code} ({t.scope}, {t.kind}): {t.base_value} in {t.base_year} -> {t.target_value} in {t.target_year}")
        for p in (p for p in progress if p.target == t):
            share = "no figure" if p.share is None else f"{p.value}, {p.share} % of the way"
            track = "" if p.on_track is None else ("; milestone met" if p.on_track else "; milestone not met")
            print(f"  {p.year}: {share}{track}")
    if not kept:
        print("no target kept: 'esgflow target add ...' adds one")


def _target_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    base = sub.add_parser("baseline", help="the base year of a metric").add_subparsers(dest="action", required=True)
    bset = base.add_parser("set", help="set a metric's base year; its group figure of that year is kept")
    bset.add_argument("--code", required=True)
    bset.add_argument("--year", required=True, type=int)
    bset.add_argument("--by", required=True, help="who sets it, for the audit trail")
    bset.set_defaults(func=_cmd_baseline_set)
    base.add_parser("list", help="every metric's base year and base-year figure").set_defaults(func=_cmd_baseline_list)
    tgt = sub.add_parser("target", help="targets on metrics and the progress towards them").add_subparsers(
        dest="action", required=True
    )
    add = tgt.add_parser("add", help="keep a target: base year and value, target year and value, milestones")
    add.add_argument("--code", required=True)
    add.add_argument("--scope", default="group", help="the group (default) or an entity's code")
    add.add_argument("--kind", required=True, choices=("absolute", "intensity"))
    add.add_argument("--base-year", required=True, type=int)
    add.add_argument("--base-value", required=True, type=_decimal)
    add.add_argument("--target-year", required=True, type=int)
    add.add_argument("--target-value", required=True, type=_decimal)
    add.add_argument("--milestone", action="append", type=_milestone, metavar="YEAR=VALUE")
    add.add_argument("--by", required=True, help="who adds it, for the audit trail")
    add.set_defaults(func=_cmd_target_add)
    lst = tgt.add_parser("list", help="every target and its progress each year")
    lst.add_argument("--period", type=_period, help="progress up to this year (default: the newest with figures)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_cmd_target_list)


def _cmd_scope3_screen(args: argparse.Namespace) -> None:
    from esgflow.jobs import scope3 as scope3_jobs

    relevant = args.relevant == "yes"
    print(scope3_jobs.screen(load_settings(), args.period, args.category, relevant, args.reason, args.method, args.by))


def _cmd_scope3_approve(args: argparse.Namespace) -> None:
    from esgflow.jobs import scope3 as scope3_jobs

    print(scope3_jobs.approve(load_settings(), args.period, args.category, args.by))


def _cmd_scope3_show(args: argparse.Namespace) -> None:
    from esgflow.figures.scope3 import STATES as SCOPE3_STATES
    from esgflow.jobs import scope3 as scope3_jobs

    rows = scope3_jobs.show(load_settings(), args.period)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        line = f"{args.period} category {r['category']:>2} {r['name_en']}: {SCOPE3_STATES[str(r['state'])][1]}"
        if r["screened_by"]:
            approved = f", approved by {r['approved_by']}" if r["approved_by"] else ""
            line += f" -- {r['reason']} (method: {r['method']}; screened by {r['screened_by']}{approved})"
        print(line)


def _scope3_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s3 = sub.add_parser("scope3", help="Scope 3 screening of the 15 categories").add_subparsers(
        dest="action", required=True
    )
    scr = s3.add_parser("screen", help="screen one category of a period relevant or not, with reason and method")
    scr.add_argument("--period", required=True, type=_period)
    scr.add_argument("--category", required=True, type=int, help="1 to 15 (GHG Protocol Scope 3 Standard)")
    scr.add_argument("--relevant", required=True, choices=("yes", "no"))
    scr.add_argument("--reason", required=True, help="why the category is relevant or not")
    scr.add_argument("--method", required=True, help="how it is calculated, or how relevance was judged")
    scr.add_argument("--by", required=True, help="who screens it, for the audit trail")
    scr.set_defaults(func=_cmd_scope3_screen)
    app = s3.add_parser("approve", help="approve a category's screening (not by its screener)")
    app.add_argument("--period", required=True, type=_period)
    app.add_argument("--category", required=True, type=int)
    app.add_argument("--by", required=True, help="who approves it, for the audit trail")
    app.set_defaults(func=_cmd_scope3_approve)
    show = s3.add_parser(
        "show", help="every category of a period: relevant, not relevant, awaiting approval or not screened"
    )
    show.add_argument("--period", required=True, type=_period)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_cmd_scope3_show)


def _cmd_evidence_needs(args: argparse.Namespace) -> None:
    from esgflow.catalog import load_catalog
    from esgflow.jobs.collection import period_statuses
    from esgflow.jobs.evidence import evidence_needs

    settings, catalog = load_settings(), load_catalog()
    shown = 0
    for s in period_statuses(settings, args.period):
        if args.entity and s.entity != args.entity:
            continue
        for n in evidence_needs(settings, args.period, s.entity, s.figures_version):
            shown += 1
            name = catalog[n.indicator].name_en
            print(f"{s.entity} v{s.figures_version} {n.indicator} ({name}) = {n.value}: {n.what_en}")
    if not shown:
        print(f"{args.period}: every figure that needs documents has them, or was waived")


def _cmd_evidence_waive(args: argparse.Namespace) -> None:
    from esgflow.jobs.evidence import waive_evidence

    waive_evidence(load_settings(), args.period, args.entity, args.indicator, args.reason, args.by)
    print(f"{args.by} waived the documents of {args.entity}'s {args.indicator} for {args.period}: {args.reason}")


def _evidence_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ev = sub.add_parser("evidence", help="the documents figures need behind them").add_subparsers(
        dest="action", required=True
    )
    needs = ev.add_parser("needs", help="figures still without the documents the catalog asks (none waived)")
    needs.add_argument("--period", required=True, type=_period)
    needs.add_argument("--entity")
    needs.set_defaults(func=_cmd_evidence_needs)
    waive = ev.add_parser("waive", help="excuse a figure from its documents, with a reason (audited)")
    waive.add_argument("--period", required=True, type=_period)
    waive.add_argument("--entity", required=True)
    waive.add_argument("--indicator", required=True)
    waive.add_argument("--reason", required=True)
    waive.add_argument("--by", required=True, help="who waives it, for the audit trail")
    waive.set_defaults(func=_cmd_evidence_waive)


def _cmd_assurance_pack(args: argparse.Namespace) -> None:
    from esgflow.jobs.assurance import pack_period

    done = pack_period(load_settings(), args.period, args.out)
    print(
        f"packed {done.period} into {done.out}: {_count(done.figures, 'figure')}, {_count(done.inputs, 'input')} "
        f"from {_count(done.returns, 'return')}, {_count(done.files, 'file')} listed in manifest.json"
    )


def _cmd_assurance_verify(args: argparse.Namespace) -> None:
    from esgflow.jobs.assurance import verify

    found = verify(Path(args.dir))
    for problem in found.problems:
        print(problem)
    if not found.ok:
        raise EsgflowError(f"{args.dir} does not verify: {_count(len(found.problems), 'difference')} (listed above)")
    print(
        f"{args.dir} verifies: {_count(found.files, 'file')} as in the manifest, {_count(found.inputs, 'input')} "
        f"as in their returns, {_count(found.figures, 'figure')} recomputed from the returns alone"
    )


def _named_input(text: str) -> tuple[str, str]:
    entity, _, code = text.partition(":")
    if not entity or not code:
        raise argparse.ArgumentTypeError(f"{text!r}: name an input as ENTITY:CODE, e.g. SAMI:env_diesel")
    return entity, code


def _cmd_assurance_sample(args: argparse.Namespace) -> None:
    from esgflow.jobs.assurance import sample_period

    done = sample_period(load_settings(), args.period, args.size, args.seed, args.include, args.by)
    if args.json:
        print(json.dumps([c.to_json() for c in done.items], ensure_ascii=False, indent=2))
        return
    for n, c in enumerate(done.items, 1):
        where = f"{c.sheet}!{c.cell}" if c.cell else "no cell"
        print(
            f"{n:>3}. {c.entity} v{c.version} {c.indicator} = {c.value} {c.unit} ({where}), {c.share:.2%} of the group"
        )
    print(
        f"{_count(len(done.items), 'input')} of {done.candidates} sampled for {done.period} with seed {done.seed} "
        f"by {done.by}; recorded in the audit trail"
    )


def _assurance_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ass = sub.add_parser("assurance", help="what an assurance provider is handed").add_subparsers(
        dest="action", required=True
    )
    pack = ass.add_parser("pack", help="write everything an assurer needs for a period, with a hashed manifest")
    pack.add_argument("--period", required=True, type=_period)
    pack.add_argument("--out", required=True, type=_out)
    pack.set_defaults(func=_cmd_assurance_pack)
    smp = ass.add_parser("sample", help="draw and record a reproducible sample of inputs, weighted by share")
    smp.add_argument("--period", required=True, type=_period)
    smp.add_argument("--size", required=True, type=int)
    smp.add_argument("--seed", required=True, type=int)
    smp.add_argument("--include", action="append", type=_named_input, metavar="ENTITY:CODE", help="always test this")
    smp.add_argument("--by", help="who samples (default: this user), for the audit trail")
    smp.add_argument("--json", action="store_true")
    smp.set_defaults(func=_cmd_assurance_sample)
    ver = ass.add_parser("verify", help="check a pack's hashes and recompute its figures from its returns alone")
    ver.add_argument("dir")
    ver.set_defaults(func=_cmd_assurance_verify)


def _out(text: str) -> Path:
    """The --out folder; one that cannot be written is named before any work starts.

    Nothing is made here: the writers make the folder once there is something to write.
    """
    folder = Path(text).expanduser().absolute()
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        reason = f"{existing} is a file, not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        reason = f"{existing} is not writable by this user"
    else:
        try:  # permissions are not the whole story (/proc, a read-only mount): try, and leave nothing behind
            os.rmdir(tempfile.mkdtemp(prefix=".esgflow-probe-", dir=existing))
            return folder
        except OSError as exc:
            reason = f"{existing} does not take new folders ({exc.strerror})"
    raise EsgflowError(f"cannot write to the --out folder {folder}: {reason}")


_PLURALS = {"entity": "entities", "copy": "copies"}


def _count(n: int, noun: str) -> str:
    """'1 figure', '2 figures', '1 entity', '33 entities'."""
    return f"{n} {noun if n == 1 else _PLURALS.get(noun, noun + 's')}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    run()
