"""The report page's style: nothing fetched from the internet, A4 landscape print with headers repeated."""

from __future__ import annotations

import re

from esgflow.report.page_style import STYLE


def test_the_style_needs_nothing_from_the_internet() -> None:
    assert "url(" not in STYLE and "@import" not in STYLE and "http" not in STYLE


def test_the_page_prints_on_a4_landscape_with_each_tables_header_on_every_page() -> None:
    assert re.search(r"@page\{size:A4 landscape", STYLE)
    printing = STYLE.split("@media print{", 1)[1]
    assert "thead{display:table-header-group}" in printing and "tr{break-inside:avoid}" in printing
    assert "th{position:static}" in printing  # a sticky header would print once, over the rows


def test_english_takes_a_latin_font_first_so_that_quotes_and_dashes_are_not_full_width() -> None:
    english = re.search(r"html\[lang=en\] body\{font-family:([^;}]+)", STYLE)
    assert english and "CJK" not in english.group(1).split(",")[0]
