"""The disclosure texts (esgflow.warehouse.disclosure) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.records import DisclosureTextRecord
from esgflow.warehouse import db
from esgflow.warehouse.disclosure import (
    approve_text,
    disclosure_texts,
    earlier_approved_texts,
    text_of,
    write_text,
)

P2023, P2024, P2025 = parse_period("2023"), parse_period("2024"), parse_period("2025")


def _text(period: str, item: str, en: str) -> DisclosureTextRecord:
    return DisclosureTextRecord(period, "hkex", item, "explanation", "说明", en, "Wang Li", None)


def test_texts_are_kept_per_period_rewritten_unapproved_and_the_newest_approved_one_is_found(
    settings: Settings,
) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        assert write_text(s, P2023, _text("2023", "A2.5", "old")) is None
        approve_text(s, P2023, "hkex", "A2.5", "Zhang Wei")
        write_text(s, P2024, _text("2024", "A2.5", "first"))
        approve_text(s, P2024, "hkex", "A2.5", "Zhang Wei")
        write_text(s, P2024, _text("2024", "B6.1", "never approved"))
    with db.session_scope(settings.database_url) as s:
        before = write_text(s, P2024, _text("2024", "A2.5", "second"))
        assert before is not None and (before.text_en, before.approved_by) == ("first", "Zhang Wei")
    with db.session_scope(settings.database_url) as s:
        texts = disclosure_texts(s, P2024)
        assert [(t.item, t.text_en, t.approved_by) for t in texts] == [
            ("A2.5", "second", None),
            ("B6.1", "never approved", None),
        ]
        # 2024's A2.5 is no longer approved, so 2025 is offered 2023's; B6.1 was never approved
        assert [(t.period, t.item, t.text_en) for t in earlier_approved_texts(s, P2025)] == [("2023", "A2.5", "old")]
        assert text_of(s, P2025, "hkex", "A2.5") is None
        write_text(s, P2025, replace(_text("2025", "A2.5", "old"), approved_by="Zhang Wei", carried_from="2023"))
    with db.session_scope(settings.database_url) as s:
        kept = text_of(s, P2025, "hkex", "A2.5")
        assert kept is not None and (kept.approved_by, kept.carried_from) == ("Zhang Wei", "2023")
