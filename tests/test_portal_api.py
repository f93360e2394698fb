"""The portal's API for scripts: Bearer tokens, another entity's workbook, status by token."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.config import Settings
from esgflow.jobs.access import grant_access, issue_api_token, revoke_access
from esgflow.jobs.assurance import sample_period
from esgflow.jobs.collection import entity_versions, ingest_files, period_statuses
from esgflow.jobs.evidence import period_evidence
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.signoff import audit_trail, review_return, signoff_period
from esgflow.periods import parse_period
from tests.portal_world import ENTITIES, PERIOD, WRONG, World, make_world


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> World:
    return make_world(settings, tmp_path)  # SQLite and PostgreSQL


def test_a_return_gets_its_outcome_and_findings_as_json(world: World) -> None:
    client = world.client()
    wrong = world.workbook("SAMI", WRONG)
    answer = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (wrong.name, wrong.read_bytes())})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in ("file", "status", "entity", "period", "version")} == {
        "file": wrong.name,
        "status": "rejected",
        "entity": "SAMI",
        "period": PERIOD,
        "version": 1,
    }
    first = body["findings"][0]
    assert set(first) >= {"period", "rule", "severity", "indicators", "entity", "message", "expected", "actual"}
    assert first["sheet"] and first["cell"] and first["entity"] == "SAMI"
    fixed = world.workbook("SAMI", {}, name="SAMI_2024_v2.xlsx")
    again = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (fixed.name, fixed.read_bytes())})
    assert (again.json()["status"], again.json()["version"]) == ("accepted", 2)


def test_another_entitys_workbook_is_403_and_changes_nothing(world: World) -> None:
    client = world.client()
    other = world.workbook("GAMI")
    answer = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (other.name, other.read_bytes())})
    assert answer.status_code == 403
    assert entity_versions(world.settings, "GAMI", parse_period(PERIOD)) == []
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []
    assert not world.settings.archive.exists() or not any(world.settings.archive.rglob("*.xlsx"))


def test_no_bad_or_revoked_token_is_401(world: World) -> None:
    client = world.client()
    path = world.workbook("SAMI")
    files = {"file": (path.name, path.read_bytes())}
    assert client.post("/api/returns", files=files).status_code == 401
    assert client.post("/api/returns", headers={"Authorization": "Bearer nonsense"}, files=files).status_code == 401
    assert client.get(f"/api/status?period={PERIOD}", headers=world.bearer("SAMI")).status_code == 200
    revoke_access(world.settings, "reporter@sami.example")
    assert client.get(f"/api/status?period={PERIOD}", headers=world.bearer("SAMI")).status_code == 401
    assert client.post("/api/returns", headers=world.bearer("SAMI"), files=files).status_code == 401
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []


def test_status_is_the_tokens_own_entity_or_every_one_for_the_office(world: World) -> None:
    client = world.client()
    own = client.get(f"/api/status?period={PERIOD}", headers=world.bearer("GAMI")).json()
    assert [r["entity"] for r in own] == ["GAMI"]
    assert set(own[0]) >= {"entity", "status", "version", "received_at", "errors", "warnings"}
    every = client.get(f"/api/status?period={PERIOD}", headers=world.bearer("office")).json()
    assert {"SAMI", "GAMI", "OS-IN"} <= {r["entity"] for r in every} and len(every) > 3
    assert client.get("/api/status?period=nope", headers=world.bearer("office")).status_code == 400


def test_guessing_tokens_is_rate_limited(world: World) -> None:
    client = world.client(signin_limit=3)
    codes = [client.get("/api/status?period=2024", headers={"Authorization": "Bearer x"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_returned_version_is_returned_with_its_reason_in_the_api_and_the_reporters_page(world: World) -> None:
    client = world.client()
    sent = world.workbook("SAMI")
    posted = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (sent.name, sent.read_bytes())})
    assert posted.json()["status"].startswith("accepted")
    review_return(world.settings, parse_period(PERIOD), "SAMI", "returned", "柴油数据像是去年的", by="Wang Li")
    [record] = client.get(f"/api/status?period={PERIOD}", headers=world.bearer("SAMI")).json()
    reviewed = (record["review"], record["review_reason"], record["figures_version"])
    assert reviewed == ("returned", "柴油数据像是去年的", 1)
    page = world.signed_in("SAMI").get(f"/entities/SAMI?period={PERIOD}").text
    assert "已退回修改" in page and "柴油数据像是去年的" in page
    judged = next(r for r in audit_trail(world.settings, parse_period(PERIOD)) if r.action == "judged")
    assert judged.detail  # who submitted it, and how: in `audit`
    assert (judged.detail["channel"], judged.detail["submitted_by"]) == ("portal", world.email("SAMI"))


def test_a_return_after_signoff_is_answered_as_a_late_correction(world: World) -> None:
    period = parse_period(PERIOD)
    for entity in ENTITIES:  # every other entity of the group excused: a sign-off needs each one decided
        sent = world.workbook(entity)
        assert ingest_files(world.settings, [sent], docs=False)[0].status.startswith("accepted")
        review_return(world.settings, period, entity, "approved", by="Wang Li")
    for s in period_statuses(world.settings, period):
        if s.entity not in ENTITIES:
            review_return(world.settings, period, s.entity, "excused", "not in this test", by="Wang Li")
    signoff_period(world.settings, period, "Zhang Wei")
    late = world.workbook("SAMI", {"env_diesel": Decimal("3000")}, name="SAMI_2024_late.xlsx")
    client = world.client()
    answer = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (late.name, late.read_bytes())})
    assert (answer.json()["status"], answer.json()["version"]) == ("late_correction", 2)
    [record] = client.get(f"/api/status?period={PERIOD}", headers=world.bearer("SAMI")).json()
    assert (record["version"], record["figures_version"], record["review"]) == (2, 1, "approved")
    assert record["newer"] == [{"version": 2, "state": "pending_review", "late_correction": True, "reason": None}]
    page = world.signed_in("SAMI").get(f"/entities/SAMI?period={PERIOD}").text
    assert "计入已签署数据的版本" in page and "签署后收到的更正" in page


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_evidence_is_kept_once_for_the_tokens_own_entity_and_another_entitys_is_403(world: World) -> None:
    client = world.client()
    bill = {"file": ("env_electricity 2024 bill.pdf", PDF)}
    form = {"period": PERIOD, "indicator": "env_electricity"}
    answer = client.post("/api/evidence", headers=world.bearer("SAMI"), files=bill, data=form)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in ("entity", "period", "indicator")} == {
        "entity": "SAMI",
        "period": PERIOD,
        "indicator": "env_electricity",
    }
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and isinstance(body["id"], int)
    again = client.post("/api/evidence", headers=world.bearer("SAMI"), files=bill, data=form)
    assert again.json()["id"] == body["id"]  # stored once
    theirs = client.post("/api/evidence", headers=world.bearer("SAMI"), files=bill, data={**form, "entity": "GAMI"})
    assert theirs.status_code == 403
    assert period_evidence(world.settings, PERIOD, "GAMI") == []
    whole = client.post("/api/evidence", headers=world.bearer("SAMI"), files=bill, data={"period": PERIOD})
    assert whole.json()["indicator"] is None and whole.json()["id"] != body["id"]
    active = {"file": ("bill.pdf", PDF.replace(b"/Type /Catalog", b"/OpenAction << /S /JavaScript >>"))}
    assert client.post("/api/evidence", headers=world.bearer("SAMI"), files=active, data=form).status_code == 422
    script = {"file": ("bill.pdf", b"#!/bin/sh\nrm -rf /\n")}
    assert client.post("/api/evidence", headers=world.bearer("SAMI"), files=script, data=form).status_code == 422
    assert client.post("/api/evidence", files=bill, data=form).status_code == 401
    assert [e.id for e in period_evidence(world.settings, PERIOD, "SAMI")] == [body["id"], whole.json()["id"]]


def test_an_auditor_reads_every_entity_of_its_period_and_writes_nothing(world: World) -> None:
    email = "assurer@firm.example"
    link = grant_access(world.settings, email, None, auditor=True, period=PERIOD)
    token = {"Authorization": f"Bearer {issue_api_token(world.settings, email, 30)}"}
    client = world.client()
    every = client.get(f"/api/status?period={PERIOD}", headers=token)
    assert every.status_code == 200 and {"SAMI", "GAMI"} <= {r["entity"] for r in every.json()}
    assert client.get("/api/status?period=2023", headers=token).status_code == 403  # not its period
    sami = world.workbook("SAMI")
    assert client.post("/api/returns", headers=token, files={"file": (sami.name, sami.read_bytes())}).status_code == 403
    bill = {"file": ("bill.pdf", PDF)}
    for form in ({"period": PERIOD, "entity": "SAMI"}, {"period": PERIOD}):
        assert client.post("/api/evidence", headers=token, files=bill, data=form).status_code == 403
    browser = world.client()
    assert browser.get(f"/signin/{link.rsplit('/', 1)[1]}").status_code == 200
    page = browser.get(f"/entities/SAMI?period={PERIOD}")
    assert page.status_code == 200  # reads another entity's page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    upload = browser.post("/entities/SAMI/returns", data={"csrf": csrf}, files={"file": (sami.name, sami.read_bytes())})
    assert upload.status_code == 403
    decided = browser.post(f"/review/SAMI?period={PERIOD}", data={"csrf": csrf, "decision": "approved"})
    assert decided.status_code == 403
    assert browser.post(f"/signoff?period={PERIOD}", data={"csrf": csrf}).status_code == 403
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []
    assert period_evidence(world.settings, PERIOD) == []


def test_an_auditor_appends_results_on_sampled_inputs_and_no_one_else_may(world: World) -> None:
    client = world.client()
    sami = world.workbook("SAMI")
    sent = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (sami.name, sami.read_bytes())})
    assert sent.json()["status"] in ("accepted", "accepted_with_warnings")
    consolidate_period(world.settings, parse_period(PERIOD))
    [item] = sample_period(world.settings, parse_period(PERIOD), 1, seed=5).items
    grant_access(world.settings, "assurer@firm.example", None, auditor=True, period=PERIOD)
    auditor = {"Authorization": f"Bearer {issue_api_token(world.settings, 'assurer@firm.example', 30)}"}
    agreed = {"period": PERIOD, "observation_id": str(item.observation_id), "result": "agreed"}
    answer = client.post("/api/assurance/results", headers=auditor, data=agreed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["entity"] == "SAMI" and answer.json()["result"] == "agreed"
    later = {**agreed, "result": "difference", "amount": "-12.5", "comment": "the bill says 12.5 less"}
    assert client.post("/api/assurance/results", headers=auditor, data=later).status_code == 200
    for who in ("SAMI", "office"):
        assert client.post("/api/assurance/results", headers=world.bearer(who), data=agreed).status_code == 403
    no_amount = {**later, "amount": ""}
    assert client.post("/api/assurance/results", headers=auditor, data=no_amount).status_code == 422
    unsampled = {**agreed, "observation_id": str(item.observation_id + 100000)}
    assert client.post("/api/assurance/results", headers=auditor, data=unsampled).status_code == 422
    results = [e for e in audit_trail(world.settings, parse_period(PERIOD)) if e.action == "assurance_result"]
    assert [(e.actor, e.state, e.detail["amount"]) for e in results] == [
        ("assurer@firm.example", "agreed", None),
        ("assurer@firm.example", "difference", "-12.5"),
    ]  # appended, the first kept
