"""What the portal shows: findings in the reporter's words, changes between versions, lateness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.findings import Finding
from esgflow.portal.views import changes, finding_rows, is_late, versions, written_figures
from esgflow.records import SubmissionRecord
from tests.returns_factory import fill, open_collection


def test_findings_read_in_the_reporters_language_errors_first(catalog: Catalog) -> None:
    findings = [
        Finding("yoy_change_needs_note", "warning", "changed a lot", ("env_water_total",), sheet="环境", cell="E12"),
        Finding("range", "error", "is -5 t", ("env_water_total",), sheet="环境", cell="E12", expected=Decimal("0")),
    ]
    written = {"env_water_total": ("-5", "t")}
    zh = finding_rows(findings, written, catalog, "zh")
    en = finding_rows(findings, written, catalog, "en")
    assert [r.severity for r in zh] == ["error", "warning"]
    assert zh[0].indicator == "总用水量" and en[0].indicator == "Total water consumption"
    assert (
        zh[0].figure == "-5 吨" and zh[0].cell == "E12" and zh[0].compared == "0.00 吨" and en[0].compared == "0.00 t"
    )
    assert en[0].figure == "-5 t"
    # a Chinese page carries no English detail line; the English one keeps the check's sentence
    assert zh[0].action != en[0].action and zh[0].message == "" and en[0].message == "is -5 t"


def test_the_portal_quotes_as_typed_and_compares_in_the_unit_asked_as_the_letter_does(catalog: Catalog) -> None:
    typed = [
        Finding("text_in_number_cell", "error", "not a number", ("env_diesel",), sheet="环境", cell="E7", found=t)
        for t in ("25847.61小时", "估", "#DIV/0!")
    ]
    slip = Finding(
        "unit_slip",
        "warning",
        "10,000 times",
        ("env_electricity",),
        sheet="环境",
        cell="E9",
        expected=Decimal("595.54"),
    )
    written = {"env_diesel": ("-", "L"), "env_electricity": ("6,000,000", "kWh")}
    zh = finding_rows([*typed, slip], written, catalog, "zh")
    assert [r.figure for r in zh] == ["25847.61小时", "估", "#DIV/0!", "6,000,000 千瓦时"]
    # the published unit is 10k kWh, the reporter was asked in kWh: the comparison is in kWh
    assert zh[-1].compared == "5,955,400 千瓦时"
    en = finding_rows([slip], written, catalog, "en")
    assert en[0].figure == "6,000,000 kWh" and en[0].compared == "5,955,400 kWh"


def test_changes_are_the_figures_that_differ(catalog: Catalog) -> None:
    before = {"env_water_total": ("-5", "t"), "env_diesel": ("1", "L")}
    after = {"env_water_total": ("35,442", "t"), "env_diesel": ("1", "L"), "env_gasoline": ("3", "L")}
    moved = changes(before, after, catalog, "en")
    assert sorted((c.code, c.before, c.after, c.unit) for c in moved) == [
        ("env_gasoline", "—", "3", "L"),
        ("env_water_total", "-5", "35,442", "t"),
    ]


def test_versions_read_their_archived_workbooks_newest_first(
    sqlite_settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    template = open_collection(sqlite_settings, "2024", tmp_path / "tpl", ["SAMI"])["SAMI"]
    first = fill(template, tmp_path / "a", {"env_water_total": Decimal("-5")})
    second = fill(template, tmp_path / "b", {})
    when = datetime(2025, 1, 2, tzinfo=UTC)
    records = [
        SubmissionRecord(1, "rejected", when, first.name, str(first), ()),
        SubmissionRecord(2, "accepted", when, second.name, str(second), ()),
    ]
    shown = versions(records, catalog, "zh")
    assert [v.version for v in shown] == [2, 1] and shown[1].changes is None
    assert [(c.code, c.before) for c in shown[0].changes or []] == [("env_water_total", "-5")]
    assert written_figures(b"not a workbook", "x.xlsx", catalog) == {}


def test_late_is_past_the_deadline_without_an_accepted_return() -> None:
    deadline = date(2025, 1, 31)
    on_time = datetime(2025, 1, 30, tzinfo=UTC)
    assert not is_late("not_submitted", None, deadline, date(2025, 1, 31))
    assert is_late("not_submitted", None, deadline, date(2025, 2, 1))
    assert is_late("rejected", on_time, deadline, date(2025, 2, 1))
    assert not is_late("accepted", on_time, deadline, date(2025, 6, 1))
    assert is_late("accepted_with_warnings", datetime(2025, 2, 3, tzinfo=UTC), deadline, date(2025, 6, 1))


def test_changes_on_a_chinese_page_name_units_in_chinese(catalog: Catalog) -> None:
    moved = changes({"env_diesel": ("1", "L")}, {"env_diesel": ("2", "L")}, catalog, "zh")
    assert [c.unit for c in moved] == ["升"]


def test_a_stored_finding_on_a_mark_cell_quotes_the_mark_as_typed(
    sqlite_settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    template = open_collection(sqlite_settings, "2024", tmp_path / "tpl", ["SAMI"])["SAMI"]
    path = fill(template, tmp_path / "a", {"env_diesel": 25847, "env_diesel__estimate": "估"})
    [place] = [key for key in written_figures(path.read_bytes(), path.name, catalog) if "!" in key]
    sheet, cell = place.rsplit("!", 1)
    stored = Finding("estimate_mark", "error", "not a mark", ("env_diesel",), sheet=sheet, cell=cell)  # no text kept
    when = datetime(2025, 1, 2, tzinfo=UTC)
    [shown] = versions([SubmissionRecord(1, "rejected", when, path.name, str(path), (stored,))], catalog, "zh")
    assert shown.findings[0].figure == "估"  # not the diesel figure beside it, nor with a unit
