"""The sections after the main tables, and the table they share."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

from esgflow import pages
from esgflow.catalog import Catalog
from esgflow.findings import Finding
from esgflow.report.disclosure import disclosure_index
from esgflow.report.page_sections import (
    Cell,
    disclosure_section,
    grid,
    list_separator,
    own_summary,
    words,
)

FINDING = Finding(
    rule="derived_recomputed",
    severity="error",
    message="published 2022: env_fuel_total is 38,462.46 L, but env_gasoline + env_diesel gives 3,926,838.22",
    indicators=("env_fuel_total", "env_gasoline", "env_diesel"),
    period="2022",
    expected=Decimal("3926838.22"),
    actual=Decimal("38462.46"),
)


def test_what_is_wrong_with_a_published_figure_is_said_in_the_pages_words() -> None:
    assert own_summary(FINDING, "en") == "Does not match its formula: Its own figures give 3,926,838.22"
    assert own_summary(FINDING, "zh").endswith("：按报告自身数值应为 3,926,838.22")
    assert "env_" not in own_summary(replace(FINDING, rule="no_such_rule"), "zh") + own_summary(FINDING, "en")


def test_names_are_listed_in_each_languages_way() -> None:
    assert (list_separator("zh"), list_separator("en")) == ("、", "; ")


def _partial(name: str, lang: str, **data: object) -> str:
    template = pages.report_environment().get_template(name)
    return template.render(t=words(lang), sep=list_separator(lang), **data)


def test_a_sections_table_is_a_partial_that_escapes_every_value_and_leaves_out_empty_columns() -> None:
    heads = [Cell("Name"), Cell("Empty"), Cell("Figure", "num")]
    rows = [
        ([("id", "a")], [Cell("<b>a</b>", href="#a"), Cell("–"), Cell("1", "num")]),
        ([("title", 'say "hi"')], [Cell("b's"), Cell(""), Cell("–", "num")]),
    ]
    html = _partial("report_scope3.html", "en", scope3=grid(heads, rows, "t"))
    assert html.startswith('<section id="scope3"><h2>') and "Empty" not in html
    assert '<tr id="a"><td><a href="#a">&lt;b&gt;a&lt;/b&gt;</a></td><td class="num">1</td></tr>' in html
    assert '<tr title="say &quot;hi&quot;"><td>b&#x27;s</td><td class="num">–</td></tr>' in html


def test_the_disclosure_index_is_folded_until_opened(catalog: Catalog) -> None:
    index = disclosure_section(disclosure_index(catalog), catalog, set(), "en")
    section = _partial("report_index.html", "en", index=index)
    assert section.startswith('<details class="index" id="index"><summary>Disclosure index</summary>')
    assert section.endswith("</details>") and " open" not in section.split(">")[0]
    assert '<a href="#' not in section  # no row of the page to link to when none is shown


def test_a_restatements_reason_is_escaped_into_the_pages_words_as_every_value_is() -> None:
    restated = SimpleNamespace(period="2023", number=1, reason="O'Neil's <b>fix</b>", significant=False)
    shown = [{"r": restated, "date": "2027-01-05 17:30 UTC+8", "grid": grid([Cell("A")], [([], [Cell("x")])], "r")}]
    html = _partial("report_restatements.html", "en", restatements=shown)
    assert "O&#x27;Neil&#x27;s &lt;b&gt;fix&lt;/b&gt;" in html and "<b>" not in html
    assert html.startswith('<section id="restatements"><h2>') and '<h3 id="restatement-2023-1">' in html
