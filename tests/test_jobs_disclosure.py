"""The disclosure jobs (esgflow.jobs.disclosure) behind `esgflow disclosure`, on SQLite and a real PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.jobs.disclosure import approve_disclosure, disclosure_findings, show_disclosure, write_disclosure
from esgflow.jobs.figures import check_group, report_period
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period
from tests.returns_factory import warehouse_with_history

P2024, P2025 = parse_period("2024"), parse_period("2025")
WHY = ("本集团不生产制成品，不使用包装材料。", "The group makes no finished products and uses no packaging.")


def _with_diesel(settings: Settings, tmp_path: Path) -> str:
    """A warehouse holding only the group's published 2024 diesel; the HKEX item that figure answers."""
    warehouse_with_history(settings, tmp_path, "env_diesel,env,柴油,吨,t,1.0,,2.0,3.5\n")
    return load_catalog()["env_diesel"].disclosure["hkex"][0]


def _item(settings: Settings, period: str, item: str) -> dict[str, object]:
    return next(a.to_json() for a in show_disclosure(settings, parse_period(period), "hkex") if a.item == item)


def test_an_item_is_answered_by_a_figure_explained_by_an_approved_text_and_open_otherwise(
    settings: Settings, tmp_path: Path
) -> None:
    diesel_item = _with_diesel(settings, tmp_path)
    answered = _item(settings, "2024", diesel_item)
    assert (answered["status"], answered["codes"], answered["mandatory"]) == ("answered", ["env_diesel"], True)
    assert _item(settings, "2023", "A2.5")["status"] == "open"  # no text, and no indicator answers packaging

    write_disclosure(settings, P2024, "hkex", "A2.5", "explanation", WHY, "Wang Li")
    waiting = _item(settings, "2024", "A2.5")
    assert (waiting["status"], waiting["written_by"], waiting["approved_by"]) == ("open", "Wang Li", None)
    assert waiting["text_zh"] == WHY[0] and waiting["text_en"] == WHY[1]
    with pytest.raises(EsgflowError, match=r"Wang Li wrote the hkex A2\.5 text for 2024 and cannot approve it"):
        approve_disclosure(settings, P2024, "hkex", "A2.5", "Wang Li")
    assert _item(settings, "2024", "A2.5")["status"] == "open"  # unapproved text is not an explanation

    approve_disclosure(settings, P2024, "hkex", "A2.5", "Zhang Wei")
    explained = _item(settings, "2024", "A2.5")
    assert (explained["status"], explained["approved_by"]) == ("explained", "Zhang Wei")
    with pytest.raises(EsgflowError, match="already approved by Zhang Wei"):
        approve_disclosure(settings, P2024, "hkex", "A2.5", "Chen Jing")

    # a rewrite waits for approval again
    write_disclosure(settings, P2024, "hkex", "A2.5", "explanation", (WHY[0], WHY[1] + " Still."), "Chen Jing")
    assert _item(settings, "2024", "A2.5")["status"] == "open"
    trail = [(r.action, r.actor, r.reason) for r in audit_trail(settings, P2024) if r.action.startswith("disclosure")]
    assert trail == [
        ("disclosure_written", "Wang Li", "hkex A2.5"),
        ("disclosure_approved", "Zhang Wei", "hkex A2.5"),
        ("disclosure_written", "Chen Jing", "hkex A2.5"),
    ]


def test_a_narrative_answers_and_an_approved_text_is_carried_to_the_next_period_as_a_draft(
    settings: Settings, tmp_path: Path
) -> None:
    _with_diesel(settings, tmp_path)
    write_disclosure(settings, P2024, "hkex", "B6.1", "narrative", ("本集团无产品回收。", "No recalls."), "Wang Li")
    approve_disclosure(settings, P2024, "hkex", "B6.1", "Zhang Wei")
    assert _item(settings, "2024", "B6.1")["status"] == "answered"

    draft = _item(settings, "2025", "B6.1")
    assert (draft["status"], draft["carried_from"], draft["approved_by"]) == ("open", "2024", None)
    assert draft["text_en"] == "No recalls." and draft["written_by"] == "Wang Li"
    with pytest.raises(EsgflowError, match="cannot approve it"):
        approve_disclosure(settings, P2025, "hkex", "B6.1", "Wang Li")
    confirmed = approve_disclosure(settings, P2025, "hkex", "B6.1", "Zhang Wei")
    assert confirmed.carried_from == "2024"
    assert _item(settings, "2025", "B6.1")["status"] == "answered"
    with pytest.raises(EsgflowError, match="has no text for 2025 to approve"):
        approve_disclosure(settings, P2025, "hkex", "A2.5", "Zhang Wei")
    with pytest.raises(EsgflowError, match="hkex has no item 'Z9'"):
        write_disclosure(settings, P2025, "hkex", "Z9", "explanation", WHY, "Wang Li")
    with pytest.raises(EsgflowError, match="needs both --text-zh and --text-en"):
        write_disclosure(settings, P2025, "hkex", "A2.5", "explanation", ("", "x"), "Wang Li")


@pytest.mark.slow  # about 22 s: the group checks build their Data Docs, and the report writes every page
def test_check_finds_each_open_mandatory_item_and_the_report_shows_and_counts_them(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    diesel_item = _with_diesel(sqlite_settings, tmp_path)
    write_disclosure(sqlite_settings, P2024, "hkex", "A2.5", "explanation", WHY, "Wang Li")
    approve_disclosure(sqlite_settings, P2024, "hkex", "A2.5", "Zhang Wei")
    write_disclosure(sqlite_settings, P2024, "sse", "第二十条", "explanation", WHY, "Wang Li")  # not approved

    open_items = {
        (a.framework, a.item) for a in show_disclosure(sqlite_settings, P2024) if a.mandatory and a.status == "open"
    }
    found = {f.message.split(" item ")[1].split(" ")[0] for f in disclosure_findings(sqlite_settings, P2024)}
    assert ("hkex", "A2.5") not in open_items and ("hkex", diesel_item) not in open_items
    assert ("sse", "第二十条") in open_items and "第二十条" in found and "A2.5" not in found
    assert len(found) == len(open_items) > 0
    opened = [f for f in check_group(sqlite_settings, P2024) if f.rule == "disclosure_open"]
    assert len(opened) == len(open_items) and all(f.severity == "warning" and f.period == "2024" for f in opened)

    files = report_period(sqlite_settings, P2024, tmp_path / "out", ["en"])
    assert len(files.open_items) == len(open_items)
    with (tmp_path / "out" / "disclosure_index.csv").open(encoding="utf-8") as f:
        rows = {(r["framework"], r["item"]): r for r in csv.DictReader(f)}
    assert rows[("hkex", "A2.5")]["status"] == "explained" and rows[("hkex", "A2.5")]["text_en"] == WHY[1]
    assert rows[("sse", "第二十条")]["status"] == "open" and rows[("sse", "第二十条")]["text_en"] == ""
    assert rows[("hkex", diesel_item)]["status"] == "answered"
    sheet = load_workbook(tmp_path / "out" / "appendix.xlsx")["披露索引 Index"]
    shown = {(r[1], r[5]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert ("A2.5", "已解释 explained") in shown and WHY[1] in shown[("A2.5", "已解释 explained")]
    assert ("第二十条", "未回应 open") in shown
    page = (tmp_path / "out" / "appendix.en.html").read_text("utf-8")
    assert WHY[1] in page and f"{len(open_items)} open" in page
    assert f"Mandatory framework items neither answered nor explained: {len(open_items)} (" in page
