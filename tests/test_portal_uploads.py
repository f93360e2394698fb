"""A return through the portal: its identity checked before anything is stored, then the one pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import HTTPException

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.jobs.access import portal_events
from esgflow.jobs.collection import data_docs_index, entity_versions
from esgflow.periods import parse_period
from esgflow.portal import uploads
from esgflow.portal.auth import Viewer
from esgflow.portal.uploads import claimed_identity, safe_name, submit
from esgflow.records import AccessRecord
from esgflow.workbooks import returns
from esgflow.workbooks.returns import ParsedReturn, read_one, read_return
from tests.portal_world import PERIOD, WRONG, make_world


def _stored(settings: Settings) -> tuple[list, list[Path]]:
    period = parse_period(PERIOD)
    versions = [entity_versions(settings, e, period) for e in ("SAMI", "GAMI", "OS-IN")]
    return versions, sorted(settings.archive.rglob("*")) if settings.archive.exists() else []


def test_a_file_name_keeps_no_folder_control_or_leading_dot() -> None:
    assert safe_name("C:\\Users\\li\\SAMI_2024.xlsx") == "SAMI_2024.xlsx"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".hidden.xlsx") == "hidden.xlsx"
    assert safe_name("a\nb<c>.xlsx") == "a_b_c_.xlsx"
    assert safe_name(None) == safe_name("") == safe_name("...") == "upload.xlsx"


def test_the_identity_is_read_as_the_ingest_reads_it(sqlite_settings: Settings, tmp_path: Path) -> None:
    world = make_world(sqlite_settings, tmp_path)
    path = world.workbook("GAMI")
    catalog = load_catalog()
    assert claimed_identity(read_one(path.read_bytes(), path.name, catalog)) == ("GAMI", PERIOD)
    assert claimed_identity(read_one(b"%PDF-1.4", "x.xlsx", catalog)) is None


def test_an_upload_is_read_once(sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(sqlite_settings, tmp_path)
    own = world.workbook("SAMI")
    readings: list[str] = []

    def counted(data: bytes, name: str, catalog: Catalog) -> ParsedReturn:
        readings.append(name)
        return read_return(data, name, catalog)

    monkeypatch.setattr(returns, "read_return", counted)
    sami = Viewer(AccessRecord(1, "reporter@sami.example", "SAMI"))
    outcome = submit(sqlite_settings, sami, own.read_bytes(), own.name, "10.1.1.1")
    assert outcome.entity == "SAMI" and outcome.version == 1
    assert readings == [own.name]  # the identity check's reading is the ingest's


def test_another_entitys_workbook_is_turned_away_before_anything_is_stored(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    world = make_world(sqlite_settings, tmp_path)
    sami = Viewer(AccessRecord(1, "reporter@sami.example", "SAMI"))
    before = _stored(sqlite_settings)
    other = world.workbook("GAMI").read_bytes()
    with pytest.raises(HTTPException) as raised:
        submit(sqlite_settings, sami, other, "GAMI_2024.xlsx", "10.1.1.1")
    assert raised.value.status_code == 403
    # the office on SAMI's page cannot drop GAMI's workbook there either
    office = Viewer(AccessRecord(2, "esg@office.example", None))
    with pytest.raises(HTTPException):
        submit(sqlite_settings, office, other, "GAMI_2024.xlsx", "10.1.1.2", for_entity="SAMI")
    assert _stored(sqlite_settings) == before
    [second, first, *_] = portal_events(sqlite_settings)
    assert (first.outcome, first.email, first.entity, first.client) == (
        "forbidden",
        "reporter@sami.example",
        "GAMI",
        "10.1.1.1",
    )
    assert second.outcome == "forbidden" and second.email == "esg@office.example"


def test_an_oversized_file_is_refused_unstored(sqlite_settings: Settings, tmp_path: Path) -> None:
    make_world(sqlite_settings, tmp_path)
    before = _stored(sqlite_settings)
    sami = Viewer(AccessRecord(1, "reporter@sami.example", "SAMI"))
    with pytest.raises(HTTPException) as raised:
        submit(sqlite_settings, sami, b"x" * (uploads.MAX_UPLOAD_BYTES + 1), "big.xlsx", "10.1.1.1")
    assert raised.value.status_code == 413 and _stored(sqlite_settings) == before
    assert portal_events(sqlite_settings)[0].outcome == "too_large"


def test_an_own_workbook_goes_through_the_pipeline_and_is_audited(sqlite_settings: Settings, tmp_path: Path) -> None:
    world = make_world(sqlite_settings, tmp_path)
    sami = Viewer(AccessRecord(1, "reporter@sami.example", "SAMI"))
    wrong = world.workbook("SAMI", WRONG)
    outcome = submit(sqlite_settings, sami, wrong.read_bytes(), wrong.name, "10.1.1.1")
    assert (outcome.status, outcome.entity, outcome.version) == ("rejected", "SAMI", 1)
    assert outcome.annotated and outcome.annotated.is_file() and outcome.findings
    again = submit(sqlite_settings, sami, wrong.read_bytes(), "again.xlsx", "10.1.1.1")
    assert again.status == "duplicate"
    unreadable = submit(sqlite_settings, sami, b"%PDF-1.4 not a workbook", "SAMI_2024.xlsx", "10.1.1.1")
    assert unreadable.status == "refused" and unreadable.findings
    audit = portal_events(sqlite_settings)
    assert [(a.outcome, a.version) for a in audit[:3]] == [("refused", None), ("duplicate", 1), ("rejected", 1)]
    assert not list((sqlite_settings.home / "portal-uploads").iterdir())  # the upload's copy is gone
    uploads.refresh_docs(sqlite_settings)
    assert data_docs_index(sqlite_settings).is_file()


def test_the_data_docs_wait_for_the_last_answer_of_a_burst_of_uploads(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    world = make_world(sqlite_settings, tmp_path)
    sami = Viewer(AccessRecord(1, "reporter@sami.example", "SAMI"))
    wrong = world.workbook("SAMI", WRONG)
    assert submit(sqlite_settings, sami, wrong.read_bytes(), wrong.name, "10.1.1.1").status == "rejected"
    with uploads._waiting():  # another upload of this process waits for its validation: its answer comes first
        assert uploads.refresh_docs(sqlite_settings) is False
    assert not data_docs_index(sqlite_settings).is_file()
    assert uploads.refresh_docs(sqlite_settings) is True  # the last answer's build renders what was left
    assert data_docs_index(sqlite_settings).is_file()


def test_a_file_name_keeps_no_bidirectional_or_invisible_characters() -> None:
    assert safe_name("SAMI_2024\u202excl.exe") == "SAMI_2024xcl.exe"  # would read SAMI_2024exe.lcx
    assert safe_name("SAMI\u200b_2024\u2066.xlsx\u2069") == "SAMI_2024.xlsx"
