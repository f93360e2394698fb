"""Answered, explained or open (esgflow.report.answers): the rules, without a warehouse."""

from __future__ import annotations

from esgflow.records import DisclosureTextRecord
from esgflow.report.answers import answered_index, item_answers, open_findings
from esgflow.report.disclosure import IndexEntry

ENTRIES = [
    IndexEntry("hkex", "A1.2", ("env_ghg_scope1",), "排放", "Emissions", True),
    IndexEntry("hkex", "A2.5", (), "包装", "Packaging", True),
    IndexEntry("hkex", "B6.1", (), "回收", "Recalls", True),
    IndexEntry("gri", "2-6", (), "活动", "Activities", False),
]


def _text(item: str, kind: str, approved_by: str | None, period: str = "2025") -> DisclosureTextRecord:
    return DisclosureTextRecord(period, "hkex", item, kind, "中文", "English", "Wang Li", approved_by)


def test_a_figure_or_an_approved_narrative_answers_an_approved_explanation_explains() -> None:
    texts = [_text("A2.5", "explanation", "Zhang Wei"), _text("B6.1", "narrative", None)]
    answers = {a.item: a for a in item_answers(ENTRIES, {"env_ghg_scope1"}, texts)}
    assert {k: a.status for k, a in answers.items()} == {
        "A1.2": "answered",
        "A2.5": "explained",
        "B6.1": "open",  # written, not approved: nothing yet
        "2-6": "open",
    }
    assert answers["A1.2"].codes == ("env_ghg_scope1",)
    assert answers["B6.1"].to_json()["approved_by"] is None and answers["B6.1"].to_json()["text_en"] == "English"
    assert item_answers(ENTRIES, set(), [])[0].status == "open"  # an indicator without a figure answers nothing
    narrative = item_answers(ENTRIES, set(), [_text("B6.1", "narrative", "Zhang Wei")])
    assert narrative[2].status == "answered"


def test_an_earlier_approved_text_is_a_draft_and_only_open_mandatory_items_are_findings() -> None:
    earlier = [_text("A2.5", "explanation", "Zhang Wei", period="2024")]
    answers = item_answers(ENTRIES, {"env_ghg_scope1"}, [], earlier)
    carried = answers[1].to_json()
    assert (carried["status"], carried["carried_from"], carried["approved_by"]) == ("open", "2024", None)
    findings = open_findings(answers, "2025", ENTRIES)
    assert [f.rule for f in findings] == ["disclosure_open", "disclosure_open"]
    assert "item A2.5 (Packaging) is mandatory" in findings[0].message and "waits for approval" in findings[0].message
    assert "B6.1" in findings[1].message  # the optional GRI item is no finding

    shown = answered_index(ENTRIES, item_answers(ENTRIES, set(), [_text("A2.5", "explanation", "Zhang Wei")]))
    assert (shown[1].status, shown[1].text_en, shown[1].comply_or_explain) == ("explained", "English", False)
    assert (shown[2].status, shown[2].text_en, shown[2].comply_or_explain) == ("open", "", True)
