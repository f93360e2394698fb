"""Where the report's figures rest on estimates: the mark beside a figure, the summary line and the sheet."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from openpyxl import Workbook

from esgflow.catalog import Catalog
from esgflow.periods import parse_period
from esgflow.report import estimates
from esgflow.report.html import render_page
from esgflow.report.tables import AppendixTable, build_appendix

P2024 = parse_period("2024")


@pytest.fixture
def table(catalog: Catalog) -> AppendixTable:
    figures = {
        ("env_diesel", "2024", "computed"): Decimal("30"),
        ("env_gasoline", "2024", "computed"): Decimal("5"),
        ("env_electricity", "2024", "computed"): Decimal("400"),
        ("env_diesel", "2023", "published"): Decimal("28"),
    }
    marked = {
        ("env_diesel", "2024", "computed"): ["GAMI", "SAMI"],
        ("env_gasoline", "2024", "computed"): ["SAMI"],
        ("env_diesel", "2023", "computed"): ["CINF"],  # not shown: 2023 shows its published figure
    }
    return replace(build_appendix(figures, catalog, P2024), estimates=marked)


def test_the_summary_counts_the_periods_figures_with_estimates_and_their_entities(table: AppendixTable) -> None:
    summary = estimates.summarise(table)
    assert (summary.period, summary.figures, summary.entities) == ("2024", 2, 2)
    assert summary.line("en") == "2024: 2 figures include estimates, from 2 entities."
    assert summary.line("zh") == "2024年 2 项数值含估算数，来自 2 家单位的估算填报。"


def test_a_period_without_estimates_says_so(catalog: Catalog, table: AppendixTable) -> None:
    summary = estimates.summarise(replace(table, estimates={}))
    assert summary.figures == summary.entities == 0
    assert summary.line("en") == "2024: no entity marked any figure as estimated."
    assert summary.line("zh") == "2024年数值均为实际数，无填报单位标为估算。"


def test_includes_names_the_entities_in_each_language() -> None:
    assert estimates.includes(["SAMI"], "en") == "includes estimates from 1 entity: SAMI"
    assert estimates.includes(["GAMI", "SAMI"], "en") == "includes estimates from 2 entities: GAMI, SAMI"
    assert estimates.includes(["GAMI", "SAMI"], "zh") == "含 2 家单位的估算数：GAMI、SAMI"


def test_the_html_mark_carries_the_count_and_is_absent_without_estimates() -> None:
    assert estimates.html_mark([], "en") == ""
    assert estimates.html_mark(["A&B"], "en") == (
        '<sup class="estimate" title="includes estimates from 1 entity: A&amp;B">e</sup>'
    )


def test_the_page_marks_only_figures_that_include_estimates(table: AppendixTable, catalog: Catalog) -> None:
    page = render_page(table, [], catalog, "en")
    row = page.split('<tr id="env_diesel">')[1].split("</tr>")[0]
    assert row.count('<sup class="estimate"') == 1  # 2024's computed figure; 2023's published one is not
    assert 'title="includes estimates from 2 entities: GAMI, SAMI">e</sup></td>' in row
    assert "estimate" not in page.split('<tr id="env_electricity">')[1].split("</tr>")[0]
    assert '<p class="estimates" id="estimates">2024: 2 figures include estimates, from 2 entities.</p>' in page
    assert "e includes figures that their reporters marked as estimated" in page
    plain = render_page(replace(table, estimates={}), [], catalog, "en")
    assert '<sup class="estimate"' not in plain and "e includes figures" not in plain


def test_the_sheet_lists_every_shown_figure_with_estimates(table: AppendixTable) -> None:
    wb = Workbook()
    estimates.write_sheet(wb, table)
    ws = wb[estimates.SHEET]
    assert ws["A1"].value == estimates.summarise(table).line("zh")
    assert ws["A2"].value == estimates.summarise(table).line("en")
    assert [c.value for c in ws[4]] == estimates.SHEET_HEADERS
    assert [r for r in ws.iter_rows(min_row=5, values_only=True)] == [
        ("env_gasoline", "汽油使用量", "Gasoline consumption", "2024", 1, "SAMI"),
        ("env_diesel", "柴油使用量", "Diesel consumption", "2024", 2, "GAMI, SAMI"),
    ]
