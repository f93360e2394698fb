"""The portal's application: body limit before anything is parsed, security headers, errors as JSON or HTML."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from esgflow.config import Settings
from esgflow.jobs.access import grant_access
from esgflow.jobs.collection import data_docs_index
from esgflow.jobs.setup import init_warehouse
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

    from tests.test_mail_sending import _free_port

    init_warehouse(sqlite_settings)
    token = grant_access(sqlite_settings, "esg@office.example", None).rsplit("/", 1)[1]
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


def _post_unsigned(app: Any, path: str, chunks: int, headers: dict[str, str]) -> tuple[int, int, dict[bytes, bytes]]:
    """(status, body chunks the app read, headers) of a POST with a large body from nobody signed in."""
    body = [{"type": "http.request", "body": b"x" * 1_000_000, "more_body": n < chunks - 1} for n in range(chunks)]
    read, sent = 0, []

    async def receive() -> dict:
        nonlocal read
        if body:
            read += 1
            return body.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-type", b"multipart/form-data; boundary=x"))
    scope = {"type": "http", "method": "POST", "path": path, "headers": raw, "query_string": b"", "app": app}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], read, dict(sent[0]["headers"])


def test_an_upload_from_nobody_signed_in_is_401_before_its_body_is_read(sqlite_settings: Settings) -> None:

    init_warehouse(sqlite_settings)
    app = create_app(sqlite_settings, warm=False)
    for path in ("/api/returns", "/entities/SAMI/returns", "/review/SAMI", "/signoff", "/signout"):
        for headers in ({}, {"Authorization": "Bearer made-up"}, {"Cookie": "esgflow_session=made-up"}):
            status, read, answer = _post_unsigned(app, path, 9, headers)
            assert (status, read) == (401, 0), (path, headers)
            assert answer[b"content-security-policy"] == CSP.encode() and answer[b"x-frame-options"] == b"DENY"


def test_no_redirect_is_built_from_the_host_header(sqlite_settings: Settings) -> None:

    init_warehouse(sqlite_settings)
    token = grant_access(sqlite_settings, "li@sami.example", "SAMI").rsplit("/", 1)[1]
    client = TestClient(create_app(sqlite_settings, warm=False), raise_server_exceptions=False)
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    for url in (f"/signin/{token}/", "/entities/SAMI/", "/review/", "/docs", "/", f"/signin/{token}"):
        answer = client.get(url, headers=evil, follow_redirects=False)
        assert "evil.example" not in answer.headers.get("location", ""), url
        assert "evil.example" not in answer.text, url
    assert client.get("/", follow_redirects=False).headers["location"] == "/entities/SAMI"  # relative, our own


def test_data_docs_are_served_sandboxed_without_scripts_and_nul_paths_are_404(
    sqlite_settings: Settings,
) -> None:
    from esgflow.portal.app import DOCS_CSP

    init_warehouse(sqlite_settings)
    index = data_docs_index(sqlite_settings)
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text("<html><script>fetch('/api/status?period=2024')</script></html>")
    (sqlite_settings.reports / "2024").mkdir(parents=True)
    token = grant_access(sqlite_settings, "esg@office.example", None).rsplit("/", 1)[1]
    client = TestClient(create_app(sqlite_settings, warm=False), raise_server_exceptions=False)
    assert client.get(f"/signin/{token}").status_code == 200
    docs = client.get("/docs/index.html")
    assert docs.status_code == 200 and docs.headers["content-security-policy"] == DOCS_CSP
    assert "sandbox" in DOCS_CSP and "script-src 'none'" in DOCS_CSP
    for url in ("/docs/%00", "/reports/%00", "/docs/index.html%00.png", "/reports/2024/%00/x", "/docs/%0a"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer.headers["content-security-policy"] and answer.headers["x-content-type-options"] == "nosniff"


def _portal_process(home: Path, port: int, log: Path, proxy: str | None, *more: str, wait: float = 60) -> Any:
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    env = {**os.environ, "ESGFLOW_HOME": str(home)}
    env.pop("ESGFLOW_PORTAL_PROXY", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    if proxy:
        env["ESGFLOW_PORTAL_PROXY"] = proxy
    out = log.open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "esgflow"), "portal", "--port", str(port), *more],
        env=env,
        stdout=out,
        stderr=out,
    )
    deadline = time.monotonic() + wait
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz-warming", timeout=5)
        except urllib.error.HTTPError:
            return process
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                process.wait(30)
                raise AssertionError(log.read_text()) from None
            time.sleep(0.2)


def test_x_forwarded_for_is_believed_only_from_the_configured_proxy(sqlite_settings: Settings, tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    from tests.test_mail_sending import _free_port

    init_warehouse(sqlite_settings)
    for proxy, eleventh in ((None, 429), ("127.0.0.1", 401)):
        port = _free_port()
        portal = _portal_process(sqlite_settings.home, port, tmp_path / f"portal-{eleventh}.log", proxy)
        try:
            codes = []
            for n in range(11):  # each claims to come from another address
                forged = urllib.request.Request(
                    f"http://127.0.0.1:{port}/signin/guess{n}", headers={"X-Forwarded-For": f"203.0.113.{n}"}
                )
                try:
                    urllib.request.urlopen(forged, timeout=30)
                except urllib.error.HTTPError as answer:
                    codes.append(answer.code)
            assert codes == [401] * 10 + [eleventh], proxy
        finally:
            portal.terminate()
            portal.wait(30)


def test_healthz_answers_200_when_warehouse_and_folders_are_there_and_503_naming_what_is_not(
    sqlite_settings: Settings,
) -> None:
    client = TestClient(create_app(sqlite_settings, warm=False))
    sqlite_settings.home.mkdir(parents=True)
    before = sorted(p.name for p in sqlite_settings.home.iterdir())
    down = client.get("/healthz")  # no warehouse yet: asking makes no database file
    assert down.status_code == 503 and down.json()["checks"]["warehouse"] != "ok"
    assert sorted(p.name for p in sqlite_settings.home.iterdir()) == before
    init_warehouse(sqlite_settings)
    up = client.get("/healthz")
    assert up.status_code == 200 and up.json()["status"] == "ok", up.json()
    assert up.headers["cache-control"] == "no-store"
    sqlite_settings.archive.write_text("a file where the archive folder should be")
    broken = client.get("/healthz")
    assert broken.status_code == 503 and broken.json()["checks"]["archive"] == "not a folder"
    assert sqlite_settings.database_url not in broken.text and str(sqlite_settings.home) not in broken.text


@pytest.mark.slow  # three portal processes, each loading Prefect and Great Expectations: about a minute
def test_portal_processes_on_one_warehouse_behave_as_one(sqlite_settings: Settings, tmp_path: Path) -> None:
    """A session started on one process is served, and ended, by another (here one started with
    --workers 2); sign-in failures counted by one are counted by all."""
    import re
    import urllib.error
    import urllib.request
    from datetime import date

    from esgflow.jobs.setup import open_cycle
    from esgflow.periods import parse_period
    from tests.test_mail_sending import _free_port

    init_warehouse(sqlite_settings)
    open_cycle(sqlite_settings, parse_period("2024"), date(2099, 12, 31), by="office")
    token = grant_access(sqlite_settings, "li@sami.example", "SAMI").rsplit("/", 1)[1]
    one, two = _free_port(), _free_port()
    first = _portal_process(sqlite_settings.home, one, tmp_path / "one.log", None)
    try:
        second = _portal_process(sqlite_settings.home, two, tmp_path / "two.log", None, "--workers", "2", wait=240)
    except AssertionError:
        first.terminate()
        first.wait(30)
        raise
    try:
        assert urllib.request.urlopen(f"http://127.0.0.1:{two}/healthz", timeout=30).status == 200
        signed = urllib.request.urlopen(f"http://127.0.0.1:{one}/signin/{token}", timeout=30)
        cookie = {"Cookie": signed.headers["set-cookie"].split(";", 1)[0]}
        page = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{two}/entities/SAMI", headers=cookie))
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.read().decode()).group(1)  # type: ignore[union-attr]
        out = urllib.request.Request(f"http://127.0.0.1:{two}/signout", data=f"csrf={csrf}".encode(), headers=cookie)
        assert urllib.request.urlopen(out, timeout=30).status == 200
        for port in (one, two):
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/entities/SAMI", headers=cookie))
                raise AssertionError("the session outlived its sign-out")
            except urllib.error.HTTPError as gone:
                assert gone.code == 401
        codes = []
        for n in range(11):  # ten failures at the first process, the eleventh refused by the second
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{one if n < 10 else two}/signin/guess{n}", timeout=30)
            except urllib.error.HTTPError as answer:
                codes.append(answer.code)
        assert codes == [401] * 10 + [429]
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(30)


WARMED = """
import sys
from fastapi.testclient import TestClient
from esgflow.catalog import load_catalog
from esgflow.checks import gx_run
from esgflow.config import load_settings
from esgflow.entities import load_registry
from esgflow.portal.app import create_app

app = create_app(load_settings(), record_apart=True)
before = (load_catalog.cache_info().currsize, load_registry.cache_info().currsize, len(gx_run._VALIDATORS))
with TestClient(app):
    after = (load_catalog.cache_info().currsize, load_registry.cache_info().currsize, len(gx_run._VALIDATORS))
    print(before, after, "esgflow.intake.ingest" in sys.modules, "great_expectations" in sys.modules)
"""


def test_a_starting_portal_makes_what_answers_use_before_its_first_request(sqlite_settings: Settings) -> None:
    """Each is kept per process but made by every thread asking before the first has it: 33 uploads reaching a
    fresh worker at once parsed the catalog 33 times. The start makes them once, Great Expectations aside."""
    init_warehouse(sqlite_settings)
    env = {**os.environ, "ESGFLOW_HOME": str(sqlite_settings.home)}
    said = subprocess.run([sys.executable, "-c", WARMED], env=env, capture_output=True, text=True, check=True)
    assert said.stdout.split("\n")[0] == "(0, 0, 0) (1, 1, 1) True False", said.stderr


def test_a_portal_starts_on_a_warehouse_without_its_schema(sqlite_settings: Settings) -> None:
    with TestClient(create_app(sqlite_settings, record_apart=True)) as client:  # nothing to warm: it says why
        assert client.get("/healthz").status_code == 503
    assert not (sqlite_settings.home / "esgflow.sqlite3").exists()
