"""The appendix as an HTML page per language: tables per pillar, trend charts, differences and the index."""

from __future__ import annotations

import base64
import re
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.catalog import Catalog
from esgflow.demo.group import bundled_history
from esgflow.figures.history import read_published
from esgflow.findings import Finding
from esgflow.periods import parse_period
from esgflow.records import SignoffRecord
from esgflow.report.disclosure import disclosure_index
from esgflow.report.html import render_page, write_page
from esgflow.report.tables import AppendixTable, FactorBasis, build_appendix
from tests.chromium import Chromium

P2024 = parse_period("2024")


@pytest.fixture(scope="module")
def published(catalog: Catalog) -> AppendixTable:
    figures = {(f.code, f.year, f.basis): f.value for f in read_published(bundled_history(), catalog)}
    return build_appendix(figures, catalog, P2024)


def _row(page: str, code: str) -> str:
    return page.split(f'<tr id="{code}">')[1].split("</tr>")[0]


def _cells(row: str) -> list[tuple[str, str]]:
    """(class, text) of the number cells of a row."""
    return re.findall(r'<td class="(num[^"]*)">([^<]*)</td>', row)


def test_html_pages_show_a_trend_per_indicator_in_each_language(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    entries = disclosure_index(catalog)
    write_page(published, entries, catalog, "zh", tmp_path / "appendix.zh.html")
    write_page(published, entries, catalog, "en", tmp_path / "appendix.en.html")
    zh = (tmp_path / "appendix.zh.html").read_text("utf-8")
    en = (tmp_path / "appendix.en.html").read_text("utf-8")
    assert zh == render_page(published, entries, catalog, "zh") and en == render_page(published, entries, catalog, "en")
    assert "关键绩效表" in zh and "柴油使用量" in zh and "Key performance table" in en and "Diesel consumption" in en
    for code in ("env_diesel", "soc_employees_total"):
        row = _row(en, code)
        assert "<svg" in row and row.count("<circle") == 3 and "17,298,567.74</text>" in _row(en, "env_diesel")
    assert zh.count('class="trend"') >= 70


def test_a_page_has_a_table_per_pillar_with_units_in_its_language(published: AppendixTable, catalog: Catalog) -> None:
    zh = render_page(published, [], catalog, "zh")
    en = render_page(published, [], catalog, "en")
    assert re.findall(r'<h2 id="pillar-\w+">([^<]+)</h2>', en) == ["Economic", "Environmental", "Social", "Governance"]
    assert re.findall(r'<h2 id="pillar-\w+">([^<]+)</h2>', zh) == ["经济", "环境", "社会", "治理"]
    assert '<html lang="zh">' in zh and '<html lang="en">' in en
    assert '<td class="unit">升</td>' in _row(zh, "env_diesel") and '<td class="unit">L</td>' in _row(en, "env_diesel")
    assert '<td class="unit">m³</td>' in _row(en, "env_natural_gas") and "m3" not in _row(en, "env_natural_gas")
    # the restated year is labelled as appendix.xlsx labels it, and 单位 never stands alone for the unit
    assert '<th class="num">2022 restated</th>' in en and '<th class="num">2022（重述）</th>' in zh
    assert "<th>计量单位</th>" in zh and "<th>单位</th>" not in zh
    # 2022 restated is empty in the environmental table, so that table leaves the column out
    assert [text for _, text in _cells(_row(en, "env_diesel"))] == ["2,044,766.46", "22,157,752.40", "17,298,567.74"]
    assert [text for _, text in _cells(_row(en, "econ_total_assets"))] == [
        "4,739,128.86",
        "4,739,221.82",
        "4,094,380.30",
        "4,115,652.82",
    ]


def test_the_trend_leaves_out_restated_columns(published: AppendixTable, catalog: Catalog) -> None:
    row = _row(render_page(published, [], catalog, "en"), "econ_total_assets")  # 2022, 2022 restated, 2023, 2024
    assert row.count("<circle") == 3
    assert "<title>2022: 4,739,128.86 10k CNY</title>" in row and "4,739,221.82 10k CNY</title>" not in row


def test_a_tiny_intensity_is_written_in_scientific_notation_and_the_page_says_so(
    published: AppendixTable, catalog: Catalog
) -> None:
    en = render_page(published, [], catalog, "en")
    shown = [text for _, text in _cells(_row(en, "env_waste_hazardous_intensity"))]
    assert shown == ["7.17 × 10⁻⁸", "1.31 × 10⁻⁵", "5.04 × 10⁻⁶"]
    assert "7.17 × 10⁻⁸ is 0.0000000717" in en
    tame = replace(published, rows=[r for r in published.rows if r.indicator.code != "env_waste_hazardous_intensity"])
    assert "scientific notation" not in render_page(tame, [], catalog, "en")


def test_a_column_empty_in_a_section_is_left_out_but_a_year_without_figures_keeps_its_column(
    catalog: Catalog,
) -> None:
    figures = {("env_diesel", "2023", "published"): Decimal("1"), ("env_diesel", "2024", "computed"): Decimal("2")}
    page = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")
    environment = page.split('id="pillar-env"')[1].split("</table>")[0]
    assert '<th class="num">2023</th>' in environment and '<th class="num">2024</th>' in environment
    # no indicator has a 2022 figure: the year keeps its column, and the page says why (issue 26)
    assert '<th class="num">2022</th>' in environment
    assert "The 2022 column has no figures: nothing was published for that year" in page
    assert [text for _, text in _cells(_row(page, "env_gasoline"))] == ["–", "–", "–"]
    economic = page.split('id="pillar-econ"')[1].split("</table>")[0]  # no figure of this section in 2023
    assert '<th class="num">2023</th>' not in economic and '<th class="num">2022</th>' in economic


def test_a_missing_year_is_named_in_the_chart_and_the_dash_explained(catalog: Catalog) -> None:
    figures = {
        ("env_diesel", "2022", "published"): Decimal("5"),
        ("env_diesel", "2024", "computed"): Decimal("7"),
        ("env_gasoline", "2023", "published"): Decimal("3"),
    }
    en = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")
    zh = render_page(build_appendix(figures, catalog, P2024), [], catalog, "zh")
    assert '<text class="missing"' in _row(en, "env_diesel") and ">no figure</text>" in _row(en, "env_diesel")
    assert ">无数据</text>" in _row(zh, "env_diesel")
    assert "“–” means there is no figure for that year" in en and "而非零" in zh


def test_rows_in_the_same_unit_share_a_scale_within_a_section(catalog: Catalog) -> None:
    figures = {
        ("env_diesel", "2023", "published"): Decimal("100"),
        ("env_diesel", "2024", "computed"): Decimal("100"),
        ("env_gasoline", "2023", "published"): Decimal("50"),
        ("env_gasoline", "2024", "computed"): Decimal("50"),
    }
    page = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")

    def heights(code: str) -> list[float]:
        return [float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', _row(page, code))]

    diesel, gasoline = heights("env_diesel"), heights("env_gasoline")
    assert diesel[0] == diesel[1] and gasoline[0] == gasoline[1]
    assert gasoline[0] > diesel[0]  # half the figure, lower on the same scale (SVG counts down)
    assert "share one scale" in page


def test_computed_figures_are_marked_and_missing_ones_shown_as_a_dash(catalog: Catalog) -> None:
    figures = {
        ("env_diesel", "2023", "published"): Decimal("22157752.40"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),
    }
    page = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")
    assert _cells(_row(page, "env_diesel")) == [  # 2022 has no figure at all: its column stays, with a dash
        ("num", "–"),
        ("num", "22,157,752.40"),
        ("num computed", "17,298,567.74"),
    ]
    assert _row(page, "env_diesel").count("<circle") == 2
    assert "<svg" not in _row(page, "env_gasoline")


def test_differences_from_the_published_figures_get_their_own_table(catalog: Catalog) -> None:
    figures = {
        ("env_energy_total", "2024", "published"): Decimal("42099"),
        ("env_energy_total", "2024", "computed"): Decimal("50000.123"),
        ("env_energy_intensity_revenue", "2024", "published"): Decimal("0.0192"),
        ("env_energy_intensity_revenue", "2024", "computed"): Decimal("0.0175"),
        ("soc_work_fatalities", "2024", "published"): Decimal("0"),
        ("soc_work_fatalities", "2024", "computed"): Decimal("2"),
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),  # agrees at published precision
    }
    table = build_appendix(figures, catalog, P2024)
    en = render_page(table, [], catalog, "en")
    zh = render_page(table, [], catalog, "zh")
    assert '<section class="explained" id="versus"><h2>Computed against published 2024</h2>' in en
    assert '<section class="explained" id="versus"><h2>本期计算值与已发布值对比 2024</h2>' in zh
    assert "Both are shown as they are, unchanged" in en and "两者均如实列示" in zh
    versus = re.findall(r'<tr class="versus"[^>]*>(.*?)</tr>', en)
    shown = {re.sub(r"<[^>]+>", "", r.split("</td>")[0]): [t for _, t in _cells(r)] for r in versus}
    assert shown == {
        catalog["env_energy_total"].name_en: ["42,099", "50,000.12", "+18.8%"],
        catalog["env_energy_intensity_revenue"].name_en: ["0.0192", "0.0175", "−8.9%"],
        catalog["soc_work_fatalities"].name_en: ["0", "2", "–"],
    }


def test_every_figure_that_differs_from_what_was_published_is_marked_in_the_main_table(catalog: Catalog) -> None:
    figures = {
        ("env_energy_total", "2024", "published"): Decimal("42099"),
        ("env_energy_total", "2024", "computed"): Decimal("50000.123"),
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),  # agrees at published precision
    }
    en = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")
    energy = _row(en, "env_energy_total")
    assert '<td class="num computed differs">50,000.12<a class="mark" href="#versus-env_energy_total"' in energy
    assert 'title="published: 42,099"' in energy and 'id="versus-env_energy_total"' in en
    assert "differs" not in _row(en, "env_diesel") and "mark" not in _row(en, "env_diesel")
    assert '<p class="legend">' in en


CONTRADICTION = Finding(
    rule="derived_recomputed",
    severity="error",
    message="published 2022: env_fuel_total (Fuel consumption) is 38,462.46 L, but env_gasoline + env_diesel "
    "gives 3,926,838.22",
    indicators=("env_fuel_total", "env_gasoline", "env_diesel"),
    period="2022",
    expected=Decimal("3926838.22"),
    actual=Decimal("38462.46"),
)


def test_the_published_reports_own_contradictions_are_listed_and_marked(
    published: AppendixTable, catalog: Catalog
) -> None:
    table = replace(published, contradictions=(CONTRADICTION,))
    en = render_page(table, [], catalog, "en")
    zh = render_page(table, [], catalog, "zh")
    assert 'id="contradictions"><h2>The published report’s own contradictions</h2>' in en
    assert 'id="contradictions"><h2>已发布报告自身的矛盾</h2>' in zh
    assert "a total that is not the sum of its parts" in en and "合计数不等于分项之和" in zh
    [row] = re.findall(r'<tr id="own-env_fuel_total-2022" class="contradiction"[^>]*>(.*?)</tr>', en)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", re.sub(r"</?a[^>]*>", "", row)) == [
        "2022",
        "Fuel consumption",
        "L",
        "Does not match its formula",
        "38,462.46",
        "3,926,838.22",
        "Gasoline consumption; Diesel consumption",
    ]
    fuel = _row(en, "env_fuel_total")
    # the 2022 published figure (first column) is marked and links to its line; the other years are not
    first, *others = re.findall(r'<td class="(num[^"]*)">', fuel)
    assert first == "num contradicted" and "contradicted" not in " ".join(others)
    assert '<a class="mark" href="#own-env_fuel_total-2022"' in fuel
    assert 'title="Does not match its formula: Its own figures give 3,926,838.22"' in fuel
    assert "柴油使用量" in zh.split('id="contradictions"')[1]


def test_no_contradiction_section_or_legend_when_the_report_agrees_with_itself(
    published: AppendixTable, catalog: Catalog
) -> None:
    en = render_page(published, [], catalog, "en")
    assert 'id="contradictions"' not in en and 'class="legend"' not in en and 'class="num contradicted"' not in en


def test_no_difference_table_when_computed_and_published_agree(published: AppendixTable, catalog: Catalog) -> None:
    assert published.differences() == []
    assert 'id="versus"' not in render_page(published, [], catalog, "en")


def test_names_are_escaped(catalog: Catalog) -> None:
    odd = replace(catalog["env_diesel"], name_en="Diesel <b>&</b>", name_zh="柴油<script>")
    small = Catalog((odd,), catalog.pillars)
    table = build_appendix({("env_diesel", "2024", "published"): Decimal("1")}, small, P2024)
    entries = disclosure_index(small)
    en = render_page(table, entries, small, "en")
    zh = render_page(table, entries, small, "zh")
    assert "Diesel &lt;b&gt;&amp;&lt;/b&gt;" in en and "<b>" not in en
    assert "柴油&lt;script&gt;" in zh and "<script>" not in zh


def test_the_page_ends_with_the_disclosure_index(catalog: Catalog, published: AppendixTable) -> None:
    entries = disclosure_index(catalog)
    zh = render_page(published, entries, catalog, "zh")
    en = render_page(published, entries, catalog, "en")
    assert '<details class="index" id="index"><summary>Disclosure index</summary>' in en
    assert '<a href="#index">Disclosure index</a>' in en  # from the contents at the top
    index_en = en.split("<summary>Disclosure index</summary>")[1]
    assert index_en.count("<tr class=") == len(entries)
    assert index_en.count('<table class="index">') == len({e.framework for e in entries})
    gri = next(e for e in entries if (e.framework, e.item) == ("gri", "403-9"))
    links = "; ".join(f'<a href="#{c}">{catalog[c].name_en}</a>' for c in gri.codes)
    assert f'<td class="item">403-9</td><td>Work-related injuries</td><td>{links}</td>' in index_en
    explain = next(e for e in entries if e.comply_or_explain)
    row = index_en.split(f'<td class="item">{explain.item}</td>')[1].split("</tr>")[0]
    assert '<span class="explain">comply or explain</span>' in row
    assert "<summary>指标索引</summary>" in zh and '<h3 id="index-hkex">港交所ESG报告守则</h3>' in zh
    assert "不遵守就解释" in zh.split('<details class="index"')[1]


@pytest.mark.parametrize(
    ("expected", "figure", "shown"),
    [
        ("0.0841697226053", "0.68", "0.084"),  # two significant digits where the published places give fewer
        ("0.00479465430384", "0.0462", "0.0048"),
        ("83849.9048998", "80794", "83,850"),  # the places of the published figure
        ("19.945976", "70.23", "19.95"),
    ],
)
def test_what_the_reports_own_figures_give_is_shown_at_the_published_precision(
    published: AppendixTable, catalog: Catalog, expected: str, figure: str, shown: str
) -> None:
    finding = replace(CONTRADICTION, expected=Decimal(expected), actual=Decimal(figure))
    en = render_page(replace(published, contradictions=(finding,)), [], catalog, "en")
    [row] = re.findall(r'<tr id="own-env_fuel_total-2022" class="contradiction"[^>]*>(.*?)</tr>', en)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", re.sub(r"</?a[^>]*>", "", row))[5] == shown


def test_a_signed_off_period_says_who_signed_and_when(catalog: Catalog, published: AppendixTable) -> None:
    assert 'class="signoff"' not in render_page(published, [], catalog, "en")
    signed = SignoffRecord("2024", "Zhang <Wei>", datetime(2025, 3, 20, 8, 0, tzinfo=UTC), 1, [], {})
    table = replace(published, signoff=signed)
    en, zh = render_page(table, [], catalog, "en"), render_page(table, [], catalog, "zh")
    assert "The figures of 2024 were signed off by Zhang &lt;Wei&gt; on 2025-03-20 16:00 UTC+8" in en
    assert "2025-03-20 16:00 UTC+8 由 Zhang &lt;Wei&gt; 签核锁定" in zh


def test_a_row_a_hundred_times_smaller_than_its_neighbours_in_its_unit_gets_its_own_scale(catalog: Catalog) -> None:
    figures = {
        ("env_diesel", "2023", "published"): Decimal("10000"),
        ("env_diesel", "2024", "computed"): Decimal("10000"),
        ("env_gasoline", "2023", "published"): Decimal("100"),
        ("env_gasoline", "2024", "computed"): Decimal("100"),
    }
    page = render_page(build_appendix(figures, catalog, P2024), [], catalog, "en")
    diesel = re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', _row(page, "env_diesel"))
    gasoline = re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', _row(page, "env_gasoline"))
    assert gasoline == diesel  # each reaches the top of its own scale, rather than a flat line at the bottom


def test_the_page_prints_compactly_on_a4_without_the_trend_charts(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    page = tmp_path / "appendix.zh.html"
    write_page(published, disclosure_index(catalog), catalog, "zh", page)
    browser = Chromium(tmp_path / "profile", tmp_path / "downloads")
    try:
        browser.navigate(page.as_uri())
        browser.wait_for(f"location.href === {page.as_uri()!r} && document.readyState === 'complete'")
        printed = browser.call("Page.printToPDF", preferCSSPageSize=True, printBackground=True)
    finally:
        browser.close()
    pdf = tmp_path / "appendix.zh.pdf"
    pdf.write_bytes(base64.b64decode(printed["data"]))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the trend charts made every row tall: 7 sparse pages for 133 indicators; without them the tables
    # fit on 4, and on 6 once the FY2026 inputs (173 indicators, 2024's rows of them blank) joined
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 6  # type: ignore[union-attr]
    assert "趋势" not in text and "柴油使用量" in text and "计量单位" in text


def test_the_electricity_basis_and_the_gwp_set_are_said_under_the_energy_and_ghg_figures(
    catalog: Catalog, published: AppendixTable
) -> None:
    assert 'id="basis"' not in render_page(published, [], catalog, "zh")  # no figures computed, no basis to state
    table = replace(published, basis=FactorBasis("calorific", Decimal("0.1229"), "ar5"))
    zh, en = render_page(table, [], catalog, "zh"), render_page(table, [], catalog, "en")
    env = zh.split('<h2 id="pillar-env">')[1].split("<h2")[0]  # in the environment section, after its table
    assert env.index('id="basis"') > env.index('<tr id="env_energy_total">')
    assert "电力按当量值（0.1229 千克标准煤/千瓦时）计" in env and "IPCC第五次评估报告（AR5）的100年全球变暖潜势" in env
    assert "electricity at the calorific equivalent (当量值), 0.1229 kgce/kWh." in en and "(AR5)" in en
    other = replace(table, basis=FactorBasis("equivalent", Decimal("0.4040"), "ar6"))
    assert "电力按等价值（0.4040 千克标准煤/千瓦时）计" in render_page(other, [], catalog, "zh")
    assert "（AR6）" in render_page(other, [], catalog, "zh")
    # a factor set from before the GWP choice: the electricity basis only
    older = render_page(replace(table, basis=FactorBasis("calorific", Decimal("0.1229"), "")), [], catalog, "zh")
    assert "当量值" in older and "全球变暖潜势" not in older
