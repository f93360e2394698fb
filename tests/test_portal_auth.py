"""Who is asking: sessions, rate limits, Bearer tokens, CSRF, and what a viewer may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import HTTPException
from sqlalchemy import update
from starlette.requests import Request

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.jobs.access import access_rows, grant_access, issue_api_token, revoke_access, revoke_grant, signed_in
from esgflow.jobs.setup import init_warehouse
from esgflow.portal.access import token_hash
from esgflow.portal.auth import BrowserSession, RateLimiter, Sessions, Viewer, bearer_token, check_csrf
from esgflow.records import AccessRecord
from esgflow.warehouse import db
from esgflow.warehouse import models as m


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


def _link(settings: Settings, email: str = "a@sami.example", entity: str | None = "SAMI") -> str:
    return token_hash(grant_access(settings, email, entity).rsplit("/", 1)[1])


def test_a_link_starts_one_session_a_random_id_kept_only_as_its_hash(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    sessions = Sessions(sqlite_settings)
    link = _link(sqlite_settings)
    started = sessions.start(link)
    assert started is not None and len(started[0]) >= 43 and started[1].entity == "SAMI"
    assert sessions.start(link) is None  # a link is exchanged once
    sid = started[0]
    found = sessions.get(sid)
    assert found and found[0].email == "a@sami.example" and len(found[1].csrf) >= 43
    other = sessions.start(_link(sqlite_settings))
    assert other and sessions.get(other[0])[1].csrf != found[1].csrf  # type: ignore[index]
    listed = repr(access_rows(sqlite_settings))
    assert sid not in listed and token_hash(sid) not in listed and link not in listed  # the list shows no secret
    sessions.end(sid)
    assert sessions.get(sid) is None and sessions.get(None) is None and sessions.get("made-up") is None
    assert sessions.get(other[0]) is not None


def test_an_old_session_or_link_is_over(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    started = Sessions(sqlite_settings, max_age=-1).start(_link(sqlite_settings))
    assert started and Sessions(sqlite_settings).get(started[0]) is None
    expired = load_settings({"ESGFLOW_HOME": str(sqlite_settings.home), "ESGFLOW_SIGNIN_LINK_DAYS": "1"})
    link = _link(expired)
    with db.session_scope(sqlite_settings.database_url) as s:  # a week later
        s.execute(update(m.AccessGrant).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert Sessions(sqlite_settings).start(link) is None


def test_revoking_ends_sessions_and_api_tokens_and_tokens_are_scripts_only(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="has no sign-in"):
        issue_api_token(sqlite_settings, "nobody@sami.example", 30)
    sessions = Sessions(sqlite_settings)
    link = _link(sqlite_settings)
    sid = sessions.start(link)[0]  # type: ignore[index]
    token = issue_api_token(sqlite_settings, "a@sami.example", 30)
    assert signed_in(sqlite_settings, token_hash(token)).entity == "SAMI"  # type: ignore[union-attr]
    assert signed_in(sqlite_settings, link) is None  # a sign-in link is no API token
    [(gid, *_), *_] = access_rows(sqlite_settings)[0]
    assert revoke_grant(sqlite_settings, gid) and sessions.get(sid) is None  # one grant, and its sessions
    assert signed_in(sqlite_settings, token_hash(token)) is not None  # the token stands until the address goes
    revoke_access(sqlite_settings, "a@sami.example")
    assert signed_in(sqlite_settings, token_hash(token)) is None


def test_the_limiter_counts_failures_per_address_in_the_warehouse_for_every_process(
    sqlite_settings: Settings,
) -> None:
    init_warehouse(sqlite_settings)
    limiter = RateLimiter(sqlite_settings, limit=3, window=60)
    assert all(limiter.allow("10.0.0.1") for _ in range(20))  # good sign-ins cost nothing
    allowed = []
    for _ in range(4):
        allowed.append(limiter.allow("10.0.0.1"))
        limiter.failed("10.0.0.1")
    assert allowed == [True, True, True, False] and limiter.allow("10.0.0.2")
    # another portal process (or this one restarted) counts the same failures
    assert not RateLimiter(sqlite_settings, limit=3, window=60).allow("10.0.0.1")
    assert RateLimiter(sqlite_settings, limit=3, window=-1).allow("10.0.0.1")  # failures older than the window


def test_a_bearer_token_is_read_from_the_authorization_header() -> None:
    assert bearer_token(_request({"Authorization": "Bearer abc"})) == "abc"
    assert bearer_token(_request({"Authorization": "bearer  abc "})) == "abc"
    assert bearer_token(_request({"Authorization": "Basic abc"})) is None
    assert bearer_token(_request({"Authorization": "Bearer "})) is None
    assert bearer_token(_request({})) is None


def test_csrf_must_match_the_session() -> None:
    viewer = Viewer(AccessRecord(1, "a@b.example", "SAMI"), BrowserSession("h", "the-token"))
    check_csrf(viewer, "the-token")
    for given in (None, "", "other"):
        with pytest.raises(HTTPException) as raised:
            check_csrf(viewer, given)
        assert raised.value.status_code == 403
    with pytest.raises(HTTPException):
        check_csrf(Viewer(AccessRecord(1, "a@b.example", "SAMI")), "the-token")  # a script has no form session


def test_a_reporter_sees_only_their_entity_and_the_office_every_one() -> None:
    reporter = Viewer(AccessRecord(1, "a@b.example", "SAMI"))
    office = Viewer(AccessRecord(2, "esg@b.example", None))
    assert reporter.may_see("SAMI") and not reporter.may_see("GAMI")
    assert office.may_see("SAMI") and office.may_see("GAMI")
