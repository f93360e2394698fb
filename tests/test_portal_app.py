"""The portal's application: body limit before anything is parsed, security headers, errors as JSON or HTML."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from esgflow.config import Settings
from esgflow.portal.app import CSP, BodyLimit, create_app


def _run(app: Any, body_chunks: list[bytes], length: int | None) -> tuple[int, bool]:
    sent: list[dict] = []
    reached = False

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        nonlocal reached
        reached = True
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    last = len(body_chunks) - 1
    messages = [{"type": "http.request", "body": c, "more_body": i < last} for i, c in enumerate(body_chunks)]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"content-length", str(length).encode())] if length is not None else []
    scope = {"type": "http", "method": "POST", "headers": headers, "path": "/x"}
    asyncio.run(BodyLimit(inner, limit=10)(scope, receive, send))
    return sent[0]["status"], reached


def test_a_body_over_the_limit_is_413_declared_or_streamed() -> None:
    assert _run(None, [b"12345"], 5) == (200, True)
    assert _run(None, [b"x" * 11], 11) == (413, False)  # refused on its declared length, unread
    assert _run(None, [b"x" * 6, b"x" * 6], None)[0] == 413  # chunked, no length: counted as it comes


def test_pages_carry_security_headers_and_errors_fit_the_caller(sqlite_settings: Settings, tmp_path: Path) -> None:
    client = TestClient(create_app(sqlite_settings, warm=False))
    page = client.get("/")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP and page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    api = client.get("/api/status?period=2024")
    assert api.status_code == 401 and "detail" in api.json() and api.headers["www-authenticate"] == "Bearer"
