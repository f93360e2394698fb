"""The access jobs (esgflow.jobs.access): grants, revocations, reporters and their audit trail."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from esgflow import EsgflowError
from esgflow.cli import main
from esgflow.config import Settings
from esgflow.jobs.access import grant_access, issue_api_token, reporter_addresses, revoke_access
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import audit_trail
from esgflow.portal.access import token_hash
from esgflow.warehouse import db, reference
from esgflow.warehouse import models as m
from esgflow.warehouse.reference import grant_for_token


def test_a_grant_signs_in_until_revoked_and_makes_a_reporter(settings: Settings) -> None:
    init_warehouse(settings)
    link = grant_access(settings, "New.Reporter@sami.example", "SAMI")
    token = link.rsplit("/", 1)[1]
    assert link.startswith("http://127.0.0.1:8800/signin/")
    with db.session_scope(settings.database_url) as s:
        stored = s.scalars(s.query(m.AccessGrant.token_hash).statement).all()
        assert token not in stored and token_hash(token) in stored  # never the token itself
        assert grant_for_token(s, token_hash(token), datetime.now(UTC)) is None  # a link is no API token
    api = issue_api_token(settings, "new.reporter@sami.example", 30)
    with db.session_scope(settings.database_url) as s:
        grant = grant_for_token(s, token_hash(api), datetime.now(UTC))
        assert grant and (grant.email, grant.entity, grant.is_office) == ("new.reporter@sami.example", "SAMI", False)
    assert "new.reporter@sami.example" in reporter_addresses(settings)["SAMI"]
    assert "new.reporter@sami.example" not in reporter_addresses(settings).get("GAMI", set())
    assert revoke_access(settings, "NEW.REPORTER@sami.example") == 2  # the link and the API token
    with db.session_scope(settings.database_url) as s:
        assert grant_for_token(s, token_hash(api), datetime.now(UTC)) is None
    assert "new.reporter@sami.example" not in reporter_addresses(settings)["SAMI"]
    assert revoke_access(settings, "new.reporter@sami.example") == 0


def test_a_grant_can_mail_its_link_to_the_address(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    link = grant_access(sqlite_settings, "li@sami.example", "SAMI", mail=True)
    [sent] = [p for p in sqlite_settings.outbox.rglob("*.eml")]
    mail = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "li@sami.example" and link in mail.get_body().get_content()  # type: ignore[union-attr]


def test_an_office_grant_has_no_entity_and_an_unknown_entity_is_refused(settings: Settings) -> None:
    init_warehouse(settings)
    grant_access(settings, "esg@chalieco.example", None)
    token = issue_api_token(settings, "esg@chalieco.example", 1)
    with db.session_scope(settings.database_url) as s:
        grant = grant_for_token(s, token_hash(token), datetime.now(UTC))
    assert grant and grant.is_office and grant.entity is None
    with pytest.raises(EsgflowError, match="unknown entity 'NOPE'"):
        grant_access(settings, "x@y.example", "NOPE")


def test_registered_contacts_are_reporters_without_a_grant(settings: Settings) -> None:
    init_warehouse(settings)
    addresses = reporter_addresses(settings)
    with db.session_scope(settings.database_url) as s:
        contacts = reference.contacts(s)
    assert all({e.lower() for e in emails} <= addresses[entity] for entity, emails in contacts.items())


def test_grants_and_revokes_are_in_the_audit_trail(settings: Settings) -> None:
    init_warehouse(settings)
    grant_access(settings, "New.Reporter@sami.example", "SAMI")
    revoke_access(settings, "new.reporter@sami.example")
    revoke_access(settings, "new.reporter@sami.example")  # nothing left to end: nothing recorded
    trail = audit_trail(settings)
    assert [(r.action, r.entity, (r.detail or {}).get("email")) for r in trail] == [
        ("access_granted", "SAMI", "new.reporter@sami.example"),
        ("access_revoked", None, "new.reporter@sami.example"),
    ]
    assert all(r.actor and r.at for r in trail)


def test_an_auditors_grant_is_read_only_for_its_period_and_so_are_its_tokens(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ESGFLOW_HOME", str(sqlite_settings.home))
    init_warehouse(sqlite_settings)
    assert main(["access", "grant", "--auditor", "--email", "assurer@firm.example", "--period", "2024"]) == 0
    assert "an auditor (read-only, period 2024)" in capsys.readouterr().out
    token = issue_api_token(sqlite_settings, "assurer@firm.example", 30)
    with db.session_scope(sqlite_settings.database_url) as s:
        grant = grant_for_token(s, token_hash(token), datetime.now(UTC))
    assert grant is not None and grant.is_auditor and not grant.is_office and grant.period == "2024"
    assert grant.entity is None  # and no entity's reporter: a return mailed from it is no one's
    assert not any("assurer@firm.example" in found for found in reporter_addresses(sqlite_settings).values())
    granted = [e for e in audit_trail(sqlite_settings) if e.action == "access_granted"]
    assert granted[-1].detail == {**granted[-1].detail, "role": "auditor", "period": "2024"}
    with pytest.raises(EsgflowError, match="every entity"):
        grant_access(sqlite_settings, "assurer@firm.example", "SAMI", auditor=True)
    with pytest.raises(EsgflowError, match="--period is for an auditor"):
        grant_access(sqlite_settings, "reporter@sami.example", "SAMI", period="2024")
    assert main(["access", "grant", "--entity", "SAMI", "--email", "r@sami.example", "--period", "2024"]) == 1
