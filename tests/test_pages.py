"""One way to write HTML (esgflow.pages): one environment over the template files, one stylesheet."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

from esgflow import pages
from esgflow.catalog import Catalog
from esgflow.checks.run_page import ValidationRun, write_run_page
from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.portal.render import render
from esgflow.report.html import render_page
from esgflow.report.tables import build_appendix


def test_every_template_file_loads_and_escapes_what_it_is_given() -> None:
    env = pages.environment()
    names = sorted(p.name for p in (resources.files("esgflow.pages") / "templates").iterdir())
    assert "base.html" in names and env.list_templates() == names
    for name in names:
        env.get_template(name)  # each parses, and finds what it extends or includes
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert pages.environment() is env  # one environment, made once


def test_the_stylesheet_is_the_one_file_the_pages_carry() -> None:
    css = pages.stylesheet()
    assert "body{" in css and css == (resources.files("esgflow.pages") / "style.css").read_text("utf-8")


def test_the_stylesheet_needs_nothing_from_the_internet() -> None:
    css = pages.stylesheet()
    assert "url(" not in css and "@import" not in css and "http" not in css


def test_the_report_page_prints_on_a4_landscape_with_each_tables_header_on_every_page() -> None:
    css = pages.stylesheet()
    assert re.search(r"@page\{size:A4 landscape", css)
    printing = css.split("@media print{\nbody.report", 1)[1].split("}\n}", 1)[0]
    assert "thead{display:table-header-group}" in printing and "tr{break-inside:avoid}" in printing
    assert "body.report th{position:static}" in printing  # a sticky header would print once, over the rows


def test_english_takes_a_latin_font_first_so_that_quotes_and_dashes_are_not_full_width() -> None:
    english = re.search(r"html\[lang=en\] body\.report\{font-family:([^;}]+)", pages.stylesheet())
    assert english and "CJK" not in english.group(1).split(",")[0]


def test_the_portal_the_report_page_and_the_run_pages_carry_the_one_stylesheet(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    style = f"<style>{pages.stylesheet()}</style>"
    figures = {("env_diesel", "2024", "computed"): Decimal("30")}
    report = render_page(build_appendix(figures, catalog, parse_period("2024")), [], catalog, "zh")
    run = ValidationRun("ingest-1-00000000", "submission", datetime(2027, 1, 5, tzinfo=UTC))
    written = write_run_page(tmp_path, run, [], None, catalog, registry).read_text("utf-8")
    portal = render("message.html", "zh", heading="h", text="t", back=None, viewer=None, csrf="")
    for page, kind in ((report, "report"), (written, "run"), (portal, "")):
        assert page.count("<style>") == 1 and style in page, kind
        assert (f'<body class="{kind}">' if kind else "<body>") in page
    assert '<html lang="zh">' in report
