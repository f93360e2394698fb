"""The portal's application: routes, limits, security headers, and `serve` for `esgflow portal`."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.checks.gx_run import validator_for
from esgflow.config import Settings, load_settings
from esgflow.jobs.access import signed_in
from esgflow.jobs.collection import warm_answers
from esgflow.jobs.health import health
from esgflow.portal import api, assurer, pages, review
from esgflow.portal.access import token_hash
from esgflow.portal.auth import COOKIE, RateLimiter, Sessions, bearer_token
from esgflow.portal.render import refusal, render, word
from esgflow.portal.uploads import MAX_UPLOAD_BYTES

logger = logging.getLogger(__name__)
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8800
WORKER_STARTUP_SECONDS = 120
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the CSRF field around the file
# Our pages load nothing from elsewhere and run no script.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
# Data Docs pages are generated from what reporters wrote: they are shown sandboxed (a unique origin,
# no script, no form), their own styles, images and fonts allowed, so nothing in them runs as the office.
DOCS_CSP = (
    "sandbox; default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; form-action 'none'; frame-ancestors 'none'"
)
# Requests that carry a body: their sender is checked before a byte of the body is read.
_GUARDED = re.compile(
    r"^/(?:entities/[^/]+/(?:returns|evidence)|api/returns|api/evidence|review/[^/]+|signoff|signout|assurance/results|requests/[^/]+)$"
)


@dataclass
class Portal:
    """What the routes share: the settings, the browser sessions and the sign-in limiter."""

    settings: Settings
    sessions: Sessions
    signins: RateLimiter
    record_apart: bool = False  # Great Expectations records the uploads in a recorder process (uploads.refresh_docs)


_SECRET_PATH = re.compile(r"(/signin/)[^/?#\s\"]+")


def redacted(text: str) -> str:
    """A request line or path without the sign-in token in it."""
    return _SECRET_PATH.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Keep sign-in tokens out of every log line (uvicorn's access log writes each request's path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        return True


def _redact_logs() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn", __name__):
        found = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in found.filters):
            found.addFilter(RedactTokens())


SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",  # sign-in links never leak to other sites
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
}


class TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413 before the form is parsed or anything stored."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(scope, receive, send)
        seen, started = 0, False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge
            return message

        async def sending(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except TooLarge:
            if not started:
                await _too_large(scope, receive, send)


class AuthFirst:
    """A POST that carries a body (an upload, a form) from nobody signed in is answered 401 before its body
    is read: no upload is parsed, spooled or stored for a sender without a live session or API token."""

    def __init__(self, app: Any, portal: Portal) -> None:
        self.app, self.portal = app, portal

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not _GUARDED.match(scope["path"]):
            return await self.app(scope, receive, send)
        request = Request(scope)
        token = bearer_token(request)
        if token:
            known = await run_in_threadpool(signed_in, self.portal.settings, token_hash(token))
        else:
            known = await run_in_threadpool(self.portal.sessions.get, request.cookies.get(COOKIE))
        if known:
            return await self.app(scope, receive, send)
        text = "not signed in: open your sign-in link again, or send 'Authorization: Bearer <token>'"
        headers = {"Connection": "close", "WWW-Authenticate": "Bearer", **SECURITY_HEADERS}
        await JSONResponse({"detail": text}, 401, headers=headers)(scope, receive, send)


async def _too_large(scope: Any, receive: Any, send: Any) -> None:
    text = f"the upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    response = JSONResponse({"detail": text}, 413, headers={"Connection": "close", **SECURITY_HEADERS})
    await response(scope, receive, send)


def create_app(
    settings: Settings,
    signin_limit: int = 10,
    signin_window: float = 60.0,
    warm: bool = True,
    record_apart: bool = False,
) -> FastAPI:
    """The portal for one esgflow home and warehouse.

    warm: before taking requests, make what every answer uses (esgflow.jobs.collection.warm_answers: a
    fresh worker hit by a burst of uploads made it once per upload); and load Great Expectations in the
    background, so that recording the first uploads (after their answers, esgflow.checks.recorder) does
    not hold the next answers up.
    record_apart: leave that record to a recorder process instead (what `serve` does): this process
    then never loads Great Expectations, and no answer waits for it.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:
            try:
                warm_answers(settings)
            except EsgflowError as exc:  # a warehouse without its schema yet: the pages say so, the portal starts
                logger.warning("portal: nothing warmed before the first answer: %s", exc)
        if warm and not record_apart:
            validator = validator_for(settings.home, load_catalog())
            threading.Thread(target=validator.set_up, daemon=True).start()
        yield

    _redact_logs()
    app = FastAPI(
        title="esgflow portal",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        redirect_slashes=False,  # its redirect is built from the Host header a client sent
    )
    app.router.redirect_slashes = False
    limiter = RateLimiter(settings, signin_limit, signin_window)
    app.state.portal = Portal(settings, Sessions(settings), limiter, record_apart)
    app.include_router(pages.router)
    app.include_router(review.router)
    app.include_router(assurer.router)
    app.include_router(api.router)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """For the proxy and the monitoring: 200 when every check passes, else 503 naming what failed."""
        checks = health(settings)
        good = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if good else "failing", "checks": checks}, 200 if good else 503)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        # the signed-in viewer's language where known (a reporter reads their entity's), else the page's
        lang = pages.page_lang(request, getattr(request.state, "viewer", None))
        text = refusal(exc.status_code, str(exc.detail), lang)
        page = render("message.html", lang, viewer=None, heading=str(exc.status_code), text=text, back="/")
        return HTMLResponse(page, exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        try:
            response: Response = await call_next(request)
        except Exception:  # an unforeseen fault is still a page with our headers, and no trace
            logger.exception("portal: %s %s failed", request.method, redacted(request.url.path))
            response = PlainTextResponse("internal error; the ESG office can find it in the portal's log", 500)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["Content-Security-Policy"] = DOCS_CSP if request.url.path.startswith("/docs/") else CSP
        return response

    app.add_middleware(AuthFirst, portal=app.state.portal)
    app.add_middleware(BodyLimit, limit=MAX_UPLOAD_BYTES + FORM_OVERHEAD)
    return app


def from_environment() -> FastAPI:
    """The portal of the settings in the environment: what each of `serve`'s worker processes runs."""
    return create_app(load_settings(), record_apart=True)


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = 1) -> None:
    """Run the portal until stopped, in `workers` processes on one port (they share nothing but the
    warehouse, which holds every session, CSRF token, sign-in failure and upload count, so they behave
    as one). Behind a TLS proxy, the client's address and scheme are taken from X-Forwarded-For/-Proto
    only when sent by the proxy configured (ESGFLOW_PORTAL_PROXY); without one, from nobody, loopback
    included (any local process could otherwise claim any address)."""
    import uvicorn

    proxy = settings.portal_proxy
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": bool(proxy),
        "forwarded_allow_ips": proxy or "",
        "log_level": "info",
    }
    if workers > 1:  # uvicorn starts each worker from an import string; they read the same environment
        # a worker imports Great Expectations and Prefect before it answers its supervisor's first
        # ping: on a busy machine that takes longer than uvicorn's 5 s, and it would be killed again and again
        uvicorn.run(
            "esgflow.portal.app:from_environment",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
            **options,
        )
    else:
        uvicorn.run(create_app(settings, record_apart=True), **options)


__all__ = ["create_app", "serve", "word"]
