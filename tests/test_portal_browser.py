"""A reporter's walk through the portal in headless chromium: sign in, download the template, fill it,
upload it with a wrong figure, read the findings, upload the fix, see it accepted; then the office, which
approves one return, returns another with a reason, and signs the period off."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from esgflow.config import Settings
from esgflow.jobs.access import grant_access
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.signoff import audit_trail, review_return
from esgflow.periods import parse_period
from esgflow.portal.app import create_app
from tests.chromium import Chromium
from tests.portal_world import ENTITIES, PERIOD, WRONG, World, make_world
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
        assert re.search(r"\bE\d+\b", text) and "总用水量" in text and "超出允许范围" in text
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


def _submit(browser: Chromium, form: str) -> None:
    """Press the button of a form as a person would; the page comes back from the server."""
    browser.evaluate("document.body.dataset.left = '1'")
    browser.evaluate(f"document.querySelector({form!r}).querySelector('button').click()")
    browser.wait_for("document.body && !document.body.dataset.left && !!document.querySelector('#signoff')")


@pytest.mark.slow
def test_the_office_approves_returns_and_signs_off_in_the_browser(
    served: tuple[World, str], artefacts: Path, tmp_path: Path
) -> None:
    world, base = served
    period = parse_period(PERIOD)
    sent = [world.workbook("SAMI"), world.workbook("GAMI"), world.workbook("OS-IN", WRONG)]
    ingest_files(world.settings, sent, docs=False)
    for status in period_statuses(world.settings, period):  # the rest of the group, to keep to the point
        if status.entity not in ENTITIES:
            review_return(world.settings, period, status.entity, "excused", "not in this walk", by="Wang Li")
    office = Chromium(tmp_path / "office-profile", tmp_path / "office-downloads")
    try:
        office.navigate(f"{base}/signin/{world.tokens['office']}")
        office.wait_for("!!document.querySelector('.bar')")
        office.evaluate("document.querySelector('a[href^=\"/review\"]').click()")
        office.wait_for("!!document.querySelector('#signoff')")
        waiting = office.evaluate("document.querySelector('#signoff').innerText")
        assert "尚不能签署" in waiting and "GAMI （待审核）" in waiting
        office.screenshot(artefacts / "6_review.png")

        _submit(office, "#SAMI form")
        assert "SAMI · 已核准" in office.evaluate("document.querySelector('.banner.done').innerText")
        office.evaluate("document.querySelector('#GAMI input[name=reason]').value = '用水总量约为去年两倍，请核实'")
        _submit(office, "#GAMI form:nth-of-type(2)")
        assert "GAMI · 已退回修改" in office.evaluate("document.querySelector('.banner.done').innerText")
        office.screenshot(artefacts / "7_approved_and_returned.png")
        reporter = Chromium(tmp_path / "gami-profile", tmp_path / "gami-downloads")  # GAMI's reporter looks
        try:
            link = grant_access(world.settings, "reporter2@gami.example", "GAMI").rsplit("/", 1)[1]
            reporter.navigate(f"{base}/signin/{link}")
            reporter.wait_for("location.pathname === '/entities/GAMI'")
            reporter.wait_for("!!document.querySelector('.review-reason')")
            seen = reporter.evaluate("document.body.innerText")
            assert "已退回修改" in seen and "用水总量约为去年两倍，请核实" in seen  # returned, with the reason
            reporter.screenshot(artefacts / "7b_reporter_sees_returned.png")
        finally:
            reporter.close()

        fixed = world.workbook("GAMI", name="GAMI_2024_fixed.xlsx")  # GAMI's reporters send the correction
        assert ingest_files(world.settings, [fixed], docs=False)[0].version == 2
        office.navigate(f"{base}/review?period={PERIOD}")
        office.wait_for("!!document.querySelector('#GAMI form')")
        _submit(office, "#GAMI form")
        office.evaluate("document.querySelector('#OS-IN input[name=reason]').value = '2024 年已转让，不再纳入范围'")
        _submit(office, "#OS-IN form")
        text = office.evaluate("document.querySelector('#signoff').innerText")
        assert "所有单位均已核准或豁免" in text and "esg@office.example" in text
        office.screenshot(artefacts / "8_ready_to_sign.png")

        office.evaluate("document.querySelector('#signoff input[name=name]').value = '张伟'")  # name and confirm
        office.evaluate("document.querySelector('#signoff input[name=confirm]').checked = true")
        _submit(office, "#signoff form")
        assert "签署人： 张伟 <esg@office.example>" in office.evaluate("document.querySelector('#signoff').innerText")
        office.screenshot(artefacts / "9_signed_off.png")
        office.navigate(f"{base}/review?period={PERIOD}&lang=en")
        office.wait_for("!!document.querySelector('#signoff')")
        office.screenshot(artefacts / "10_signed_off_en.png")
    finally:
        office.close()
    trail = [(r.actor, r.action, r.entity, r.version) for r in audit_trail(world.settings, period)]
    assert [row for row in trail if row[0] == "esg@office.example"] == [
        ("esg@office.example", "approved", "SAMI", 1),
        ("esg@office.example", "returned", "GAMI", 1),
        ("esg@office.example", "approved", "GAMI", 2),
        ("esg@office.example", "excused", "OS-IN", None),
    ]
    assert [row for row in trail if row[1] == "signed_off"] == [("张伟 <esg@office.example>", "signed_off", None, None)]


@pytest.mark.slow
def test_an_auditor_follows_a_group_figure_to_its_evidence_and_records_a_result(
    served: tuple[World, str], artefacts: Path, tmp_path: Path
) -> None:
    from esgflow.jobs.assurance import sample_period, sampled_items
    from esgflow.jobs.evidence import attach_evidence
    from esgflow.jobs.figures import consolidate_period

    world, base = served
    period = parse_period(PERIOD)
    ingest_files(world.settings, [world.workbook("SAMI"), world.workbook("GAMI")], docs=False)
    consolidate_period(world.settings, period)
    bill = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    attach_evidence(
        world.settings, "SAMI", PERIOD, "env_electricity", bill, "2024年电费单.pdf", "portal", "li@sami.example"
    )
    [item] = sample_period(world.settings, period, 0, seed=3, named=[("SAMI", "env_electricity")]).items
    link = grant_access(world.settings, "assurer@firm.example", None, auditor=True, period=PERIOD).rsplit("/", 1)[1]
    auditor = Chromium(tmp_path / "auditor-profile", tmp_path / "auditor-downloads")
    try:
        auditor.navigate(f"{base}/signin/{link}")
        auditor.wait_for("location.pathname === '/assurance'")
        auditor.wait_for("!!document.querySelector('#figures')")
        assert "2024年电费单.pdf" in auditor.evaluate("document.body.innerText")
        auditor.screenshot(artefacts / "11_auditor_overview.png")

        auditor.evaluate("document.querySelector('a[href^=\"/assurance/explain/env_ghg_total\"]').click()")
        # the whole page, not its first part: under load a long page is still arriving when its tree starts
        auditor.wait_for(
            "location.pathname.startsWith('/assurance/explain/') && document.readyState === 'complete'"
            " && !!document.querySelector('ul.tree')"
        )
        bill_link = 'a.to-evidence[href*="entity=SAMI&indicator=env_electricity"]'
        assert "SAMI" not in auditor.evaluate("document.body.innerText")  # folded: it opens at the group figure
        # unfold, by clicking each summary from the group figure down, to SAMI's electricity cell (no JavaScript
        # of the page's own: <details> folds by itself)
        auditor.evaluate(
            f"""(() => {{ const folds = [];
            let d = document.querySelector('{bill_link}').closest('details');
            for (; d; d = d.parentElement.closest('details')) folds.unshift(d);
            folds.forEach(d => {{ if (!d.open) d.querySelector(':scope > summary').click(); }}); }})()"""
        )
        auditor.wait_for(f"document.querySelector('{bill_link}').offsetParent !== null")
        text = auditor.evaluate("document.body.innerText")
        assert "SAMI" in text and "env_electricity" in text
        auditor.screenshot(artefacts / "12_auditor_explain.png")

        auditor.evaluate(f"document.querySelector('{bill_link}').click()")
        auditor.wait_for("location.search.includes('indicator=env_electricity')")
        auditor.wait_for("!!document.querySelector('table.documents')")
        assert "2024年电费单.pdf" in auditor.evaluate("document.querySelector('#evidence').innerText")
        auditor.screenshot(artefacts / "13_auditor_evidence.png")

        auditor.navigate(f"{base}/assurance/sample?period={PERIOD}")
        row = f"#item{item.observation_id}"
        auditor.wait_for(f"!!document.querySelector('{row} form')")
        auditor.evaluate(f"document.querySelector('{row} select').value = 'difference'")
        auditor.evaluate(f"document.querySelector('{row} input[name=amount]').value = '-1200'")
        auditor.evaluate(f"document.querySelector('{row} input[name=comment]').value = '12月电费单少 1200 千瓦时'")
        auditor.evaluate("document.body.dataset.left = '1'")
        auditor.evaluate(f"document.querySelector('{row} form button').click()")
        auditor.wait_for(f"document.body && !document.body.dataset.left && !!document.querySelector('{row} .result')")
        assert "存在差异" in auditor.evaluate(f"document.querySelector('{row}').innerText")
        auditor.screenshot(artefacts / "14_auditor_result.png")
    finally:
        auditor.close()
    [tested] = sampled_items(world.settings, period)
    assert [(r["actor"], r["result"], r["amount"]) for r in tested.results] == [
        ("assurer@firm.example", "difference", "-1200")
    ]
