"""Who is asking: browser sessions started by a sign-in link, Bearer tokens for scripts, CSRF, rate limits.

A browser session keeps only the token's hash and a CSRF token, in this process's memory; the
grant behind it is looked up on every request, so a revoked sign-in ends its sessions at once.
A restart of the portal ends every session (the reporter opens their link again).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from esgflow.config import Settings
from esgflow.entities import reports_for
from esgflow.jobs.access import signed_in
from esgflow.portal.access import token_hash
from esgflow.records import AccessRecord

COOKIE = "esgflow_session"
SESSION_SECONDS = 12 * 3600  # a working day; the link signs in again after


@dataclass
class BrowserSession:
    token_digest: str
    csrf: str
    started: float = field(default_factory=time.monotonic)


class Sessions:
    """Session id -> session, in memory; ids are 256 random bits, never derived from the token."""

    def __init__(self, max_age: float = SESSION_SECONDS) -> None:
        self.max_age = max_age
        self._by_id: dict[str, BrowserSession] = {}
        self._lock = threading.Lock()

    def start(self, token_digest: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._by_id[sid] = BrowserSession(token_digest, secrets.token_urlsafe(32))
        return sid

    def get(self, sid: str | None) -> BrowserSession | None:
        if not sid:
            return None
        with self._lock:
            found = self._by_id.get(sid)
            if found and time.monotonic() - found.started > self.max_age:
                del self._by_id[sid]
                return None
            return found

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


class RateLimiter:
    """At most `limit` attempts per client address in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


def client_address(request: Request) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their grant, and the browser session (None for a script with a Bearer token)."""

    grant: AccessRecord
    session: BrowserSession | None = None

    def may_see(self, entity: str) -> bool:
        """The ESG office sees every entity; a reporter only their own."""
        return reports_for(None if self.grant.is_office else {self.grant.entity or ""}, entity)


def script_viewer(settings: Settings, request: Request, limiter: RateLimiter) -> Viewer:
    """The viewer behind a Bearer token, or 401; a failed token counts as a sign-in attempt."""
    token = bearer_token(request)
    grant = signed_in(settings, token_hash(token)) if token else None
    if grant is None:
        if not limiter.allow(client_address(request)):
            raise HTTPException(429, "too many sign-in attempts; wait a minute")
        raise HTTPException(401, "no valid token: send 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    return Viewer(grant)


def browser_viewer(settings: Settings, request: Request, sessions: Sessions) -> Viewer | None:
    """The viewer of a browser session whose grant still stands; a revoked grant ends the session."""
    sid = request.cookies.get(COOKIE)
    session = sessions.get(sid)
    if session is None:
        return None
    grant = signed_in(settings, session.token_digest)
    if grant is None:
        sessions.end(sid)
        return None
    return Viewer(grant, session)


def check_csrf(viewer: Viewer, given: str | None) -> None:
    """Every form carries its session's CSRF token; a forged form from elsewhere has none."""
    expected = viewer.session.csrf if viewer.session else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise HTTPException(403, "the form is not from this session (CSRF token missing or wrong); reload the page")
