"""The office's page per validation run: which entity, indicator, cell and rule, readable in a browser offline."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.run_page import ValidationRun, write_run_index, write_run_page
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding
from esgflow.jobs.collection import data_docs_index, ingest_files
from tests.chromium import Chromium
from tests.returns_factory import fill, open_collection

ENV = "环境 Environmental"
RUN = ValidationRun("ingest-2-0a1b2c3d", "submission", datetime(2027, 1, 5, 9, 30, tzinfo=UTC))


def _findings() -> list[Finding]:
    return [
        Finding("yoy_change_needs_note", "warning", "env_diesel changed by 120%", ("env_diesel",), "OS-GN", sheet=ENV,
                cell="E7", expected=Decimal("2044766.46")),
        Finding("range", "error", "env_diesel (Diesel consumption) is -5 L; it must be at least 0", ("env_diesel",),
                "SAMI", sheet=ENV, cell="E7", actual=Decimal("-5")),
    ]  # fmt: skip


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    given = os.environ.get("ESGFLOW_TEST_ARTEFACTS")
    return Path(given) / "validation" if given else tmp_path / "artefacts"


def test_a_run_page_names_entity_indicator_cell_and_rule_in_the_offices_words(
    tmp_path: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    detail = tmp_path / "validations" / "submission" / RUN.name / "20270105T093000Z" / "esgflow-submission.html"
    page = write_run_page(tmp_path / "esgflow", RUN, _findings(), detail, catalog, registry)
    html = page.read_text("utf-8")
    first, second = html.index("<tr class="), html.rindex("<tr class=")
    assert first < second  # the error first, then the warning
    error, warning = html[first:second], html[second:]
    for text in ("错误", "沈阳院", "SAMI", "柴油使用量", "Diesel consumption", f"{ENV}<br><b>E7</b>", "超出允许范围"):
        assert text in error, text
    assert "Out of the allowed range" in error and "请核对数值和单位是否正确。" in error
    assert "数值 -5.00 升" in error  # what the check found, as the appendix writes it
    assert "it must be at least 0" in error  # and the check's own sentence
    assert "上期数值 2,044,766.46 升" in warning
    assert "提示" in warning and "OS-GN" in warning and "与上期相比变化较大" in warning
    assert 'href="../validations/submission/ingest-2-0a1b2c3d/20270105T093000Z/esgflow-submission.html"' in html
    assert "2027-01-05 17:30 UTC+8" in html and "1 个错误，1 个提示" in html and "1 error, 1 warning<" in html
    assert "whole_bound" not in html and "row_id" not in html


def test_a_run_that_found_nothing_says_every_check_passed(
    tmp_path: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    html = write_run_page(tmp_path, RUN, [], None, catalog, registry).read_text("utf-8")
    assert "全部通过 · Every check passed" in html and "<table" not in html


def test_the_index_lists_the_newest_run_first_with_its_counts(
    tmp_path: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    older = ValidationRun("group-2024-11111111", "group", datetime(2027, 1, 4, tzinfo=UTC))
    write_run_page(tmp_path, older, [], None, catalog, registry)
    write_run_page(tmp_path, RUN, _findings(), None, catalog, registry)
    html = write_run_index(tmp_path, registry).read_text("utf-8")
    assert html.index(RUN.name) < html.index(older.name)
    assert f'href="{RUN.name}.html"' in html and "集团数据校验" in html and "沈阳院" in html
    runs = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text("utf-8").splitlines()]
    assert runs[-1] == {
        "run": RUN.name, "suite": "submission", "time": "2027-01-05T09:30:00+00:00", "errors": 1, "warnings": 1,
        "entities": ["OS-GN", "SAMI"],
    }  # fmt: skip


def _spoiled_batch(settings: Settings, tmp_path: Path) -> Path:
    """Two returns through the real ingest: one with a negative figure, one with a total above its parts."""
    templates = open_collection(settings, "2025", tmp_path / "tpl", ["SAMI", "GAMI"])
    fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})
    fill(templates["GAMI"], tmp_path / "in", {"soc_employees_total": 10, "soc_employees_male": 30})
    ingest_files(settings, [tmp_path / "in"])
    return data_docs_index(settings).parent


def test_every_ingest_gets_a_run_page_and_the_data_docs_work_offline(
    sqlite_settings: Settings, tmp_path: Path, artefacts: Path
) -> None:
    site = _spoiled_batch(sqlite_settings, tmp_path)
    [run_page] = (site / "esgflow").glob("ingest-2-*.html")
    html = run_page.read_text("utf-8")
    assert "沈阳院" in html and "柴油使用量" in html and "超出允许范围" in html
    assert "贵阳院" in html and "分项大于合计" in html
    browser = Chromium(tmp_path / "profile", tmp_path / "downloads")
    try:
        # nothing leaves the machine: an office network without the internet
        browser.call("Network.enable", page=True)
        browser.call("Network.setBlockedURLs", page=True, urls=["http://*", "https://*"])
        browser.navigate(run_page.as_uri())
        rows = browser.wait_for("document.querySelectorAll('#findings tbody tr').length")
        assert rows >= 2
        seen = browser.evaluate("document.body.innerText")
        assert "沈阳院" in seen and "柴油使用量" in seen and "Out of the allowed range" in seen
        browser.screenshot(artefacts / "run_page.png")
        browser.navigate((site / "esgflow" / "index.html").as_uri())
        browser.wait_for("document.querySelectorAll('#runs tbody tr').length")
        browser.screenshot(artefacts / "run_index.png")
        # Great Expectations' own index draws its list of runs with the shipped scripts
        browser.navigate((site / "index.html").as_uri())
        listed = browser.wait_for("document.querySelectorAll('table.esgflow-table tbody tr[data-href]').length")
        assert listed >= 1
        assert "ingest-2-" in browser.evaluate("document.body.innerText")
        browser.screenshot(artefacts / "data_docs_index.png")
        [detail] = site.glob("validations/submission/ingest-2-*/*/*.html")
        browser.navigate(detail.as_uri())
        browser.wait_for("document.readyState === 'complete' && document.body.innerText.includes('whole_bound')")
        browser.screenshot(artefacts / "data_docs_run.png")
    finally:
        browser.close()


def test_the_run_page_counts_what_the_letter_counts_and_names_file_version_and_letter(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    template = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])["SAMI"]
    typed = {"env_diesel": "25847.61小时", "env_gasoline": "#DIV/0!", "env_diesel__estimate": "估"}
    typed["env_water_total"] = -5
    spoiled = fill(template, tmp_path / "in", typed)
    [outcome] = ingest_files(sqlite_settings, [spoiled])
    assert outcome.letter is not None and outcome.version == 1
    [page] = (data_docs_index(sqlite_settings).parent / "esgflow").glob("ingest-1-*.html")
    html = page.read_text("utf-8")
    errors = sum(f.severity == "error" for f in outcome.findings)
    warnings = len(outcome.findings) - errors
    rules = {f.rule for f in outcome.findings}
    assert {"text_in_number_cell", "error_value", "estimate_mark", "range"} <= rules
    # the page lists every finding the letter gives, the workbook reader's as well as the suite's
    assert f"{errors} 个错误，{warnings} 个提示" in html
    assert f"共有 {errors} 个错误" in outcome.letter.read_text("utf-8")
    assert html.count('<tr class="error">') == errors
    assert "填报值 25847.61小时" in html and "#DIV/0!" in html and "估" in html
    # it names the file and the version, and links the letter
    assert f"<td>{spoiled.name}</td><td>1</td>" in html
    href = re.search(r'<a href="([^"]+)">反馈函 · Letter</a>', html)
    assert href is not None and (page.parent / href.group(1)).resolve() == outcome.letter.resolve()
