"""A page per validation run in the ESG office's words, and an index of the runs.

Great Expectations' Data Docs say "values in whole_bound must always be greater than or equal
to those in value" and name row ids; these pages say which entity, which indicator (by name),
which sheet and cell, and which rule, with the wording the reporter's letter uses, and link to
the Data Docs page of the same run for the detail. They live in the Data Docs site
(`<site>/esgflow/`), so the portal serves them with it and the links between them hold.
Pages are bilingual (Chinese, then English): the office reads Chinese, overseas colleagues English.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from esgflow import display, glossary
from esgflow.catalog import Catalog
from esgflow.checks.rules import compared_label, wording
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding

RUNS = "runs.jsonl"  # one line per run, newest last: what the index lists
INDEX_LIMIT = 200  # runs on the index; every run keeps its page
SUITE_NAMES = {"submission": ("填报文件校验", "Checks of returns"), "group": ("集团数据校验", "Group checks")}
SEVERITY = glossary.SEVERITY

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-size:14px;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}p{margin:4px 0 12px}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f6}
tr.error td:first-child{color:#b00020;font-weight:600}tr.warning td:first-child{color:#8a5a00;font-weight:600}
.en{color:#555}.ok{color:#1e7e34;font-weight:600}
#findings{table-layout:fixed}#findings td{overflow-wrap:anywhere}
#findings th:nth-child(1){width:3%}#findings th:nth-child(2){width:6%}#findings th:nth-child(3){width:7%}
#findings th:nth-child(4){width:14%}#findings th:nth-child(5){width:12%}#findings th:nth-child(6){width:13%}
#findings th:nth-child(7){width:27%}#findings th:nth-child(8){width:18%}
@media print{@page{size:A4 landscape}thead{display:table-header-group}tr{break-inside:avoid}}
"""


@dataclass(frozen=True)
class ValidationRun:
    """One Great Expectations run: its own name, its suite and when it ran."""

    name: str
    suite: str
    time: datetime


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _text(text: str) -> str:
    """Text between tags: quotes stay as written ('Sheet'!E7), markup does not pass."""
    return escape(text, quote=False)


def _both(zh: str, en: str) -> str:
    return f'{_text(zh)}<br><span class="en">{_text(en)}</span>'


def _found(f: Finding, catalog: Catalog) -> str:
    """What the check found: the figure and what it was compared with, in Chinese, then the check's sentence."""
    ind = catalog.by_code.get(f.indicators[0]) if f.indicators else None
    said = []
    if ind is not None:
        unit = "" if ind.unit_zh == "%" else " "
        if f.actual is not None:
            said.append(f"数值 {display.figure(f.actual, ind.decimals)}{unit}{ind.unit_zh}")
        if f.expected is not None:
            label = compared_label(f.rule)[0]
            said.append(f"{label} {display.figure(f.expected, ind.decimals)}{unit}{ind.unit_zh}")
    zh = "；".join(said)
    return f'{_text(zh)}<br><span class="en">{_text(f.message)}</span>' if zh else _text(f.message)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _row(n: int, f: Finding, catalog: Catalog, registry: EntityRegistry) -> str:
    code = f.indicators[0] if f.indicators else ""
    ind = catalog.by_code.get(code)
    if f.entity is None:
        entity = _both("集团", "Group")
    else:
        known = next((e for e in registry.entities if e.code == f.entity), None)
        entity = _both(known.short_zh, known.code) if known else _text(f.entity)
    indicator = _both(ind.name_zh, ind.name_en) if ind else _text(code)
    # the sheet's name on its line, the cell under it: 'Sheet'!E20 broke inside the cell's address
    where = f"{_text(f.sheet or display.MISSING)}<br><b>{_text(f.cell or '')}</b>" if f.sheet else display.MISSING
    (rule_zh, action_zh), (rule_en, action_en) = wording(f.rule, "zh"), wording(f.rule, "en")
    zh, en = SEVERITY.get(f.severity, (f.severity, f.severity))
    cells = [
        _both(zh, en),
        entity,
        indicator,
        where,
        _both(rule_zh, rule_en),
        _found(f, catalog),
        _both(action_zh, action_en),
    ]
    return f'<tr class="{escape(f.severity)}"><td>{n}</td>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def write_run_page(
    folder: Path, run: ValidationRun, findings: list[Finding], detail: Path | None, catalog: Catalog,
    registry: EntityRegistry,
) -> Path:  # fmt: skip
    """Write `<folder>/<run>.html` and add the run to the index's list; detail: its Data Docs page."""
    folder.mkdir(parents=True, exist_ok=True)
    findings = sorted(findings, key=lambda f: (f.severity != "error", f.entity or "", f.sheet or "", f.cell or ""))
    errors = sum(f.severity == "error" for f in findings)
    suite_zh, suite_en = SUITE_NAMES.get(run.suite, (run.suite, run.suite))
    entities = sorted({f.entity or "" for f in findings})
    warnings = len(findings) - errors
    summary = (
        f"{suite_zh} · {display.moment(run.time)} · {errors} 个错误，{warnings} 个提示"
        f'<br><span class="en">{suite_en} · {_count(errors, "error")}, {_count(warnings, "warning")}</span>'
    )
    link = ""
    if detail is not None:
        href = escape(Path(os.path.relpath(detail, folder)).as_posix())
        link = f'<p><a href="{href}">Data Docs：本次校验的详细结果 · Detail of this run in the Data Docs</a></p>'
    if findings:
        words = glossary.COLUMNS
        head = ["#", words["severity"], words["entity"], words["indicator"], ("工作表 单元格", "Sheet, cell")]
        head += [words["rule"], ("发现", "What the check found"), words["todo"]]
        ths = "".join(f"<th>{h}</th>" if isinstance(h, str) else f"<th>{_both(*h)}</th>" for h in head)
        rows = "\n".join(_row(n, f, catalog, registry) for n, f in enumerate(findings, start=1))
        table = f'<table id="findings"><thead><tr>{ths}</tr></thead><tbody>\n{rows}\n</tbody></table>'
    else:
        table = '<p class="ok">全部通过 · Every check passed</p>'
    back = '<p><a href="index.html">← 全部校验 · All validation runs</a></p>'
    body = f"{back}<h1>校验结果 Validation run {escape(run.name)}</h1><p>{summary}</p>{link}{table}"
    page = folder / f"{run.name}.html"
    page.write_text(_page(f"校验结果 Validation run {run.name}", body), "utf-8")
    line = {
        "run": run.name, "suite": run.suite, "time": display.moment_json(run.time), "errors": errors,
        "warnings": len(findings) - errors, "entities": [e for e in entities if e],
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
    rows = []
    for r in runs:
        suite_zh, suite_en = SUITE_NAMES.get(r["suite"], (r["suite"], r["suite"]))
        who = "、".join(short.get(e, e) for e in r["entities"][:8]) + (" …" if len(r["entities"]) > 8 else "")
        rows.append(
            f'<tr><td><a href="{escape(r["run"])}.html">{escape(r["run"])}</a></td>'
            f"<td>{display.moment(datetime.fromisoformat(r['time']))}</td><td>{_both(suite_zh, suite_en)}</td>"
            f"<td>{r['errors']}</td><td>{r['warnings']}</td><td>{escape(who) or display.MISSING}</td></tr>"
        )
    head = [("校验", "Run"), ("时间", "Time"), ("类别", "Checks"), ("错误", "Errors"), ("提示", "Warnings")]
    head.append(("涉及单位", "Entities with findings"))
    ths = "".join(f"<th>{_both(*h)}</th>" for h in head)
    table = f'<table id="runs"><thead><tr>{ths}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"
    body = (
        '<p><a href="../index.html">Data Docs (Great Expectations)</a></p><h1>校验结果 Validation runs</h1>'
        f"<p>最新 {len(runs)} 次校验 · The newest {len(runs)} run{'' if len(runs) == 1 else 's'}</p>{table}"
    )
    index = folder / "index.html"
    index.write_text(_page("校验结果 Validation runs", body), "utf-8")
    return index
