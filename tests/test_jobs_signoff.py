"""The review and sign-off jobs (esgflow.jobs.signoff) behind `review`, `signoff` and `audit`."""

from __future__ import annotations

import csv
import email
from dataclasses import replace
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.cycle.review import Newer
from esgflow.cycle.states import RefusedMove
from esgflow.cycle.status import EntityStatus
from esgflow.demo.group import bundled_history
from esgflow.feedback.letter import LATE_CORRECTION
from esgflow.findings import Finding
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.figures import check_group, consolidate_period, explain_figure, report_period, restate_period
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.jobs.signoff import audit_trail, check_period, review_return, signoff_period
from esgflow.periods import parse_period
from tests.returns_factory import P2024, fill, load_demo_returns, open_collection

P2025 = parse_period("2025")


def _rows(settings: Settings) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(r.action, r.entity, r.version, r.state) for r in audit_trail(settings, P2025)]


def test_only_an_accepted_return_is_approved_and_a_returned_one_is_mailed_back(
    settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(settings, P2025, tmp_path / "tpl", ["SAMI", "OS-IN"])
    spoiled = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})
    good = fill(templates["OS-IN"], tmp_path / "in", {})
    outcomes = {o.entity: o.status for o in ingest_files(settings, [spoiled, good], docs=False)}
    assert outcomes["SAMI"] == "rejected" and outcomes["OS-IN"].startswith("accepted")

    with pytest.raises(RefusedMove, match="cannot approve SAMI 2025 version 1: it was rejected by the checks"):
        review_return(settings, P2025, "SAMI", "approved", by="Wang Li")
    with pytest.raises(EsgflowError, match="needs a reason"):
        review_return(settings, P2025, "OS-IN", "returned", " ", by="Wang Li")

    done = review_return(settings, P2025, "OS-IN", "returned", "Diesel looks a year old", by="Wang Li")
    assert (done.version, done.state, done.by) == (1, "returned", "Wang Li")
    [sent] = done.mailed
    message = email.message_from_bytes(Path(sent).read_bytes(), policy=policy.default)
    assert message["To"] == "esg.os-in@example.com" and "version 1" in message["Subject"]
    assert "Diesel looks a year old" in message.get_content()  # in English: OS-IN reports in English
    with pytest.raises(RefusedMove, match="it was returned to its reporters"):
        review_return(settings, P2025, "OS-IN", "approved", by="Wang Li")
    with pytest.raises(EsgflowError, match="cannot excuse OS-IN for 2025: it has a usable return"):
        review_return(settings, P2025, "OS-IN", "excused", "no data", by="Wang Li")

    reviews = {s.entity: (s.review, s.review_reason) for s in period_statuses(settings, P2025)}
    assert reviews["OS-IN"] == ("returned", "Diesel looks a year old") and reviews["SAMI"] == ("pending", None)
    assert _rows(settings) == [
        ("judged", "SAMI", 1, "rejected"),
        ("judged", "OS-IN", 1, "accepted"),
        ("returned", "OS-IN", 1, "returned"),
    ]
    assert audit_trail(settings, P2025)[-1].actor == "Wang Li"


def _status(settings: Settings, entity: str) -> EntityStatus:
    return next(s for s in period_statuses(settings, P2025) if s.entity == entity)


def _appendix(out: Path) -> dict[str, dict[str, str]]:
    with (out / "appendix.csv").open(encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def test_signoff_locks_the_period_until_a_late_correction_is_restated(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2025, tmp_path / "tpl", ["SAMI", "KMSI"])
    returns = [fill(templates[e], tmp_path / "in", {}) for e in ("SAMI", "KMSI")]
    assert all(o.status.startswith("accepted") for o in ingest_files(settings, returns, docs=False))
    review_return(settings, P2025, "SAMI", "approved", by="Wang Li")
    others = [s.entity for s in period_statuses(settings, P2025) if s.entity not in ("SAMI", "KMSI")]

    with pytest.raises(EsgflowError, match=r"cannot sign off 2025: neither approved nor excused: .*KMSI \(pending\)"):
        signoff_period(settings, P2025, "Zhang Wei")
    for entity in others:
        review_return(settings, P2025, entity, "excused", "not collected in this test", by="Wang Li")
    with pytest.raises(EsgflowError, match=r"neither approved nor excused: KMSI \(pending\)$"):
        signoff_period(settings, P2025, "Zhang Wei")
    review_return(settings, P2025, "KMSI", "approved", by="Wang Li")

    signed = signoff_period(settings, P2025, "Zhang Wei")
    assert signed.approved == ["SAMI v1", "KMSI v1"] and signed.figure_count > 0
    assert set(signed.excused) == set(others)
    with pytest.raises(EsgflowError, match=r"2025 was signed off by Zhang Wei on .*: it is locked"):
        signoff_period(settings, P2025, "Zhang Wei")
    first = report_period(settings, P2025, tmp_path / "signed", ["en"])
    assert first.table.signoff is not None and first.table.signoff.signed_by == "Zhang Wei"
    assert "signed off by Zhang Wei" in (tmp_path / "signed" / "appendix.en.html").read_text("utf-8")
    diesel = Decimal(_appendix(tmp_path / "signed")["env_diesel"]["2025"])

    # a late correction is judged and answered as usual, and changes no figure of 2025
    late = open_collection(settings, P2025, tmp_path / "tpl2", ["KMSI"])["KMSI"]
    [outcome] = ingest_files(settings, [fill(late, tmp_path / "late", {"env_diesel": 3000})], docs=False)
    assert outcome.status.startswith("accepted") and outcome.version == 2
    assert outcome.answer == "late_correction" and "late correction" in outcome.line()
    assert LATE_CORRECTION[0] in outcome.letter.read_text("utf-8")  # KMSI reads Chinese
    kmsi = _status(settings, "KMSI")  # the signed figures still stand on version 1; version 2 waits
    assert (kmsi.version, kmsi.figures_version, kmsi.review) == (2, 1, "approved")
    assert kmsi.newer == (Newer(2, "pending_review", True),)
    late_one = {"version": 2, "state": "pending_review", "late_correction": True, "reason": None}
    assert kmsi.to_json()["newer"] == [late_one]
    explained = explain_figure(settings, P2025, "env_diesel")  # explain says the same as status
    assert explained.to_json()["newer_versions"] == [{"entity": "KMSI", **late_one}]
    assert any("KMSI" in line and "late correction" in line for line in explained.lines(load_catalog()))
    assert consolidate_period(settings, P2025).signed_off_by == "Zhang Wei"
    again = report_period(settings, P2025, tmp_path / "again", ["en"])
    assert not again.consolidated_first
    assert Decimal(_appendix(tmp_path / "again")["env_diesel"]["2025"]) == diesel
    assert "2025_restated" not in _appendix(tmp_path / "again")["env_diesel"]

    pending = restate_period(settings, P2025, "late KMSI diesel correction", by="Zhang Wei")
    assert pending.changes == [] and [o.line() for o in pending.basis.left_out] == ["KMSI version 2 (pending review)"]
    approved = review_return(settings, P2025, "KMSI", "approved", by="Wang Li")  # the late correction
    assert (approved.version, approved.state) == (2, "approved")
    result = restate_period(settings, P2025, "late KMSI diesel correction", by="Zhang Wei")
    restated = _status(settings, "KMSI")
    assert (restated.figures_version, restated.newer) == (2, ())
    assert {c.indicator for c in result.changes} >= {"env_diesel"} and result.basis.used["KMSI"] == 2
    report_period(settings, P2025, tmp_path / "after", ["en"])
    after = _appendix(tmp_path / "after")
    assert Decimal(after["env_diesel"]["2025"]) == diesel  # what was signed off stands beside the restatement
    assert Decimal(after["env_diesel"]["2025_restated"]) != diesel

    trail = audit_trail(settings, P2025)
    steps = [(r.action, r.actor) for r in trail if r.action in ("signed_off", "restated")]
    assert steps == [("signed_off", "Zhang Wei"), ("restated", "Zhang Wei"), ("restated", "Zhang Wei")]
    assert trail[-1].reason == "late KMSI diesel correction"
    assert ("judged", "KMSI", 2, "accepted") in _rows(settings)
    assert {r["entity"] for r in next(r for r in trail if r.action == "signed_off").detail["returns"]} == {
        "SAMI",
        "KMSI",
    }


def test_only_errors_in_the_computed_figures_stop_a_signoff(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_warehouse(sqlite_settings)
    import_history_file(sqlite_settings, bundled_history())  # the published 2024 report contradicts itself
    load_demo_returns(sqlite_settings, P2024)
    consolidate_period(sqlite_settings, P2024)
    assert any(f.severity == "error" for f in check_group(sqlite_settings, P2024))
    for status in period_statuses(sqlite_settings, P2024):
        review_return(sqlite_settings, P2024, status.entity, "approved", by="Wang Li")

    real = check_period
    seen: list[set[str]] = []

    def with_an_error(figures, notes, period, *rest):  # type: ignore[no-untyped-def]
        seen.append({basis for (_, year, basis) in figures if year == period.code})
        error = Finding("derived_recomputed", "error", "computed 2024: the parts exceed the total", ("env_x",))
        return [*real(figures, notes, period, *rest), replace(error, period=period.code)]

    monkeypatch.setattr("esgflow.jobs.signoff.check_period", with_an_error)
    with pytest.raises(EsgflowError, match="1 group check errors are open: computed 2024: the parts exceed the total"):
        signoff_period(sqlite_settings, P2024, "Zhang Wei")
    assert seen == [{"computed"}]  # the published 2024 figures are not the period's own
    monkeypatch.setattr("esgflow.jobs.signoff.check_period", real)
    signed = signoff_period(sqlite_settings, P2024, "Zhang Wei")
    assert len(signed.approved) == 33 and signed.excused == {}
