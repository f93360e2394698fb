"""The `esgflow` command line (INTERFACE.md, 'Command line')."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from esgflow import EsgflowError, jobs
from esgflow.config import load_settings
from esgflow.periods import parse_period
from warehouse import db


def _period(text: str) -> str:
    try:
        return parse_period(text).code
    except EsgflowError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _cmd_init(args: argparse.Namespace) -> None:
    settings = load_settings()
    counts = jobs.init_warehouse(settings)
    print(f"warehouse ready at {db.display_url(settings.database_url)}")
    print(
        f"loaded {counts.indicators} indicators, {counts.entities} entities "
        f"with {counts.links} parent links, "
        f"{counts.contacts} reporter contacts and {counts.factors} conversion factors"
    )


def _cmd_history_import(args: argparse.Namespace) -> None:
    result = jobs.import_history_file(load_settings(), Path(args.file))
    print(
        f"imported published figures for {', '.join(result.years)} from {result.file}: "
        f"{result.inserted} new, {result.updated} changed, {result.unchanged} already there"
    )


def _cmd_consolidate(args: argparse.Namespace) -> None:
    result = jobs.consolidate_period(load_settings(), args.period)
    print(
        f"consolidated {result.observations} accepted observations for {result.period} into "
        f"{result.figures} figures, {result.group_figures} of them for the group"
    )


def _cmd_report(args: argparse.Namespace) -> None:
    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    files = jobs.report_period(load_settings(), args.period, Path(args.out), langs)
    print(f"wrote the {args.period} appendix ({len(files.table.rows)} indicators) and the disclosure index:")
    for f in files.files:
        print(f"  {f}")


def _cmd_templates(args: argparse.Namespace) -> None:
    paths = jobs.write_templates(load_settings(), args.period, Path(args.out), args.entity or None)
    print(f"wrote {len(paths)} templates for {args.period} to {args.out}")
    for p in paths:
        print(f"  {p}")


def _cmd_ingest(args: argparse.Namespace) -> None:
    outcomes = jobs.ingest_files(load_settings(), [Path(p) for p in args.paths])
    for outcome in outcomes:
        print(outcome.line())
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    print(f"{len(outcomes)} files judged: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    letters = [o.letter for o in outcomes if o.letter]
    if letters:
        print(f"return letters in {letters[0].parent}")
    docs = jobs.data_docs_index(load_settings())
    if docs.exists():
        print(f"validation results (Data Docs): {docs.as_uri()}")


def _cmd_check(args: argparse.Namespace) -> None:
    findings = jobs.check_group(load_settings(), args.period)
    if args.json:
        print(json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2))
        return
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    print(f"{args.period}: {errors} errors, {warnings} warnings, {len(findings) - errors - warnings} reporter notes")
    for f in findings:
        print(f"  {f.severity}: {f.message} [{f.rule}]")
    docs = jobs.data_docs_index(load_settings())
    if docs.exists():
        print(f"validation results (Data Docs): {docs.as_uri()}")


def _cmd_demo(args: argparse.Namespace) -> None:
    settings = load_settings()
    out = Path(args.out) if args.out else settings.home / "demo"
    result = jobs.run_demo(settings, out)
    print(f"warehouse: {db.display_url(settings.database_url)}")
    print(f"history: published figures for {', '.join(result.history.years)} ({result.history.inserted} new)")
    print(f"returns: {result.loaded} entity returns loaded, {result.duplicates} already there")
    c = result.consolidation
    print(f"consolidation: {c.observations} observations -> {c.figures} figures ({c.group_figures} for the group)")
    print(f"report written to {out}:")
    for f in result.report.files:
        print(f"  {f}")
    if result.differences:
        print("published 2024 figures that the entity data do not reproduce (derived figures):")
        for code, published, computed in result.differences:
            print(f"  {code}: published {published}, computed {computed.normalize():f}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="esgflow", description="ESG data collection and reporting")
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
    tpl = sub.add_parser("templates", help="write one workbook per entity that reports in a period")
    tpl.add_argument("--period", required=True, type=_period)
    tpl.add_argument("--out", required=True)
    tpl.add_argument("--entity", action="append", help="only this entity (repeatable)")
    tpl.set_defaults(func=_cmd_templates)
    ing = sub.add_parser("ingest", help="ingest returned workbooks (files or folders)")
    ing.add_argument("paths", nargs="+")
    ing.set_defaults(func=_cmd_ingest)
    chk = sub.add_parser("check", help="group-level consistency findings for a period")
    chk.add_argument("--period", required=True, type=_period)
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=_cmd_check)
    demo = sub.add_parser("demo", help="the whole cycle on the built-in demo group")
    demo.add_argument("--out")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
