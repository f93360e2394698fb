"""The office's Scope 3 screening through the jobs: audited, approved by another person, and what it lets count."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.figures.explain import Node
from esgflow.figures.scope3 import SCREENING
from esgflow.jobs import scope3
from esgflow.jobs.disclosure import show_disclosure
from esgflow.jobs.figures import consolidate_period, explain_figure, report_period
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period
from esgflow.report.answers import ItemAnswer
from tests.returns_factory import record_values

P2026 = parse_period("2026")
TRAVEL = {"env_scope3_air_short_haul": Decimal(10000), "env_scope3_hotel_nights": Decimal(40)}
MATERIALS = {"env_scope3_steel": Decimal(100)}


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def test_screening_is_audited_and_approved_only_by_another_person(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    said = scope3.screen(sqlite_settings, P2026, 6, True, "engineers travel to sites", "distance-based", "Li Wei")
    assert "category 6 (Business travel) screened relevant by Li Wei" in said
    with pytest.raises(EsgflowError, match="another person must approve"):
        scope3.approve(sqlite_settings, P2026, 6, "li wei")
    with pytest.raises(EsgflowError, match="not been screened"):
        scope3.approve(sqlite_settings, P2026, 7, "Wang Fang")
    with pytest.raises(EsgflowError, match="categories 1 to 15"):
        scope3.screen(sqlite_settings, P2026, 16, True, "x", "y", "Li Wei")
    with pytest.raises(EsgflowError, match="reason"):
        scope3.screen(sqlite_settings, P2026, 5, True, " ", "y", "Li Wei")
    assert "approved as relevant by Wang Fang" in scope3.approve(sqlite_settings, P2026, 6, "Wang Fang")
    rows = scope3.show(sqlite_settings, P2026)
    assert len(rows) == 15 and rows[5]["state"] == "relevant" and rows[5]["approved_by"] == "Wang Fang"
    assert {r["state"] for i, r in enumerate(rows) if i != 5} == {"unscreened"}
    json.dumps(rows)  # --json prints these as they are
    # a new screening replaces the old one and needs a new approval
    scope3.screen(sqlite_settings, P2026, 6, False, "travel moved to video calls", "spend review", "Li Wei")
    assert scope3.show(sqlite_settings, P2026)[5]["state"] == "pending_approval"
    trail = [(r.action, r.actor, r.reason) for r in audit_trail(sqlite_settings, P2026)]
    assert trail == [
        ("scope3_screened", "Li Wei", "engineers travel to sites"),
        ("scope3_approved", "Wang Fang", None),
        ("scope3_screened", "Li Wei", "travel moved to video calls"),
    ]


def test_only_approved_relevant_categories_get_figures_and_explain_reaches_the_factors(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    init_warehouse(sqlite_settings)
    record_values(sqlite_settings, "SAMI", "s3a", TRAVEL | MATERIALS, period=P2026)
    consolidate_period(sqlite_settings, P2026)
    for code in ("env_ghg_scope3_cat6", "env_ghg_scope3_cat1", "env_ghg_scope3_total"):
        with pytest.raises(EsgflowError, match=r"not screened|no Scope 3 category is screened"):  # no figure: why
            explain_figure(sqlite_settings, P2026, code)

    scope3.screen(sqlite_settings, P2026, 6, True, "site travel", "distance-based, DESNZ 2025", "Li Wei")
    scope3.screen(sqlite_settings, P2026, 1, False, "materials are the client's", "qualitative", "Li Wei")
    scope3.approve(sqlite_settings, P2026, 1, "Wang Fang")
    consolidate_period(sqlite_settings, P2026)
    with pytest.raises(EsgflowError, match="awaiting approval"):
        explain_figure(sqlite_settings, P2026, "env_ghg_scope3_cat6")

    scope3.approve(sqlite_settings, P2026, 6, "Wang Fang")
    consolidate_period(sqlite_settings, P2026)
    with pytest.raises(EsgflowError, match="not relevant"):
        explain_figure(sqlite_settings, P2026, "env_ghg_scope3_cat1")
    explained = explain_figure(sqlite_settings, P2026, "env_ghg_scope3_cat6")
    assert explained.agrees()
    cat6 = explained.tree
    hand = (10000 * Decimal("0.12786") + 40 * Decimal("53.5")) / 1000
    assert cat6.value is not None and abs(Decimal(str(cat6.value)) - hand) < Decimal("1e-9")
    nodes = _walk(cat6)
    used = {f.code: f for n in nodes for f in n.factors}
    assert set(used) == {"s3_air_short_haul", "s3_hotel_night"}
    assert "Open Government Licence" in used["s3_hotel_night"].publication and used["s3_hotel_night"].vintage == 2025
    cells = {c.indicator: c for n in nodes for c in n.cells}
    assert set(cells) == set(TRAVEL) and cells["env_scope3_hotel_nights"].cell == "D5"
    total = explain_figure(sqlite_settings, P2026, "env_ghg_scope3_total")
    assert total.agrees() and total.tree.value == cat6.value

    # the report: category 1 (not relevant) blank beside category 6, and the screening of all fifteen
    report_period(sqlite_settings, P2026, tmp_path / "report", ["zh", "en"])
    appendix = {r["code"]: r for r in csv.DictReader((tmp_path / "report" / "appendix.csv").open(encoding="utf-8"))}
    assert appendix["env_ghg_scope3_cat1"]["2026"] == "" and appendix["env_ghg_scope3_cat4"]["2026"] == ""
    assert Decimal(appendix["env_ghg_scope3_cat6"]["2026"]) == round(hand, 2)
    assert appendix["env_ghg_scope3_total"]["2026"] == appendix["env_ghg_scope3_cat6"]["2026"]
    screening = list(csv.DictReader((tmp_path / "report" / "scope3_screening.csv").open(encoding="utf-8")))
    assert [(r["category"], r["state"]) for r in screening[:7:5]] == [("1", "not_relevant"), ("6", "relevant")]
    assert screening[5]["approved_by"] == "Wang Fang" and screening[2]["state"] == "unscreened"
    zh = (tmp_path / "report" / "appendix.zh.html").read_text("utf-8")
    en = (tmp_path / "report" / "appendix.en.html").read_text("utf-8")
    assert 'id="scope3"' in zh and "不相关（已批准）" in zh and "未筛选" in zh and "Business travel" not in zh
    assert "not relevant (approved)" in en and "materials are the client&#x27;s" in en
    # every category has its appendix row; one without a figure is blank, never 0, and the page puts its
    # screening state in the period's cell, linked to the screening row
    assert [c for c in appendix if c.startswith("env_ghg_scope3_cat")] == [
        f"env_ghg_scope3_cat{n}" for n in range(1, 16)
    ]
    assert all(appendix[f"env_ghg_scope3_cat{n}"]["2026"] == "" for n in (*range(1, 6), *range(7, 16)))
    assert '<a class="state" href="#scope3-1">不相关（已批准）</a>' in zh
    assert (
        '<a class="state" href="#scope3-11">未筛选</a>' in zh
        and '<a class="state" href="#scope3-11">not screened' in en
    )
    with pytest.raises(EsgflowError, match="not screened"):
        explain_figure(sqlite_settings, P2026, "env_ghg_scope3_cat11")


def test_hkex_d28c_is_answered_by_the_complete_approved_screening_not_by_one_categorys_figure(
    sqlite_settings: Settings,
) -> None:
    init_warehouse(sqlite_settings)
    record_values(sqlite_settings, "SAMI", "s3d", TRAVEL, period=P2026)
    scope3.screen(sqlite_settings, P2026, 6, True, "site travel", "distance-based, DESNZ 2025", "Li Wei")
    scope3.approve(sqlite_settings, P2026, 6, "Wang Fang")
    consolidate_period(sqlite_settings, P2026)

    def d28c() -> ItemAnswer:
        return next(a for a in show_disclosure(sqlite_settings, P2026, "hkex") if a.item == "D28(c)")

    # category 6 has its figure, but fourteen categories are not screened: the item stays open
    assert d28c().status == "open" and d28c().codes == ()
    for n in (n for n in range(1, 16) if n != 6):
        scope3.screen(sqlite_settings, P2026, n, False, f"category {n} is not relevant here", "qualitative", "Li Wei")
        if n != 15:
            scope3.approve(sqlite_settings, P2026, n, "Wang Fang")
    assert d28c().status == "open"  # one screening still awaits its approval
    scope3.approve(sqlite_settings, P2026, 15, "Wang Fang")
    answered = d28c()
    assert answered.status == "answered"
    assert answered.codes == ("env_ghg_scope3_cat6", "env_ghg_scope3_total", SCREENING)
    assert load_catalog().answer_name(SCREENING, "zh") == "范围三类别筛选（15类均已批准）"


def test_a_spend_based_line_explains_to_its_cell_its_four_factors_and_says_it_is_not_primary(
    sqlite_settings: Settings,
) -> None:
    init_warehouse(sqlite_settings)
    record_values(sqlite_settings, "SAMI", "s3s", {"env_scope3_spend_capital_buildings": Decimal(3200)}, period=P2026)
    scope3.screen(
        sqlite_settings, P2026, 2, True, "the group builds its own offices", "spend-based, EPA v1.3", "Li Wei"
    )
    scope3.approve(sqlite_settings, P2026, 2, "Wang Fang")
    consolidate_period(sqlite_settings, P2026)
    explained = explain_figure(sqlite_settings, P2026, "env_ghg_scope3_cat2")
    assert explained.agrees()
    nodes = _walk(explained.tree)
    used = {f.code: f for n in nodes for f in n.factors}
    assert set(used) == {"s3_cny_per_usd_2024", "s3_us_cpi_2022", "s3_us_cpi_2024", "s3_eeio_buildings"}
    assert "236220" in used["s3_eeio_buildings"].publication and used["s3_cny_per_usd_2024"].vintage == 2024
    [line] = [n for n in nodes if n.cells]
    assert line.cells[0].indicator == "env_scope3_spend_capital_buildings"
    assert line.how.endswith("[spend-based, data not primary]")
    hand = Decimal(3200) * 10000 / Decimal("7.1217") * Decimal("292.655") / Decimal("313.689") * Decimal("0.224") / 1000
    assert abs(Decimal(str(explained.tree.value)) - hand) < Decimal("1e-6")
