"""Attaching evidence: kept once per return or figure, with who, when and how; bounded per return."""

import pytest

from esgflow.config import Settings
from esgflow.intake.evidence import EvidenceRefused, stored_evidence
from esgflow.jobs import evidence
from esgflow.jobs.evidence import attach_evidence, period_evidence
from esgflow.jobs.setup import init_warehouse

PDF = b"%PDF-1.4\n%%EOF\n"


def test_attached_with_who_when_and_channel_and_bounded(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_warehouse(sqlite_settings)
    kept = attach_evidence(sqlite_settings, "SAMI", "2024", "env_diesel", PDF, "invoice.pdf", "mail", "a@sami.cn")
    assert (kept.entity, kept.period, kept.indicator, kept.channel, kept.sent_by) == (
        "SAMI", "2024", "env_diesel", "mail", "a@sami.cn",
    )  # fmt: skip
    assert kept.sent_at.tzinfo is not None and kept.kind == "pdf" and kept.size == len(PDF)
    assert stored_evidence(sqlite_settings.archive, kept.sha256, "pdf").read_bytes() == PDF
    same = attach_evidence(sqlite_settings, "SAMI", "2024", "env_diesel", PDF, "copy.pdf", "api", "b@sami.cn")
    assert same.id == kept.id
    with pytest.raises(EvidenceRefused, match="unknown indicator"):
        attach_evidence(sqlite_settings, "SAMI", "2024", "env_nothing", PDF, "x.pdf", "api", "a@sami.cn")
    monkeypatch.setattr(evidence, "MAX_PER_RETURN", 2)
    attach_evidence(sqlite_settings, "SAMI", "2024", None, PDF, "invoice.pdf", "portal", "a@sami.cn")
    with pytest.raises(EvidenceRefused, match="already has 2 documents"):
        attach_evidence(sqlite_settings, "SAMI", "2024", "env_gasoline", PDF, "x.pdf", "api", "a@sami.cn")
    assert [e.indicator for e in period_evidence(sqlite_settings, "2024")] == ["env_diesel", None]
    assert period_evidence(sqlite_settings, "2024", "GAMI") == []
