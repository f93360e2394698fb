"""Who is asking: sessions, rate limits, Bearer tokens, CSRF, and what a viewer may see."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from esgflow.portal.auth import BrowserSession, RateLimiter, Sessions, Viewer, bearer_token, check_csrf
from esgflow.records import AccessRecord


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "method": "GET", "path": "/"})


def test_a_session_is_random_keeps_only_the_hash_and_ends() -> None:
    sessions = Sessions()
    a, b = sessions.start("hash-a"), sessions.start("hash-a")
    assert a != b and len(a) >= 43
    found = sessions.get(a)
    assert found and found.token_digest == "hash-a" and len(found.csrf) >= 43
    assert sessions.get(b).csrf != found.csrf  # type: ignore[union-attr]
    sessions.end(a)
    assert sessions.get(a) is None and sessions.get(None) is None and sessions.get("made-up") is None


def test_an_old_session_is_over() -> None:
    sessions = Sessions(max_age=-1)
    assert sessions.get(sessions.start("h")) is None


def test_the_limiter_counts_per_address() -> None:
    limiter = RateLimiter(limit=3, window=60)
    assert [limiter.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("10.0.0.2")
    assert RateLimiter(limit=1, window=-1).allow("x") and RateLimiter(limit=1, window=-1).allow("x")


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
