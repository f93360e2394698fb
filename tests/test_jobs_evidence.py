"""Attaching evidence: kept once per return or figure, with who, when and how; bounded per return."""

from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.intake.evidence import EvidenceRefused, stored_evidence
from esgflow.jobs import evidence
from esgflow.jobs.collection import ingest_files
from esgflow.jobs.evidence import attach_evidence, evidence_needs, period_evidence, waive_evidence
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period
from tests.returns_factory import fill, open_collection

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


def test_a_figure_needs_its_documents_until_attached_or_waived_with_a_reason(
    settings: Settings, tmp_path: Path
) -> None:
    period = parse_period("2025")
    templates = open_collection(settings, period, tmp_path / "tpl", ["SAMI"])
    sent = fill(templates["SAMI"], tmp_path / "in", {"env_electricity_green": 20000, "env_diesel": 80000})
    assert ingest_files(settings, [sent], docs=False)[0].status.startswith("accepted")
    needs = {n.indicator: n for n in evidence_needs(settings, period, "SAMI", 1)}
    assert {"env_electricity_green", "env_diesel"} <= set(needs) and needs["env_diesel"].value == 80000
    attach_evidence(settings, "SAMI", "2025", "env_electricity_green", PDF, "绿证.pdf", "portal", "r@sami.cn")
    with pytest.raises(EsgflowError, match="a reason"):
        waive_evidence(settings, period, "SAMI", "env_diesel", " ", "Wang Li")
    with pytest.raises(EsgflowError, match="needs no documents"):
        waive_evidence(settings, period, "SAMI", "soc_employees_total", "why", "Wang Li")
    waive_evidence(settings, period, "SAMI", "env_diesel", "总包方统一采购，发票在集团", "Wang Li")
    left = {n.indicator for n in evidence_needs(settings, period, "SAMI", 1)}
    assert not {"env_electricity_green", "env_diesel"} & left
    [waived] = [e for e in audit_trail(settings, period) if e.action == "evidence_waived"]
    assert (waived.actor, waived.entity, waived.reason) == ("Wang Li", "SAMI", "总包方统一采购，发票在集团")
    assert evidence_needs(settings, period, "GAMI", None) == []  # no return: nothing to document
