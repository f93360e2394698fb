"""Returns of an older template version for the same period are read by their names; newer ones are refused."""

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry, load_registry
from esgflow.intake.outcome import Outcome
from esgflow.jobs.collection import ingest_files
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import (
    NEW_IN_V2,
    P2024,
    RETIRED_IN_V2,
    demo_inputs,
    fill,
    libreoffice_resave,
    older_template,
    open_collection,
    use_catalog,
)


@pytest.fixture
def templates_v2(
    sqlite_settings: Settings, catalog_v2: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, Path]:
    """Collection of 2025 open where this esgflow's current template is version 2."""
    use_catalog(monkeypatch, catalog_v2)
    return open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])


@pytest.fixture
def filled_v1(templates_v2: dict[str, Path], sqlite_settings: Settings, catalog_v2: Catalog, tmp_path: Path) -> Path:
    """SAMI's complete return on the version 1 template of the same period."""
    v1 = older_template(sqlite_settings, catalog_v2, "SAMI", "2025", "1", tmp_path / "tpl_v1")
    return fill(v1, tmp_path / "in", {})


def _v2_return(template: Path, out: Path, values: dict) -> Path:
    """SAMI's complete demo return on a version 2 template (which no longer has the retired input)."""
    complete = dict(demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"])
    del complete[RETIRED_IN_V2]
    return fill(template, out, {**complete, **values}, complete=False)


def _stored(settings: Settings) -> dict[str, Decimal | None]:
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(select(m.Indicator.code, m.Observation.value).join(m.Indicator)).tuples().all()
    return dict(rows)


def _where(path: Path, name: str) -> tuple[str, str]:
    ((sheet, coord),) = load_workbook(path).defined_names[name].destinations
    return sheet, coord.replace("$", "")


def _assert_read_as_version_1(outcome: Outcome, path: Path, settings: Settings, catalog: Catalog) -> None:
    assert outcome.status == "accepted_with_warnings", outcome.line()
    [finding] = outcome.findings
    sheet, cell = _where(path, "meta_template_version")
    assert (finding.rule, finding.severity, finding.indicators) == ("not_in_older_template", "warning", (NEW_IN_V2,))
    assert (finding.file, finding.sheet, finding.cell) == (path.name, sheet, cell)
    assert finding.message.startswith(
        f"this workbook is template version 1; version 2 also asks for {NEW_IN_V2} "
        "(Solar power generated on site, in kWh), which this file has no cell for, so nothing is stored for it. "
        "Fill in the version 2 template for 2025"
    )
    stored = _stored(settings)
    asked_v1 = {i.code for i in catalog.inputs_for_kind(load_registry()["SAMI"].kind, "1")}
    assert set(stored) == asked_v1 - {RETIRED_IN_V2}  # the figures it has, and no zero for what it lacks
    assert NEW_IN_V2 not in stored and RETIRED_IN_V2 not in stored


def test_a_version_1_return_is_read_and_asked_for_what_version_2_added(
    sqlite_settings: Settings, catalog_v2: Catalog, registry: EntityRegistry, filled_v1: Path
) -> None:
    [outcome] = ingest_files(sqlite_settings, [filled_v1])
    _assert_read_as_version_1(outcome, filled_v1, sqlite_settings, catalog_v2)
    expected = demo_inputs(catalog_v2, registry, P2024)["SAMI"]
    stored = _stored(sqlite_settings)
    assert stored["env_electricity"] == expected["env_electricity"] / 10000  # asked in kWh, stored in 10k kWh
    assert outcome.letter is not None
    letter = outcome.letter.read_text("utf-8")  # SAMI writes in Chinese: the indicator's name and the rule's wording
    assert catalog_v2[NEW_IN_V2].name_zh in letter
    assert "旧版模板缺少此项" in letter and "请使用本期最新版模板填写全部数值" in letter
    assert f"version 2 also asks for {NEW_IN_V2}" not in letter  # the checks' English is not the reporter's
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(m.Submission.template_version)) == "1"


def test_the_current_template_must_give_what_the_older_one_could_not(
    sqlite_settings: Settings, templates_v2: dict[str, Path], tmp_path: Path
) -> None:
    """The same gap in a version 2 return is the usual missing figure: an error, fixable in that file."""
    [outcome] = ingest_files(sqlite_settings, [_v2_return(templates_v2["SAMI"], tmp_path / "v2", {})])
    assert outcome.status == "rejected"
    assert [(f.rule, f.indicators) for f in outcome.findings] == [("required", (NEW_IN_V2,))]
    [again] = ingest_files(sqlite_settings, [_v2_return(templates_v2["SAMI"], tmp_path / "v2b", {NEW_IN_V2: 1200})])
    assert again.status == "accepted" and _stored(sqlite_settings)[NEW_IN_V2] == Decimal("0.12")


def test_an_older_version_is_signed_with_its_own_version(
    sqlite_settings: Settings, templates_v2: dict[str, Path], tmp_path: Path
) -> None:
    """Writing 1 over the 2 of a version 2 template does not make it a version 1 return: the signature says 2."""
    path = _v2_return(templates_v2["SAMI"], tmp_path / "in", {NEW_IN_V2: 5})
    wb = load_workbook(path)
    sheet, cell = _where(path, "meta_template_version")
    wb[sheet][cell] = "1"
    wb.save(path)
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "refused" and outcome.findings[0].rule == "identity_not_signed"


def test_a_template_version_newer_than_esgflow_knows_is_refused(
    sqlite_settings: Settings, filled_v1: Path, tmp_path: Path
) -> None:
    wb = load_workbook(filled_v1)
    sheet, cell = _where(filled_v1, "meta_template_version")
    wb[sheet][cell] = "3"
    newer = tmp_path / "newer" / filled_v1.name
    newer.parent.mkdir()
    wb.save(newer)
    [outcome] = ingest_files(sqlite_settings, [newer])
    assert outcome.status == "refused"
    [finding] = outcome.findings
    assert (finding.rule, finding.sheet, finding.cell) == ("template_version_newer", sheet, cell)
    assert f"meta_template_version ('{sheet}'!{cell}) is template version 3, newer than this esgflow knows" in (
        outcome.line()
    )
    assert _stored(sqlite_settings) == {}


def test_a_version_1_return_resaved_by_libreoffice_reads_the_same(
    sqlite_settings: Settings, catalog_v2: Catalog, filled_v1: Path, tmp_path: Path
) -> None:
    [resaved] = libreoffice_resave([filled_v1], tmp_path / "lo")
    assert resaved.read_bytes() != filled_v1.read_bytes()
    [outcome] = ingest_files(sqlite_settings, [resaved])
    _assert_read_as_version_1(outcome, resaved, sqlite_settings, catalog_v2)


def test_a_return_on_the_template_before_marks_is_accepted_with_every_figure_actual(
    sqlite_settings: Settings, catalog: Catalog, tmp_path: Path
) -> None:
    """Template version 2 had no actual/estimated column: no finding asks for one, and nothing is marked."""
    open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    v2 = older_template(sqlite_settings, catalog, "SAMI", "2025", "2", tmp_path / "tpl_v2")
    [outcome] = ingest_files(sqlite_settings, [fill(v2, tmp_path / "in", {})])
    # the inputs new since version 2 (Scope 3 activity, version 4) are only noted as not asked
    newer = {i.code for i in catalog.inputs_for_kind(load_registry()["SAMI"].kind) if not i.in_template("2")}
    assert outcome.status in ("accepted", "accepted_with_warnings")
    assert {f.rule for f in outcome.findings} <= {"not_in_older_template"}
    assert {code for f in outcome.findings for code in f.indicators} == newer
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(m.Submission.template_version)) == "2"
        marks = s.execute(select(m.Observation.estimated, m.Observation.value)).all()
    asked = [i for i in catalog.inputs_for_kind(load_registry()["SAMI"].kind) if i.in_template("2")]
    assert len(marks) == len(asked)
    assert {estimated for estimated, _ in marks} == {False} and all(value is not None for _, value in marks)
