"""Sign-in tokens and grants: kept as hashes, revocable, and the address becomes one of the entity's reporters."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from esgflow import EsgflowError, jobs
from esgflow.access import checked_address, new_token, signin_link, token_hash
from esgflow.config import Settings
from esgflow.warehouse import db, queries
from esgflow.warehouse import models as m


def test_tokens_are_long_random_and_kept_only_as_hashes() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 43 and token_hash(a) != a and len(token_hash(a)) == 64
    assert signin_link("http://esg.example:8800/", a) == f"http://esg.example:8800/signin/{a}"


def test_an_address_is_checked_and_kept_in_lower_case() -> None:
    assert checked_address(" Li.Wei@Chalieco.COM ") == "li.wei@chalieco.com"
    with pytest.raises(EsgflowError, match="is not an e-mail address"):
        checked_address("li wei")


def test_a_grant_signs_in_until_revoked_and_makes_a_reporter(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    link = jobs.grant_access(settings, "New.Reporter@sami.example", "SAMI")
    token = link.rsplit("/", 1)[1]
    assert link.startswith("http://127.0.0.1:8800/signin/")
    with db.session_scope(settings.database_url) as s:
        stored = s.scalars(s.query(m.AccessGrant.token_hash).statement).all()
        assert token not in stored and token_hash(token) in stored  # never the token itself
        assert queries.grant_for_token(s, token_hash(token), datetime.now(UTC)) is None  # a link is no API token
    api = jobs.issue_api_token(settings, "new.reporter@sami.example", 30)
    with db.session_scope(settings.database_url) as s:
        grant = queries.grant_for_token(s, token_hash(api), datetime.now(UTC))
        assert grant and (grant.email, grant.entity, grant.is_office) == ("new.reporter@sami.example", "SAMI", False)
    assert "new.reporter@sami.example" in jobs.reporter_addresses(settings)["SAMI"]
    assert "new.reporter@sami.example" not in jobs.reporter_addresses(settings).get("GAMI", set())
    assert jobs.revoke_access(settings, "NEW.REPORTER@sami.example") == 2  # the link and the API token
    with db.session_scope(settings.database_url) as s:
        assert queries.grant_for_token(s, token_hash(api), datetime.now(UTC)) is None
    assert "new.reporter@sami.example" not in jobs.reporter_addresses(settings)["SAMI"]
    assert jobs.revoke_access(settings, "new.reporter@sami.example") == 0


def test_a_grant_can_mail_its_link_to_the_address(sqlite_settings: Settings) -> None:
    jobs.init_warehouse(sqlite_settings)
    link = jobs.grant_access(sqlite_settings, "li@sami.example", "SAMI", mail=True)
    [sent] = [p for p in sqlite_settings.outbox.rglob("*.eml")]
    mail = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "li@sami.example" and link in mail.get_body().get_content()  # type: ignore[union-attr]


def test_an_office_grant_has_no_entity_and_an_unknown_entity_is_refused(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    jobs.grant_access(settings, "esg@chalieco.example", None)
    token = jobs.issue_api_token(settings, "esg@chalieco.example", 1)
    with db.session_scope(settings.database_url) as s:
        grant = queries.grant_for_token(s, token_hash(token), datetime.now(UTC))
    assert grant and grant.is_office and grant.entity is None
    with pytest.raises(EsgflowError, match="unknown entity 'NOPE'"):
        jobs.grant_access(settings, "x@y.example", "NOPE")


def test_registered_contacts_are_reporters_without_a_grant(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    addresses = jobs.reporter_addresses(settings)
    with db.session_scope(settings.database_url) as s:
        contacts = queries.contacts(s)
    assert all({e.lower() for e in emails} <= addresses[entity] for entity, emails in contacts.items())


def test_grants_and_revokes_are_in_the_audit_trail(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    jobs.grant_access(settings, "New.Reporter@sami.example", "SAMI")
    jobs.revoke_access(settings, "new.reporter@sami.example")
    jobs.revoke_access(settings, "new.reporter@sami.example")  # nothing left to end: nothing recorded
    trail = jobs.audit_trail(settings)
    assert [(r.action, r.entity, (r.detail or {}).get("email")) for r in trail] == [
        ("access_granted", "SAMI", "new.reporter@sami.example"),
        ("access_revoked", None, "new.reporter@sami.example"),
    ]
    assert all(r.actor and r.at for r in trail)
