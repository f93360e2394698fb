"""A page per validation run in the ESG office's words, and an index of the runs.

Great Expectations' Data Docs say "values in whole_bound must always be greater than or equal
to those in value" and name row ids; these pages say which entity, which indicator (by name),
which sheet and cell, and which rule, with the wording the reporter's letter uses, and link to
the Data Docs page of the same run for the detail. A run over returns lists each return's file,
version and letter, and every finding its letter gives (those the workbook reader made, such as text
in a number cell or #DIV/0!, as well as the suite's), so the page counts what the letter counts.
They live in the Data Docs site (`<site>/esgflow/`), so the portal serves them with it and the links
between them hold. Pages are bilingual (Chinese, then English): the office reads Chinese, overseas
colleagues English. They are written through the one Jinja environment and stylesheet (esgflow.pages).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from esgflow import display, glossary, pages
from esgflow.catalog import Catalog
from esgflow.checks.quote import in_asked_unit
from esgflow.checks.rules import compared_label, wording
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding

RUNS = "runs.jsonl"  # one line per run, newest last: what the index lists
INDEX_LIMIT = 200  # runs on the index; every run keeps its page
SUITE_NAMES = {"submission": ("填报文件校验", "Checks of returns"), "group": ("集团数据校验", "Group checks")}


@dataclass(frozen=True)
class ValidationRun:
    """One Great Expectations run: its own name, its suite and when it ran."""

    name: str
    suite: str
    time: datetime


@dataclass(frozen=True)
class RunReturn:
    """A return a run judged, as its letter answers it: file, version, letter and every finding."""

    entity: str | None
    file: str
    version: int | None
    letter: Path | None
    findings: list[Finding] = field(default_factory=list)


def _found(f: Finding, catalog: Catalog) -> tuple[str, str]:
    """What the check found: the cell as typed, or the figure and what it was compared with, in Chinese;
    then the check's sentence."""
    ind = catalog.by_code.get(f.indicators[0]) if f.indicators else None
    said = []
    if f.found is not None and f.actual is None:  # quoted as typed: "25847.61小时", "#DIV/0!", "估"
        said.append(f"填报值 {f.found}")
    if ind is not None:  # in the unit the reporter was asked in, as the letter gives them
        if f.actual is not None:
            said.append(f"数值 {in_asked_unit(f.actual, ind, 'zh')}")
        if f.expected is not None:
            said.append(f"{compared_label(f.rule)[0]} {in_asked_unit(f.expected, ind, 'zh')}")
    return ("；".join(said), f.message) if said else (f.message, "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _entity(code: str | None, registry: EntityRegistry) -> tuple[str, str]:
    if code is None:
        return ("集团", "Group")
    known = next((e for e in registry.entities if e.code == code), None)
    return (known.short_zh, known.code) if known else (code, "")


def _row(f: Finding, catalog: Catalog, registry: EntityRegistry) -> dict[str, object]:
    code = f.indicators[0] if f.indicators else ""
    ind = catalog.by_code.get(code)
    (rule_zh, action_zh), (rule_en, action_en) = wording(f.rule, "zh"), wording(f.rule, "en")
    return {
        "severity": f.severity,
        "level": glossary.SEVERITY.get(f.severity, (f.severity, f.severity)),
        "entity": _entity(f.entity, registry),
        "indicator": (ind.name_zh, ind.name_en) if ind else (code, ""),
        "sheet": f.sheet or "",
        "cell": f.cell or "",
        "rule": (rule_zh, rule_en),
        "found": _found(f, catalog),
        "action": (action_zh, action_en),
    }


def _href(target: Path, folder: Path) -> str:
    return Path(os.path.relpath(target, folder)).as_posix()


def write_run_page(
    folder: Path, run: ValidationRun, findings: list[Finding], detail: Path | None, catalog: Catalog,
    registry: EntityRegistry, returns: list[RunReturn] | None = None,
) -> Path:  # fmt: skip
    """Write `<folder>/<run>.html` and add the run to the index's list; detail: its Data Docs page;
    returns: the returns the run judged, whose findings (all of them, as their letters give them) it lists."""
    folder.mkdir(parents=True, exist_ok=True)
    if returns:
        findings = [f for r in returns for f in r.findings]
    findings = sorted(findings, key=lambda f: (f.severity != "error", f.entity or "", f.sheet or "", f.cell or ""))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    words = glossary.COLUMNS
    heads = [words["severity"], words["entity"], words["indicator"], ("工作表 单元格", "Sheet, cell"), words["rule"]]
    heads += [("发现", "What the check found"), words["todo"]]
    return_heads = [words["entity"], words["file"], words["version"], glossary.SEVERITY["error"]]
    return_heads += [glossary.SEVERITY["warning"], words["letter"]]
    shown_returns = [
        {
            "entity": _entity(r.entity, registry),
            "file": r.file,
            "version": r.version,
            "errors": sum(f.severity == "error" for f in r.findings),
            "warnings": sum(f.severity != "error" for f in r.findings),
            "letter": _href(r.letter, folder) if r.letter else None,
        }
        for r in returns or []
    ]
    html = pages.environment().get_template("run.html").render(
        css=pages.stylesheet(), lang="zh", run=run, suite=SUITE_NAMES.get(run.suite, (run.suite, run.suite)),
        errors=errors, warnings=warnings, counts_en=f"{_count(errors, 'error')}, {_count(warnings, 'warning')}",
        detail=_href(detail, folder) if detail is not None else None, heads=heads, return_heads=return_heads,
        rows=[_row(f, catalog, registry) for f in findings], returns=shown_returns, missing=display.MISSING,
    )  # fmt: skip
    page = folder / f"{run.name}.html"
    page.write_text(html, "utf-8")
    entities = sorted({f.entity or "" for f in findings})
    line = {
        "run": run.name, "suite": run.suite, "time": display.moment_json(run.time), "errors": errors,
        "warnings": warnings, "entities": [e for e in entities if e],
    }  # fmt: skip
    with (folder / RUNS).open("a", encoding="utf-8") as runs:
        runs.write(json.dumps(line, ensure_ascii=False) + "\n")
    return page


def write_run_index(folder: Path, registry: EntityRegistry) -> Path:
    """Write `<folder>/index.html`: the newest runs first, each with its counts and a link to its page."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (folder / RUNS).read_text("utf-8").splitlines() if (folder / RUNS).exists() else []
    runs = [json.loads(line) for line in lines[-INDEX_LIMIT:] if line.strip()][::-1]
    short = {e.code: e.short_zh for e in registry.entities}
    shown = [
        {
            "run": r["run"],
            "time": datetime.fromisoformat(r["time"]),
            "suite": SUITE_NAMES.get(r["suite"], (r["suite"], r["suite"])),
            "errors": r["errors"],
            "warnings": r["warnings"],
            "who": "、".join(short.get(e, e) for e in r["entities"][:8]) + (" …" if len(r["entities"]) > 8 else ""),
        }
        for r in runs
    ]
    heads = [("校验", "Run"), ("时间", "Time"), ("类别", "Checks"), ("错误", "Errors"), ("提示", "Warnings")]
    heads.append(("涉及填报单位", "Entities with findings"))
    html = (
        pages.environment()
        .get_template("runs.html")
        .render(css=pages.stylesheet(), lang="zh", runs=shown, heads=heads, missing=display.MISSING)
    )
    index = folder / "index.html"
    index.write_text(html, "utf-8")
    return index
