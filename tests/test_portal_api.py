"""The portal's API for scripts: Bearer tokens, another entity's workbook, status by token."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.config import Settings
from esgflow.jobs.access import revoke_access
from esgflow.jobs.collection import entity_versions, ingest_files, period_statuses
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
