"""A reporter's walk through the portal in headless chromium: sign in, download the template, fill it,
upload it with a wrong figure, read the findings, upload the fix, see it accepted; then the office."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from esgflow.config import Settings
from esgflow.portal.app import create_app
from tests.chromium import Chromium
from tests.portal_world import WRONG, World, make_world
from tests.returns_factory import fill


@pytest.fixture
def served(sqlite_settings: Settings, tmp_path: Path) -> Iterator[tuple[World, str]]:
    world = make_world(sqlite_settings, tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(world.settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield world, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    given = os.environ.get("ESGFLOW_TEST_ARTEFACTS")
    return Path(given) / "portal" if given else tmp_path / "artefacts"


@pytest.mark.slow
def test_a_reporter_walks_from_the_link_to_an_accepted_return(
    served: tuple[World, str], artefacts: Path, tmp_path: Path
) -> None:
    world, base = served
    browser = Chromium(tmp_path / "profile", tmp_path / "downloads")
    try:
        browser.navigate(f"{base}/signin/{world.tokens['SAMI']}")
        browser.wait_for("location.pathname === '/entities/SAMI'")
        assert "截止日期" in browser.evaluate("document.body.innerText")
        browser.screenshot(artefacts / "1_entity_page.png")

        browser.evaluate("document.querySelector('a.button').click()")  # the template, as a download
        template = tmp_path / "downloads" / "SAMI_2024.xlsx"
        deadline = time.monotonic() + 30
        while not template.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        wrong = fill(template, tmp_path / "filled", WRONG)

        browser.set_file("input[type=file]", wrong)
        browser.evaluate("document.querySelector('form[enctype] button').click()")
        banner = browser.wait_for("document.querySelector('.banner') && document.querySelector('.banner').innerText")
        assert "未接受" in banner
        text = browser.evaluate("document.body.innerText")
        assert "E12" in text and "总用水量" in text and "超出允许范围" in text
        browser.screenshot(artefacts / "2_findings.png")

        browser.navigate(f"{base}/entities/SAMI")
        browser.wait_for("!!document.querySelector('input[type=file]')")
        fixed = fill(template, tmp_path / "filled", {}, name="SAMI_2024_fixed.xlsx")
        browser.set_file("input[type=file]", fixed)
        browser.evaluate("document.querySelector('form[enctype] button').click()")
        banner = browser.wait_for("document.querySelector('.banner') && document.querySelector('.banner').innerText")
        assert "版本 2" in banner and "已接受" in banner
        browser.screenshot(artefacts / "3_accepted.png")

        browser.navigate(f"{base}/entities/SAMI")
        browser.wait_for("!!document.querySelector('#v2')")
        assert "与上一版相比的变动" in browser.evaluate("document.querySelector('#v2').innerText")
        browser.screenshot(artefacts / "4_versions.png")

        browser.navigate(f"{base}/entities/GAMI")  # another entity's page, whatever the URL
        browser.wait_for("document.body && document.body.innerText.includes('403')")

        office = Chromium(tmp_path / "office-profile", tmp_path / "office-downloads")
        try:
            office.navigate(f"{base}/signin/{world.tokens['office']}")
            office.wait_for("!!document.querySelector('.bar')")
            assert "SAMI" in office.evaluate("document.body.innerText")
            office.screenshot(artefacts / "5_office.png")
        finally:
            office.close()
    finally:
        browser.close()
