"""A provisional report says so: until sign-off every output gives the coverage of its figures (issue 26, point 2)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.cli import main
from esgflow.config import Settings
from esgflow.cycle.status import EntityStatus
from esgflow.entities import load_registry
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.figures import check_group, report_period
from esgflow.jobs.signoff import review_return, signoff_period
from esgflow.periods import parse_period
from esgflow.report.coverage import MARK, PROVISIONAL_SHEET, coverage_of
from tests.chromium import Chromium
from tests.returns_factory import fill, open_collection

P2025 = parse_period("2025")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ESGFLOW_HOME with the embedded SQLite warehouse and no mail server."""
    for name in [k for k in os.environ if k.startswith("ESGFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _status(entity: str, status: str, figures: int | None, review: str = "pending") -> EntityStatus:
    return EntityStatus(entity, status, figures, None, 0, 0, figures_version=figures, review=review)


def test_coverage_sorts_every_entity_into_its_list_with_its_names() -> None:
    statuses = [
        _status("SAMI", "accepted", 1, "approved"),
        _status("KMSI", "accepted_with_warnings", 2),
        _status("GAMI", "rejected", 1, "returned"),  # its accepted v1 stays in the figures while v2 waits
        _status("NFC6", "rejected", None),
        _status("HQ", "not_submitted", None),
        _status("OS-GN", "not_submitted", None, "excused"),
    ]
    cov = coverage_of("2025", statuses, load_registry())
    assert cov.lists == {
        "included": ["SAMI", "KMSI", "GAMI"],
        "missing": ["HQ"],
        "rejected": ["NFC6"],
        "pending_review": ["KMSI"],
        "returned": ["GAMI"],
        "excused": ["OS-GN"],
    }
    assert cov.members == 6
    line = cov.summary("en")
    assert line.startswith("PROVISIONAL (2025, not signed off): 3 of 6 entities included; missing 1: ")
    assert "rejected 1: " in line and "(NFC6)" in line and "pending review 1: " in line and "(KMSI)" in line
    assert cov.summary("zh").startswith("临时报告（2025年，尚未签署）：6家单位中已纳入3家；未提交 1家：")
    data = cov.to_json()
    assert data["provisional"] is True and data["missing"] == ["HQ"] and data["names"]["SAMI"]["zh"]


@pytest.fixture
def partial(settings: Settings, tmp_path: Path) -> Settings:
    """2025 collected from two of the group's 33 entities: SAMI accepted, KMSI rejected; nothing published."""
    templates = open_collection(settings, P2025, tmp_path / "tpl", ["SAMI", "KMSI"])
    [sami] = ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", {})], docs=False)
    [kmsi] = ingest_files(settings, [fill(templates["KMSI"], tmp_path / "in", {"env_diesel": -5})], docs=False)
    assert sami.status.startswith("accepted") and kmsi.status == "rejected"
    return settings


def test_a_report_before_signoff_says_it_is_provisional_everywhere(partial: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = report_period(partial, P2025, out, ["zh", "en"])
    assert out / "coverage.json" in report.files
    coverage = json.loads((out / "coverage.json").read_text("utf-8"))
    members = [s.entity for s in period_statuses(partial, P2025)]
    assert len(members) == 33 and coverage["entities"] == 33
    assert coverage["included"] == ["SAMI"] and coverage["pending_review"] == ["SAMI"]
    assert coverage["rejected"] == ["KMSI"] and sorted(coverage["missing"]) == sorted(set(members) - {"SAMI", "KMSI"})
    for lang, words in (("zh", "33家单位中已纳入1家"), ("en", "1 of 33 entities included")):
        page = (out / f"appendix.{lang}.html").read_text("utf-8")
        banner = page.split('<section class="provisional" id="provisional">')[1].split("</section>")[0]
        assert MARK in banner and words in banner  # the mark in both languages, the coverage in the page's
        assert "(HQ)" in banner or "（HQ）" in banner  # a missing entity by name
        assert page.index('id="provisional"') < page.index('id="pillar-env"')  # above the figures
        assert f"<title>{MARK}" in page
        # 2023 and 2024 have no figures at all: their columns stay, and the page says why
        header = page.split('id="pillar-env"')[1].split("</thead>")[0]
        assert "2023" in header and "2024" in header
        assert ("2023年一栏无数据" if lang == "zh" else "The 2023 column has no figures") in page
    wb = load_workbook(out / "appendix.xlsx")
    assert wb.sheetnames[0] == PROVISIONAL_SHEET and wb.active.title == "经济 Economic"
    first = wb[PROVISIONAL_SHEET]
    assert first["A1"].value == MARK and "1 of 33 entities included" in first["A3"].value
    listed = {(r[0], r[1]) for r in first.iter_rows(min_row=6, values_only=True)}
    assert ("已纳入 included", "SAMI") in listed and ("被拒绝 rejected", "KMSI") in listed
    for ws in wb.worksheets:
        assert MARK in ws.oddHeader.center.text  # printed at the top of every page of every sheet
    env = wb["环境 Environmental"]
    assert env.cell(1, env.max_column).value == MARK
    with (out / "appendix.csv").open(encoding="utf-8") as f:
        assert next(csv.reader(f))[4:] == ["2023", "2024", "2025"]  # the csv keeps INTERFACE.md's columns

    findings = {f.rule: f for f in check_group(partial, P2025)}
    assert findings["coverage_missing"].severity == "warning" and "31 of 33 entities sent no return" in (
        findings["coverage_missing"].message
    )
    assert "KMSI" in findings["coverage_rejected"].message


def test_a_signed_off_report_is_not_provisional(partial: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report_period(partial, P2025, out, ["en"])
    assert (out / "coverage.json").is_file()
    review_return(partial, P2025, "SAMI", "approved", by="Wang Li")
    for s in period_statuses(partial, P2025):
        if s.entity != "SAMI":
            review_return(partial, P2025, s.entity, "excused", "not collected in this test", by="Wang Li")
    signoff_period(partial, P2025, "Zhang Wei")
    report = report_period(partial, P2025, out, ["en"])
    assert report.table.coverage is None and not (out / "coverage.json").exists()  # no stale provisional file
    page = (out / "appendix.en.html").read_text("utf-8")
    assert MARK not in page and "signed off by Zhang Wei" in page
    assert not [f for f in check_group(partial, P2025) if f.rule.startswith("coverage")]


def test_the_command_line_says_provisional_with_the_coverage(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert main(["templates", "--period", "2025", "--out", str(tmp_path / "t"), "--entity", "SAMI"]) == 0
    assert main(["ingest", str(fill(tmp_path / "t" / "SAMI_2025.xlsx", tmp_path / "in", {}))]) == 0
    capsys.readouterr()
    assert main(["report", "--period", "2025", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "r" / "coverage.json") in out
    assert "PROVISIONAL (2025, not signed off): 1 of 33 entities included; missing 32: " in out
    assert main(["check", "--period", "2025"]) == 0
    assert "32 of 33 entities sent no return for 2025" in capsys.readouterr().out


def test_the_provisional_mark_is_the_first_thing_a_reader_sees(partial: Settings, tmp_path: Path) -> None:
    """The page in headless chromium: the mark and the coverage on the first screen, above the tables."""
    out = tmp_path / "out"
    report_period(partial, P2025, out, ["zh", "en"])
    artefacts = Path(os.environ.get("ESGFLOW_TEST_ARTEFACTS") or tmp_path / "artefacts") / "report"
    browser = Chromium(tmp_path / "profile", tmp_path / "downloads")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1, mobile=False)
        for lang in ("zh", "en"):
            page = (out / f"appendix.{lang}.html").as_uri()
            browser.navigate(page)
            browser.wait_for(f"location.href === {page!r} && document.readyState === 'complete'")
            box = browser.evaluate(
                "(() => { const r = document.querySelector('#provisional').getBoundingClientRect();"
                " const t = document.querySelector('table.appendix').getBoundingClientRect();"
                " return [r.top, r.bottom, r.height, t.top]; })()"
            )
            top, bottom, height, table_top = box
            assert 0 < top < bottom < 900 and height > 40 and bottom <= table_top  # on the first screen, above
            seen = str(browser.evaluate("document.querySelector('#provisional').innerText"))
            assert MARK in seen and ("未提交" if lang == "zh" else "missing") in seen
            browser.screenshot(artefacts / f"provisional.{lang}.png")
    finally:
        browser.close()
