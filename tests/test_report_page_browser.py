"""The report page as a person sees it: the demo group's 2024 report rendered in headless chromium,
read back as text, measured, printed to PDF on A4 landscape, and photographed for the artefacts."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from esgflow.config import load_settings
from esgflow.demo.group import bundled_history
from esgflow.display import unit
from esgflow.jobs.figures import report_period
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.report.tables import AppendixTable
from esgflow.warehouse import db
from tests.chromium import Chromium
from tests.returns_factory import P2024, load_demo_returns

SCROLL_LIMIT = 12_000  # px at 1400 px wide with the index folded: about a dozen screens
WIDTH = 1400


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppendixTable, Path]]:
    """The demo cycle on SQLite: published history for 2022 and 2023, the entities' 2024 returns, and, as
    `esgflow demo` does, the published 2024 figures to compare the computed ones with; then the report."""
    root = tmp_path_factory.mktemp("report_page")
    settings = load_settings({"ESGFLOW_HOME": str(root / "home")})
    init_warehouse(settings)
    import_history_file(settings, bundled_history(), [P2024.shifted_years(-2), P2024.shifted_years(-1), P2024])
    load_demo_returns(settings, P2024)
    report = report_period(settings, P2024, root / "out", ["zh", "en"])  # consolidates the returns first
    yield report.table, root / "out"
    db.dispose(settings.database_url)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    root = tmp_path_factory.mktemp("chromium")
    chromium = Chromium(root / "profile", root / "downloads")
    chromium.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900, deviceScaleFactor=1, mobile=False)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("ESGFLOW_TEST_ARTEFACTS")
    return Path(given) / "report" if given else tmp_path_factory.mktemp("artefacts")


def _open(browser: Chromium, page: Path) -> str:
    browser.navigate(page.as_uri())
    browser.wait_for(f"location.href === {page.as_uri()!r} && document.readyState === 'complete'")
    return str(browser.evaluate("document.body.innerText"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_every_indicator_and_unit_whole_with_separators(
    report: tuple[AppendixTable, Path], browser: Chromium, artefacts: Path, lang: str
) -> None:
    table, out = report
    text = _open(browser, out / f"appendix.{lang}.html")
    browser.screenshot(artefacts / f"appendix.{lang}.png")
    for row in table.rows:
        ind = row.indicator
        assert ind.name(lang) in text, ind.code
        assert unit(ind.unit_zh if lang == "zh" else ind.unit) in text, ind.code
    assert "m³" in text if lang == "en" else "立方米" in text
    assert "m3" not in text and "CO2" not in text
    if lang == "en":  # English typography: no Chinese punctuation, no typewriter quotes
        assert re.findall(r"[，。；：（）、“”]|'|\"", re.sub(r"“[^”]*”", "", text)) == []
        assert "’s own contradictions" in text
    assert "46,514.20" in text  # the 2024 energy total computed from the returns (natural gas at 1.3300 kgce/m3)
    assert "22,157,752.40" in text  # the 2023 diesel figure as published, with its separators
    # no cell cuts its text: what a cell holds fits the cell
    cut = browser.evaluate(
        "[...document.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1)"
        ".map(c => c.textContent)"
    )
    assert cut == []


@pytest.mark.parametrize(
    ("lang", "versus", "own"),
    [
        ("zh", "本期计算值与已发布值对比", "已发布报告自身的矛盾"),
        ("en", "Computed against published", "own contradictions"),
    ],
)
def test_the_comparison_and_the_contradictions_are_readable_sections(
    report: tuple[AppendixTable, Path], browser: Chromium, lang: str, versus: str, own: str
) -> None:
    table, out = report
    text = _open(browser, out / f"appendix.{lang}.html")
    assert versus in text and own in text
    sections = browser.evaluate(
        "[...document.querySelectorAll('section.explained')].map(s => [s.id, s.querySelector('p').innerText,"
        " s.querySelectorAll('tbody tr').length])"
    )
    assert [s[0] for s in sections] == ["versus", "contradictions"]
    assert all(len(paragraph) > 80 for _, paragraph, _ in sections)  # an explanation, not a caption
    assert sections[0][2] == len(table.differences()) and sections[1][2] == len(table.contradictions)
    # every differing figure in the main table is marked and links to its line of the comparison
    marks = browser.evaluate("[...document.querySelectorAll('td.differs a.mark')].map(a => a.hash)")
    assert sorted(marks) == sorted(f"#versus-{row.indicator.code}" for row, _, _ in table.differences())
    targets = browser.evaluate("[...document.querySelectorAll('td.contradicted a.mark')].map(a => a.hash)")
    assert targets and all(browser.evaluate(f"!!document.getElementById({t[1:]!r})") for t in targets)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_table_has_a_column_empty_in_every_row(
    report: tuple[AppendixTable, Path], browser: Chromium, lang: str
) -> None:
    _open(browser, report[1] / f"appendix.{lang}.html")
    empty = browser.evaluate(
        """[...document.querySelectorAll('table')].flatMap((t, n) => {
            const rows = [...t.querySelectorAll('tbody tr')];
            const width = t.querySelectorAll('thead th').length;
            return [...Array(width).keys()]
                .filter(i => rows.every(r => ['', '–'].includes((r.cells[i]?.textContent ?? '').trim())))
                .map(i => `table ${n}: ${t.querySelectorAll('thead th')[i].textContent}`);
        })"""
    )
    assert empty == []
    headed = browser.evaluate(
        "[...document.querySelectorAll('table')].map(t => t.querySelectorAll('thead th').length"
        " === t.querySelector('tbody tr').cells.length)"
    )
    assert len(headed) >= 6 and all(headed)  # every table is headed, column for column


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_is_short_enough_to_scroll_with_the_index_folded(
    report: tuple[AppendixTable, Path], browser: Chromium, lang: str
) -> None:
    _open(browser, report[1] / f"appendix.{lang}.html")
    folded = browser.evaluate("document.documentElement.scrollHeight")
    assert folded < SCROLL_LIMIT
    assert browser.evaluate("document.querySelector('details.index').open") is False
    browser.evaluate("document.querySelector('details.index > summary').click()")
    assert browser.evaluate("document.documentElement.scrollHeight") > folded  # the index is there, folded
    assert browser.evaluate("document.querySelector('details.index tbody tr').offsetHeight") > 0


def test_the_page_prints_on_a4_landscape_with_the_header_on_every_page(
    report: tuple[AppendixTable, Path], browser: Chromium, artefacts: Path
) -> None:
    _open(browser, report[1] / "appendix.en.html")
    printed = browser.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)
    pdf = artefacts / "appendix.en.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(base64.b64decode(printed["data"]))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())  # type: ignore[union-attr]
    assert (round(width), round(height)) == (842, 595)  # A4, landscape
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    header = re.compile(r"^\s*(Indicator\s+Unit|Year\s+Figure)\s", re.M)
    names = [row.indicator.name_en for row in report[0].rows]
    with_rows = [p for p in pages if any(re.search(rf"^\s*{re.escape(n)}\s", p, re.M) for n in names)]
    assert len(with_rows) >= 3  # the main tables run over several pages
    assert [header.search(p) is not None for p in with_rows] == [True] * len(with_rows)
