"""Published history: import the seed appendix, report 2024, get every figure back exactly."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.jobs.figures import report_period
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m

YEARS = ["2022", "2022_restated", "2023", "2024"]


def test_import_then_report_gives_back_every_published_figure(
    settings: Settings, seed_dir: Path, tmp_path: Path
) -> None:
    init_warehouse(settings)
    result = import_history_file(settings, seed_dir / "appendix_2022_2024.csv")
    assert result.years == ["2022", "2023", "2024"] and result.inserted > 0
    report_period(settings, parse_period("2024"), tmp_path / "out", ["zh", "en"])
    published = list(csv.DictReader((seed_dir / "appendix_2022_2024.csv").open(encoding="utf-8")))
    reported = list(csv.DictReader((tmp_path / "out" / "appendix.csv").open(encoding="utf-8")))
    assert list(reported[0]) == ["code", "name_zh", "name_en", "unit", *YEARS]
    # indicators new since the 2024 report (greenhouse gases) have rows, but nothing was published for them
    new = [r for r in reported if r["code"] not in {p["code"] for p in published}]
    assert {r["code"] for r in new} >= {"env_ghg_scope1", "env_ghg_total"}
    assert all(not r[year] for r in new for year in YEARS)
    reported = [r for r in reported if r not in new]
    assert [r["code"] for r in reported] == [r["code"] for r in published]
    for pub, rep in zip(published, reported, strict=True):
        assert rep["name_zh"] == pub["name_zh"]
        for year in YEARS:
            if pub[year] == "":
                assert rep[year] == "", (pub["code"], year)
            else:
                assert Decimal(rep[year]) == Decimal(pub[year]), (pub["code"], year)
                assert "e" not in rep[year].lower() and "," not in rep[year]


def test_published_figures_are_kept_apart_and_reimport_changes_nothing(settings: Settings, seed_dir: Path) -> None:
    init_warehouse(settings)
    import_history_file(settings, seed_dir / "appendix_2022_2024.csv")
    again = import_history_file(settings, seed_dir / "appendix_2022_2024.csv")
    assert again.inserted == again.updated == 0 and again.unchanged > 0
    with db.session_scope(settings.database_url) as s:
        bases = dict(
            s.execute(select(m.ConsolidatedFigure.basis, func.count()).group_by(m.ConsolidatedFigure.basis))
            .tuples()
            .all()
        )
    assert bases == {"published": again.unchanged - 3, "published_restated": 3}


def test_body_kpis_import_too(settings: Settings, seed_dir: Path) -> None:
    init_warehouse(settings)
    assert import_history_file(settings, seed_dir / "body_kpis_2024.csv").inserted == 28


def test_bad_history_names_row_and_column(sqlite_settings: Settings, tmp_path: Path) -> None:
    init_warehouse(sqlite_settings)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,2024\nenv_diesel,12x\n", encoding="utf-8")
    with pytest.raises(EsgflowError, match=r"bad.csv: row 2, column 2024: '12x' is not a number"):
        import_history_file(sqlite_settings, bad)
    bad.write_text("code,2024\nenv_unicorns,1\n", encoding="utf-8")
    with pytest.raises(EsgflowError, match=r"row 2: indicator 'env_unicorns' is not in the catalog"):
        import_history_file(sqlite_settings, bad)
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.ConsolidatedFigure)) == 0
