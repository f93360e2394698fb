"""The catalog drives everything: every indicator reaches every artefact generated from it."""

import csv
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.demo.group import demo_returns
from esgflow.entities import EntityRegistry
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import P2024, run_demo


def test_every_indicator_reaches_every_artefact(
    catalog: Catalog, registry: EntityRegistry, sqlite_settings: Settings, tmp_path: Path
) -> None:
    result = run_demo(sqlite_settings, tmp_path / "demo")
    out = tmp_path / "demo"
    missing: dict[str, set[str]] = {}

    def check(artefact: str, present: set[str], expected: set[str]) -> None:
        if expected - present:
            missing[artefact] = expected - present

    appendix = {i.code for i in catalog.appendix()}
    mapped = {i.code for i in catalog.indicators if any(i.disclosure.values())}
    inputs = {i.code for i in catalog.indicators if i.is_input}
    with db.session_scope(sqlite_settings.database_url) as s:
        check("warehouse indicator rows", set(s.scalars(select(m.Indicator.code))), set(catalog.codes))
        group = set(
            s.scalars(
                select(m.Indicator.code)
                .join(m.ConsolidatedFigure)
                .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
                .where(m.Entity.code == "HQ", m.ConsolidatedFigure.basis == "computed")
            )
        )
    # a screened Scope 3 category has a figure from no template; the demo screens categories 8-15 not relevant,
    # so they have none (blank with their state in the report, never 0)
    figured = {i.code for i in catalog.indicators if i.consolidation != "screened"}
    check("consolidated group figures", group, figured)
    assert not group & (set(catalog.codes) - figured)
    check(
        "appendix.csv",
        {r["code"] for r in csv.DictReader((out / "appendix.csv").open(encoding="utf-8"))},
        appendix,
    )
    wb = load_workbook(out / "appendix.xlsx")
    in_sheets = {row[0] for ws in wb.worksheets[:-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    check("appendix.xlsx", in_sheets, appendix)
    for lang in ("zh", "en"):
        page = (out / f"appendix.{lang}.html").read_text("utf-8")
        check(f"appendix.{lang}.html", {c for c in appendix if f'id="{c}"' in page}, appendix)
    index_rows = csv.DictReader((out / "disclosure_index.csv").open(encoding="utf-8"))
    index = {code for r in index_rows for code in r["codes"].split("; ") if code}
    check("disclosure_index.csv", index, mapped)
    returned = {code for ret in demo_returns(catalog, registry, P2024) for code in ret.values}
    check("demo returns", returned, inputs)
    assert result.consolidation.group_figure_count == len(figured)
    assert not missing, missing
