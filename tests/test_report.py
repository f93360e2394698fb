"""Writing the report: the appendix in CSV, Excel and HTML per language, and the disclosure index."""

from __future__ import annotations

import csv
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.demo.group import bundled_history
from esgflow.figures.history import read_published
from esgflow.jobs.disclosure import show_disclosure
from esgflow.jobs.figures import report_period
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.periods import parse_period
from esgflow.report import LANGUAGES, check_languages, write_report
from esgflow.report.tables import AppendixTable, build_appendix

P2024 = parse_period("2024")


@pytest.fixture(scope="module")
def published(catalog: Catalog) -> AppendixTable:
    figures = {(f.code, f.year, f.basis): f.value for f in read_published(bundled_history(), catalog)}
    return build_appendix(figures, catalog, P2024)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_write_report_writes_the_tables_the_index_and_a_page_per_language(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "2024"
    report = write_report(published, catalog, out, ["zh", "en"])
    assert report.table is published
    assert report.files == [
        out / "appendix.csv",
        out / "appendix.xlsx",
        out / "disclosure_index.csv",
        out / "appendix.zh.html",
        out / "appendix.en.html",
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in report.files)
    assert next(r for r in _csv(out / "appendix.csv") if r["code"] == "env_diesel")["2024"] == "17298567.74"
    assert any("env_diesel" in r["codes"].split("; ") for r in _csv(out / "disclosure_index.csv"))
    assert (out / "appendix.xlsx").read_bytes().startswith(b"PK")
    assert "柴油使用量" in (out / "appendix.zh.html").read_text("utf-8")
    assert "Diesel consumption" in (out / "appendix.en.html").read_text("utf-8")


def test_write_report_writes_only_the_pages_asked_for(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    report = write_report(published, catalog, tmp_path, ["en"])
    assert [p.name for p in report.files if p.suffix == ".html"] == ["appendix.en.html"]
    assert not (tmp_path / "appendix.zh.html").exists()


def test_write_report_refuses_an_unknown_language_before_writing(
    published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    with pytest.raises(EsgflowError, match="unknown language fr, de; choose from zh, en"):
        write_report(published, catalog, tmp_path / "out", ["zh", "fr", "de"])
    assert not (tmp_path / "out").exists()


def test_write_report_refuses_a_table_without_figures(catalog: Catalog, tmp_path: Path) -> None:
    empty = build_appendix({}, catalog, parse_period("2031"))
    with pytest.raises(EsgflowError, match="no group figures for 2031 or the two years before it"):
        write_report(empty, catalog, tmp_path / "out", ["zh"])
    assert not (tmp_path / "out").exists()
    one = build_appendix({("env_diesel", "2029", "computed"): Decimal("1")}, catalog, parse_period("2031"))
    assert write_report(one, catalog, tmp_path / "out", ["zh"]).files[0].is_file()  # one figure is enough


def test_check_languages_takes_chinese_and_english_only() -> None:
    assert LANGUAGES == ("zh", "en")
    check_languages(["zh", "en"])
    check_languages([])
    with pytest.raises(EsgflowError, match="unknown language ja; choose from zh, en"):
        check_languages(["en", "ja"])


def test_report_refuses_unknown_language_and_empty_periods(sqlite_settings: Settings, tmp_path: Path) -> None:
    init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="unknown language fr"):
        report_period(sqlite_settings, parse_period("2024"), tmp_path, ["fr"])
    with pytest.raises(EsgflowError, match="no group figures for 2031"):
        report_period(sqlite_settings, parse_period("2031"), tmp_path, ["zh"])


def test_a_report_from_the_warehouse_shows_the_published_figures_as_published(
    sqlite_settings: Settings, seed_dir: Path, published: AppendixTable, catalog: Catalog, tmp_path: Path
) -> None:
    init_warehouse(sqlite_settings)
    import_history_file(sqlite_settings, seed_dir / "appendix_2022_2024.csv")
    from_warehouse = report_period(sqlite_settings, P2024, tmp_path / "warehouse", ["zh", "en"])
    # the report runs the group checks on what was published: the report's own contradictions come with it
    own = from_warehouse.table.contradictions
    assert ("derived_recomputed", "2022", "env_fuel_total") in {(f.rule, f.period, f.indicators[0]) for f in own}
    assert {f.period for f in own} == {"2022", "2023", "2024"}
    assert 'id="contradictions"' in (tmp_path / "warehouse" / "appendix.en.html").read_text("utf-8")
    # the warehouse's report shows each framework item of 2024 answered, explained or open
    answers = show_disclosure(sqlite_settings, P2024)
    direct = write_report(replace(published, contradictions=own), catalog, tmp_path / "direct", ["zh", "en"], answers)
    for name in ("appendix.csv", "disclosure_index.csv", "appendix.zh.html", "appendix.en.html"):
        assert (tmp_path / "warehouse" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes(), name
    assert [p.name for p in from_warehouse.files] == [p.name for p in direct.files]
