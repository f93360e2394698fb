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


def test_a_real_portal_spends_each_link_once_and_logs_no_token(sqlite_settings: Settings, tmp_path: Path) -> None:
    """`esgflow portal` as deployed (uvicorn's access log on): a link signs in once, a second use or a use
    after sign-out asks for a new link, and neither the token nor the session id is in any log line."""
    import os
    import re
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from esgflow import jobs
    from tests.test_mail import _free_port

    jobs.init_warehouse(sqlite_settings)
    token = jobs.grant_access(sqlite_settings, "esg@office.example", None).rsplit("/", 1)[1]
    port = _free_port()
    env = {
        **os.environ,
        "ESGFLOW_HOME": str(sqlite_settings.home),
        "ESGFLOW_DATABASE_URL": sqlite_settings.database_url,
    }
    log = tmp_path / "portal.log"
    with log.open("wb") as out:
        portal = subprocess.Popen(
            [str(Path(sys.executable).parent / "esgflow"), "portal", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/signin/warming-up", timeout=5)
                except urllib.error.HTTPError:
                    break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            first = urllib.request.urlopen(f"{base}/signin/{token}", timeout=30)
            cookie = first.headers["set-cookie"]
            sid = re.search(r"esgflow_session=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
            assert first.status == 200 and len(sid) >= 43
            with_session = urllib.request.Request(f"{base}/?period=2024", headers={"Cookie": f"esgflow_session={sid}"})
            assert urllib.request.urlopen(with_session, timeout=30).status == 200
            try:
                urllib.request.urlopen(f"{base}/signin/{token}", timeout=30)
                raise AssertionError("a used link signed in again")
            except urllib.error.HTTPError as again:
                assert again.code == 401 and "works once" in again.read().decode()
        finally:
            portal.terminate()
            portal.wait(30)
    text = log.read_text()
    assert "GET /signin/[redacted] HTTP/1.1" in text  # uvicorn's access log was on, and redacted
    assert token not in text and sid not in text
