"""Who is asking: browser sessions started by a sign-in link, Bearer tokens for scripts, CSRF, rate limits.

A sign-in link is exchanged once for a browser session; the session is kept in the warehouse
by the hash of its id (every portal process sees it), with its CSRF token, until it expires,
its reporter signs out, or the grant behind it is revoked (looked up on every request, so a
revoked sign-in ends its sessions at once). Scripts send an API token of their own.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request

from esgflow.config import Settings
from esgflow.entities import reports_for
from esgflow.jobs.access import end_session, failed_signins, open_session, portal_event, session_grant, signed_in
from esgflow.portal.access import token_hash
from esgflow.records import AccessRecord, PortalEvent

COOKIE = "esgflow_session"
SESSION_SECONDS = 12 * 3600  # a working day; the link signs in again after


@dataclass
class BrowserSession:
    sid_digest: str
    csrf: str


class Sessions:
    """Browser sessions in the warehouse; ids are 256 random bits, never derived from the link, kept as hashes."""

    def __init__(self, settings: Settings, max_age: float = SESSION_SECONDS) -> None:
        self.settings, self.max_age = settings, max_age

    def start(self, token_digest: str) -> tuple[str, AccessRecord] | None:
        """Exchange a sign-in link for a new session: (its id, the grant); None when the link is spent."""
        sid = secrets.token_urlsafe(32)
        grant = open_session(self.settings, token_digest, token_hash(sid), secrets.token_urlsafe(32), self.max_age)
        return (sid, grant) if grant else None

    def get(self, sid: str | None) -> tuple[AccessRecord, BrowserSession] | None:
        if not sid:
            return None
        found = session_grant(self.settings, token_hash(sid))
        return (found[0], BrowserSession(token_hash(sid), found[1])) if found else None

    def end(self, sid: str | None) -> None:
        if sid:
            end_session(self.settings, token_hash(sid))


class RateLimiter:
    """At most `limit` failed sign-ins per client address in any `window` seconds; a good sign-in costs
    nothing. The failures are rows of the portal's log in the warehouse, so every portal process behind
    the proxy counts the same ones, and a restart forgives nobody."""

    def __init__(self, settings: Settings, limit: int, window: float) -> None:
        self.settings, self.limit, self.window = settings, limit, window

    def allow(self, client: str) -> bool:
        """Whether `client` may try now (fewer than `limit` failures in the window)."""
        return failed_signins(self.settings, client, self.window) < self.limit

    def failed(self, client: str, detail: str | None = None) -> None:
        """Count one failed attempt of `client` (a row of the portal's log)."""
        portal_event(self.settings, PortalEvent("signin", "failed", client, detail=detail))


def client_address(request: Request) -> str:
    """The client's address: the connection's, or the X-Forwarded-For of the one proxy configured
    (ESGFLOW_PORTAL_PROXY; uvicorn puts it here only for that address, never for loopback by default)."""
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
        """The ESG office and an auditor see every entity; a reporter only their own."""
        every = self.grant.is_office or self.grant.is_auditor
        return reports_for(None if every else {self.grant.entity or ""}, entity)

    def may_write(self, entity: str) -> bool:
        """Whether the viewer may send or attach anything for an entity: an auditor never may."""
        return not self.grant.is_auditor and self.may_see(entity)

    def may_read_period(self, period: str) -> bool:
        """An auditor's sign-in for one period reads only that period; everyone else reads every one."""
        return not self.grant.is_auditor or self.grant.period in (None, period)


def script_viewer(settings: Settings, request: Request, limiter: RateLimiter) -> Viewer:
    """The viewer behind a Bearer token, or 401; a wrong token counts as a failed sign-in (no token at all
    guesses nothing, and is answered without a look at the warehouse)."""
    token = bearer_token(request)
    grant = signed_in(settings, token_hash(token)) if token else None
    if grant is None:
        if token and not limiter.allow(client_address(request)):
            raise HTTPException(429, "too many sign-in attempts; wait a minute")
        if token:
            limiter.failed(client_address(request), "API token")
        raise HTTPException(401, "no valid token: send 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    return Viewer(grant)


def browser_viewer(settings: Settings, request: Request, sessions: Sessions) -> Viewer | None:
    """The viewer of a live browser session whose grant still stands (a revoked grant ends its sessions)."""
    found = sessions.get(request.cookies.get(COOKIE))
    return Viewer(*found) if found else None


def check_csrf(viewer: Viewer, given: str | None) -> None:
    """Every form carries its session's CSRF token; a forged form from elsewhere has none."""
    expected = viewer.session.csrf if viewer.session else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise HTTPException(403, "the form is not from this session (CSRF token missing or wrong); reload the page")
