"""Targets in the report (esgflow.report.targets): targets.csv and the page's section."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from esgflow import pages
from esgflow.catalog import Catalog
from esgflow.figures.targets import yearly_progress
from esgflow.records import TargetRecord
from esgflow.report.page_sections import words
from esgflow.report.targets import targets_section, write_targets_csv


def _page(progress: list, catalog: Catalog, lang: str) -> str:
    """The targets' section as the report page writes it, through its partial."""
    template = pages.report_environment().get_template("report_targets.html")
    return template.render(t=words(lang), targets=targets_section(progress, catalog, lang))


TARGET = TargetRecord(
    "env_diesel", "group", "absolute", 2022, Decimal(110), 2026, Decimal(70), {2024: Decimal(85)}, "Wang Li"
)


def test_the_csv_and_the_page_show_each_years_progress_and_leave_a_missing_figure_blank(
    catalog: Catalog, tmp_path: Path
) -> None:
    progress = yearly_progress([TARGET], {("env_diesel", 2023): Decimal(90), ("env_diesel", 2024): Decimal(80)}, 2025)
    write_targets_csv(progress, tmp_path / "targets.csv")
    with (tmp_path / "targets.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["year"], r["value"], r["progress_percent"], r["on_track"]) for r in rows] == [
        ("2023", "90", "50.0", ""),
        ("2024", "80", "75.0", "yes"),
        ("2025", "", "", ""),
    ]
    page = _page(progress, catalog, "en")
    assert 'id="targets"' in page and "base year 2022 110, target 2026 70" in page and "75.0 %" in page
    assert "milestone met" in page
    zh = _page(progress, catalog, "zh")
    assert "目标及进展" in zh and "绝对量目标" in zh and "Progress" not in zh
    assert targets_section([], catalog, "en") == []


def test_the_page_shows_target_figures_as_figures_with_separators_at_their_places(catalog: Catalog) -> None:
    # a computed figure carries every digit of its arithmetic; the page shows it at the indicator's published places
    target = TargetRecord(
        "env_ghg_total", "group", "absolute", 2024, Decimal(200000), 2030, Decimal(150000), {2026: Decimal(185000)}, "W"
    )
    progress = yearly_progress([target], {("env_ghg_total", 2026): Decimal("184208.8463396")}, 2026)
    page = _page(progress, catalog, "zh")
    assert "184,208.85" in page and "184208.8463396" not in page
    assert "200,000" in page and "150,000" in page and "185,000" in page
