"""Helpers for tests that need templates, filled returns and LibreOffice."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.decimals import VALUE_DTYPE
from esgflow.demo.group import DEMO_PEOPLE, bundled_history, demo_inputs, demo_returns
from esgflow.entities import load_registry
from esgflow.figures.consolidate import ConsolidationResult
from esgflow.figures.history import ImportResult, read_published
from esgflow.findings import Finding
from esgflow.jobs.collection import ingest_files, period_statuses, write_templates
from esgflow.jobs.figures import consolidate_period, report_period
from esgflow.jobs.scope3 import screen_demo
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.periods import Period, parse_period
from esgflow.report import ReportFiles
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.submissions import Recorded, SubmissionIn, record_submission
from esgflow.workbooks.fill import fill_template
from esgflow.workbooks.naming import named_entity, template_name
from esgflow.workbooks.signing import signature, signing_key
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.libreoffice import soffice_convert

P2024 = parse_period("2024")
CATALOG_YAML = Path(__file__).resolve().parents[1] / "esgflow" / "catalog" / "indicators.yaml"


def as_period(period: str | Period) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def observations(values: dict[str, Decimal | None], sheet: str = "demo", cell: str | None = None) -> pl.DataFrame:
    """An observations frame (the shape the warehouse loads) from indicator -> value in reporting units."""
    return pl.DataFrame(
        [(code, v, None if v is None else str(v), None, sheet, cell, None) for code, v in values.items()],
        schema={
            "indicator": pl.Utf8,
            "value": VALUE_DTYPE,
            "original_value": pl.Utf8,
            "original_unit": pl.Utf8,
            "sheet": pl.Utf8,
            "cell": pl.Utf8,
            "note": pl.Utf8,
        },
        orient="row",
    )


P2025_DEFAULT = parse_period("2025")  # the period record_values stores in unless told


def record_values(
    settings: Settings,
    entity: str,
    content_hash: str,
    values: dict[str, Decimal | None],
    status: str = "accepted",
    period: Period = P2025_DEFAULT,
    notes: dict[str, str] | None = None,
    findings: list[Finding] | None = None,
) -> Recorded:
    """Store a return of these values (sheet 环境, cell D5) straight in the warehouse, as the ingest would."""
    frame = observations(values, "环境", "D5")
    if notes:
        frame = frame.with_columns(pl.Series("note", [notes.get(code) for code in values], dtype=pl.Utf8))
    submission = SubmissionIn(entity, period, content_hash.ljust(64, "0"), f"{entity}_{content_hash}.xlsx", status)
    with db.session_scope(settings.database_url) as s:
        return record_submission(s, submission, frame, findings)


def open_collection(
    settings: Settings, period: str | Period, out: Path, entities: list[str] | None = None
) -> dict[str, Path]:
    init_warehouse(settings)
    return {named_entity(p.name): p for p in write_templates(settings, as_period(period), out, entities)}


@cache
def _complete(entity: str) -> dict[str, Decimal]:
    return demo_inputs(load_catalog(), load_registry(), P2024)[entity]


def fill(
    template: Path,
    out_dir: Path,
    values: dict,
    notes: dict | None = None,
    name: str | None = None,
    complete: bool = True,
) -> Path:
    """Fill a template: by default the entity's complete, consistent demo return with `values` on top."""
    base = {**DEMO_PEOPLE, **_complete(named_entity(template.name))} if complete else dict(DEMO_PEOPLE)
    # an older template asks fewer inputs than the catalog's demo return has, and may not ask who signs it
    asked = set(load_workbook(template, read_only=True).defined_names)
    base = {code: value for code, value in base.items() if code in asked}
    return fill_template(template, out_dir / (name or template.name), {**base, **values}, notes)


def libreoffice_resave(files: list[Path], out_dir: Path, fmt: str = "xlsx") -> list[Path]:
    """Re-save workbooks with headless LibreOffice (Calc), as a reporter using it would."""
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97"}
    soffice_convert(files, filters[fmt], out_dir, timeout=600)
    return [out_dir / (f.stem + "." + fmt) for f in files]


# Template version 2 of a catalog that does not exist yet: the real catalog, plus an input first
# asked in version 2 and one that version 2 no longer asks for. Tests of older templates use it.
NEW_IN_V2 = "env_solar_generation"
RETIRED_IN_V2 = "soc_volunteer_organisations"
_SOLAR = """  - code: env_solar_generation
    pillar: env
    name: {zh: 自发光伏发电量, en: Solar power generated on site}
    unit: 10k kWh
    unit_zh: 万千瓦时
    input_unit: kWh
    dtype: decimal
    reported_by: all
    consolidation: sum
    rules: {min: 0}
    yoy_threshold: 0.3
    decimals: 2
    template_version: "2"
    disclosure: {hkex: [], sse: [], gri: [], cass: []}
"""


def catalog_v2_text() -> str:
    # the real catalog as it was at version 1 (its version-2 inputs asked from the start)
    text = re.sub(r'\n    template_version: "\d+"', "", (CATALOG_YAML).read_text("utf-8"))
    text = re.sub(r"\nestimate_marks: .*", "", text)  # the actual/estimated column came later still
    retired = f"  - code: {RETIRED_IN_V2}\n"
    assert text.count(retired) == 1 and text.endswith("\n")
    return text.replace(retired, retired + '    retired_in: "2"\n') + _SOLAR


def use_catalog(monkeypatch: pytest.MonkeyPatch, catalog: Catalog) -> None:
    """Make the jobs (init, templates, ingest) work with `catalog` instead of the packaged one."""
    for stage in ("setup", "collection", "figures", "signoff"):
        monkeypatch.setattr(f"esgflow.jobs.{stage}.load_catalog", lambda: catalog)


def older_template(settings: Settings, catalog: Catalog, entity: str, period: str, version: str, out: Path) -> Path:
    """The template of an older `version` as esgflow sent it then: asking what that version asked, signed with it."""
    signed = signature(signing_key(settings.home), entity, period, version)
    path = out / template_name(entity, as_period(period))
    request = TemplateRequest(load_registry()[entity], as_period(period), {}, signed, template_version=version)
    write_template(path, request, catalog)
    return path


# The demo cycle without workbooks or flows: demo returns recorded directly as accepted
# submissions. A quick way for tests to get a consolidated 2024 (the product's demo runs
# the flows, see flows/demo.py and tests/test_flows.py).
@dataclass(frozen=True)
class DemoResult:
    history: ImportResult
    loaded: int
    duplicates: int
    consolidation: ConsolidationResult
    report: ReportFiles
    differences: list[tuple[str, Decimal, Decimal]]


def load_demo_returns(settings: Settings, period: Period) -> tuple[int, int]:
    """Record the demo group's returns as accepted submissions; a second run finds duplicates."""
    loaded = duplicates = 0
    with db.session_scope(settings.database_url) as session:
        for ret in demo_returns(load_catalog(), load_registry(), period):
            submission = SubmissionIn(ret.entity, period, ret.content_hash, f"demo:{ret.entity}_{period}", "accepted")
            recorded = record_submission(session, submission, observations(ret.values))
            duplicates += recorded.duplicate
            loaded += not recorded.duplicate
    return loaded, duplicates


def run_demo(settings: Settings, out: Path, period: Period = P2024) -> DemoResult:
    """The demo cycle: history for the two years before, entity returns for `period`, report."""
    init_warehouse(settings)
    history = import_history_file(settings, bundled_history(), [period.shifted_years(-2), period.shifted_years(-1)])
    loaded, duplicates = load_demo_returns(settings, period)
    screen_demo(settings, period)
    consolidation = consolidate_period(settings, period)
    report = report_period(settings, period, out, ["zh", "en"])
    published = {
        f.code: f.value
        for f in read_published(bundled_history(), load_catalog(), {period.code})
        if f.basis == "published"
    }
    differences = []
    for row in report.table.rows:
        cell = row.cells[period.code]
        code = row.indicator.code
        if cell and code in published:
            shown = Decimal(cell.text(max(row.indicator.decimals, -published[code].as_tuple().exponent)))
            if shown.quantize(published[code]) != published[code]:
                differences.append((code, published[code], cell.value))
    return DemoResult(history, loaded, duplicates, consolidation, report, differences)


def returns_and_corrections(settings: Settings) -> dict[str, tuple[Path, Path]]:
    """Each entity's return, then its correction arriving a minute later (66 files for 33 entities)."""
    init_warehouse(settings)
    templates = write_templates(settings, parse_period("2024"), settings.home / "templates")
    files = {}
    for t in templates:
        entity = t.name.split("_")[0]
        first = fill(t, settings.inbox, {})
        # the correction changes a figure that no other figure is checked against, by one: a correction judged
        # after its original was loaded is compared with it, and 7777 was about 10^k times some entities' figure
        # (a slip warning), so the newest version's status depended on which of two processes judged it first
        corrected = _complete(entity).get("gov_contracts_reviewed", 0) + 1
        again = fill(t, settings.inbox, {"gov_contracts_reviewed": corrected}, name=t.stem + " (corrected).xlsx")
        os.utime(first, (first.stat().st_mtime - 60,) * 2)
        files[entity] = (first, again)
    db.dispose(settings.database_url)
    return files


def newest_is_the_correction(settings: Settings, files: dict[str, tuple[Path, Path]]) -> None:
    """Every entity accepted at version 2, which is its correction (the file that arrived last)."""
    assert {(s.status, s.version) for s in period_statuses(settings, parse_period("2024"))} == {("accepted", 2)}
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(select(m.Submission.version, m.Submission.file_name)).all()
    newest = {name for version, name in rows if version == 2}
    assert newest == {again.name for _, again in files.values()} and len(files) == len(load_registry().codes)


HISTORY_HEADER = "code,pillar,name_zh,unit_zh,unit,2022,2022_restated,2023,2024\n"


def warehouse_with_history(settings: Settings, folder: Path, rows: str) -> None:
    """A fresh warehouse holding only the published group figures of `rows` (appendix CSV lines)."""
    init_warehouse(settings)
    history = folder / "history.csv"
    history.write_text(HISTORY_HEADER + rows, encoding="utf-8")
    import_history_file(settings, history)


SAMI_PEOPLE = {"meta_preparer": "张填报", "meta_reviewer": "李审核", "meta_responsible": "王负责"}


def ingested_year(settings: Settings, entities: list[str] | None = None, period: Period = P2024) -> None:
    """The demo group's figures for a period (or some entities'), typed into their templates, ingested as real
    workbooks (archived, parsed, checked) and consolidated."""
    init_warehouse(settings)
    templates = write_templates(settings, period, settings.home / "templates", entities)
    inputs = demo_inputs(load_catalog(), load_registry(), period)
    folder = settings.home / "returned"
    folder.mkdir(parents=True, exist_ok=True)
    for t in templates:  # SAMI's return names who stands behind it, as a subsidiary's should
        entity = named_entity(t.name)
        fill_template(t, folder / t.name, {**inputs[entity], **(SAMI_PEOPLE if entity == "SAMI" else DEMO_PEOPLE)})
    ingest_files(settings, [folder], docs=False)
    consolidate_period(settings, period)


def fill_registers(path: Path, rows: dict[str, list[dict[str, object]]], out: Path | None = None) -> Path:
    """Type rows into a workbook's registers as a reporter would: each table found by its name (tbl_<register>),
    each value under the column whose heading names its key's column, from the table's first row down."""
    from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

    from esgflow.catalog import load_catalog

    wb = load_workbook(path)
    headings = {t.list_name: {c.key: c.heading for c in t.columns} for t in load_catalog().tables}
    for name, table_rows in rows.items():
        [(ws, table)] = [(ws, ws.tables[name]) for ws in wb.worksheets if name in ws.tables]
        first_col, top, _, _ = range_boundaries(table.ref)
        letters = {ws.cell(top, c).value: get_column_letter(c) for c in range(first_col, first_col + 30)}
        for n, values in enumerate(table_rows, start=1):
            for key, value in values.items():
                letter = letters[headings[name][key]]
                ws.cell(top + n, column_index_from_string(letter), value)
    target = out or path
    wb.save(target)
    return target


SITES = [  # two sites typed as reporters type them: labels in either language, a latitude as text
    {
        "name": "北京总部  办公楼",
        "kind": "办公场所 Office",
        "location": "北京 Beijing",
        "latitude": 39.9042,
        "longitude": 116.4074,
        "operational_control": "是 Yes",
    },
    {
        "name": "Jakarta smelter site",
        "kind": "Construction site",
        "location": "印度尼西亚 Indonesia",
        "latitude": "-6.2088",
        "longitude": 106.845599,
        "operational_control": "否",
    },
]
CLIMATE_RISKS = [
    {
        "kind": "实体风险-急性 Physical risk - acute",
        "description": "暴雨导致工地停工 Heavy rain stops work on site",
        "horizon": "短期",
        "sites": "Jakarta smelter site",
        "likelihood": "High",
        "magnitude": "中 Medium",
        "response": "排水预案 Drainage plan",
        "owner": "工程管理部",
    },
    {
        "kind": "机遇-产品和服务",
        "description": "Low-carbon smelter design",
        "horizon": "长期 Long term",
        "likelihood": "中",
        "magnitude": "高",
        "response": "研发投入",
        "owner": "Technology centre",
    },
]
# What the warehouse keeps of SITES and CLIMATE_RISKS: text as typed, numbers exact, choices as their values.
SITES_STORED = [
    {
        "name": "北京总部  办公楼",
        "kind": "office",
        "location": "北京 Beijing",
        "latitude": "39.9042",
        "longitude": "116.4074",
        "operational_control": "yes",
    },
    {
        "name": "Jakarta smelter site",
        "kind": "construction_site",
        "location": "印度尼西亚 Indonesia",
        "latitude": "-6.2088",
        "longitude": "106.845599",
        "operational_control": "no",
    },
]
CLIMATE_RISKS_STORED = [
    {
        "kind": "physical_acute",
        "description": "暴雨导致工地停工 Heavy rain stops work on site",
        "horizon": "short",
        "sites": "Jakarta smelter site",
        "likelihood": "high",
        "magnitude": "medium",
        "response": "排水预案 Drainage plan",
        "owner": "工程管理部",
    },
    {
        "kind": "opportunity_products_services",
        "description": "Low-carbon smelter design",
        "horizon": "long",
        "likelihood": "medium",
        "magnitude": "high",
        "response": "研发投入",
        "owner": "Technology centre",
    },
]
