"""A return through the portal: its identity checked before anything is stored, then the one pipeline."""

from __future__ import annotations

import fcntl
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import HTTPException

from esgflow.catalog import Catalog, load_catalog
from esgflow.checks import gx_run, recorder
from esgflow.config import Settings, load_settings
from esgflow.intake import ingest
from esgflow.jobs.access import portal_events
from esgflow.jobs.collection import data_docs_index, entity_versions
from esgflow.periods import parse_period
from esgflow.portal import uploads
from esgflow.portal.auth import Viewer
from esgflow.portal.uploads import claimed_identity, safe_name, submit
from esgflow.records import AccessRecord
from esgflow.warehouse import db
from esgflow.workbooks import returns
from esgflow.workbooks.returns import ParsedReturn, read_one, read_return
from tests.portal_world import ENTITIES, PERIOD, WRONG, World, make_world


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


def _recorded(home: Path) -> None:
    """Wait until the home's recorder has taken and recorded every queued run and let its lock go."""
    base = recorder.queue_dir(home)
    for _ in range(3000):
        if not list(base.glob("*/*")):
            with recorder.lock_path(home).open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    pass
        time.sleep(0.1)
    raise AssertionError(f"the recorder left {list(base.glob('*/*'))}")


def test_a_portal_recording_apart_answers_without_great_expectations_and_every_run_is_recorded(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """`esgflow portal`: the answers never wait for Great Expectations; a recorder process keeps the record."""
    world = make_world(sqlite_settings, tmp_path)
    client = world.client(record_apart=True)
    runs = gx_run.checkpoint_runs()
    sent = {"SAMI": world.workbook("SAMI"), "GAMI": world.workbook("GAMI", WRONG)}
    answers = {
        e: client.post("/api/returns", headers=world.bearer(e), files={"file": (p.name, p.read_bytes())}).json()
        for e, p in sent.items()
    }
    assert [answers[e]["status"] for e in sent] == ["accepted", "rejected"]
    # the background refreshes ran (inside the requests, under TestClient): nothing was recorded here
    assert gx_run.checkpoint_runs() == runs
    assert not gx_run.validator_for(sqlite_settings.home, load_catalog()).checkpoints  # nor loaded
    _recorded(sqlite_settings.home)
    validations = sqlite_settings.home / "gx" / "uncommitted" / "validations" / "submission"
    names = sorted(p.name for p in validations.iterdir())
    assert len(names) == 2 and data_docs_index(sqlite_settings).is_file()
    pages = data_docs_index(sqlite_settings).parent / "esgflow"
    said = "".join((pages / f"{name}.html").read_text("utf-8") for name in names)
    assert all(p.name in said for p in sent.values())  # each run's page lists the return it judged
    assert recorder.mismatches(sqlite_settings.home) == []


def test_a_file_name_keeps_no_bidirectional_or_invisible_characters() -> None:
    assert safe_name("SAMI_2024\u202excl.exe") == "SAMI_2024xcl.exe"  # would read SAMI_2024exe.lcx
    assert safe_name("SAMI\u200b_2024\u2066.xlsx\u2069") == "SAMI_2024.xlsx"


def _at_once(world: World, sent: dict[str, tuple[str, Path]], judged: list[str]) -> dict[str, Any]:
    """Each upload (name -> (whose token, workbook)) posted on its own thread against the real portal app while
    another process holds the home's validation lock, released once all of them wait: what each was answered."""

    def post(who: str, path: Path) -> Any:
        file = {"file": (path.name, path.read_bytes())}
        answer = world.client().post("/api/returns", headers=world.bearer(who), files=file)
        return answer.json() if answer.status_code == 200 else (answer.status_code, answer.text)

    with ThreadPoolExecutor(len(sent)) as pool:
        judged.clear()
        with gx_run._exclusive(world.settings.home):
            answers = {name: pool.submit(post, who, path) for name, (who, path) in sent.items()}
            for _ in range(1200):  # an unreadable file needs no validation: it may be answered meanwhile
                if uploads._WAITING[0] + len(judged) == len(sent):
                    break
                time.sleep(0.1)
            assert uploads._WAITING[0] + len(judged) == len(sent)
        return {name: answer.result(timeout=600) for name, answer in answers.items()}


def _letters(settings: Settings) -> dict[str, str]:
    """The return letters written, their moment of receipt aside (the second world received them later)."""
    folder = settings.home / "letters"
    moment = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC[+-]\d+")
    return {
        str(p.relative_to(folder)): moment.sub("<moment>", p.read_text()) if p.suffix != ".xlsx" else ""
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_uploads_waiting_at_once_are_judged_in_fewer_runs_each_answered_as_it_is_alone(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ingest.validate_returns

    def poisoned(returns: dict[int, ParsedReturn], *args: Any) -> Any:  # a workbook the validation cannot survive
        if any("poison" in r.file for r in returns.values()):
            raise RuntimeError("a poisonous workbook")
        return real(returns, *args)

    monkeypatch.setattr(ingest, "validate_returns", poisoned)
    judged: list[str] = []  # uploads whose judging is over (answered, or failed)
    submit = uploads.submit

    def counted(*args: Any, **kwargs: Any) -> Any:
        try:
            return submit(*args, **kwargs)
        finally:
            judged.append(args[3])

    monkeypatch.setattr(uploads, "submit", counted)
    alone_settings = load_settings({"ESGFLOW_HOME": str(tmp_path / "alone" / "home")})
    worlds = {"alone": make_world(alone_settings, tmp_path / "alone"), "batch": make_world(sqlite_settings, tmp_path)}
    rounds: dict[str, list[dict[str, tuple[str, Path]]]] = {}
    for how, world in worlds.items():
        junk = world.folder / "SAMI_2024_junk.xlsx"
        junk.write_bytes(b"%PDF-1.4 not a workbook")
        rounds[how] = [
            {  # one of each answer: accepted, rejected with a finding on its cell, refused unread
                "sami": ("SAMI", world.workbook("SAMI")),
                "gami": ("GAMI", world.workbook("GAMI", WRONG)),
                "os-in": ("OS-IN", world.workbook("OS-IN")),
                "junk": ("SAMI", junk),
            },
            {  # second versions beside a workbook that makes any batch holding it fail (its own bytes: not a duplicate)
                "sami": ("SAMI", world.workbook("SAMI", {"gov_contracts_reviewed": 7}, name="SAMI_2024_v2.xlsx")),
                "gami": ("GAMI", world.workbook("GAMI", name="GAMI_2024_v2.xlsx")),
                "os-in": (
                    "OS-IN",
                    world.workbook("OS-IN", {"env_water_total": 1234}, name="OS-IN_2024_poison.xlsx"),
                ),
            },
        ]
        first_os_in, poison = (rounds[how][n]["os-in"][1].read_bytes() for n in (0, 1))
        assert first_os_in != poison  # else it is a duplicate, answered before any validation
    try:
        alone, runs = [], gx_run.checkpoint_runs()
        for sent in rounds["alone"]:
            alone.append(
                {name: _at_once(worlds["alone"], {name: upload}, judged)[name] for name, upload in sent.items()}
            )
        runs_alone, runs = gx_run.checkpoint_runs() - runs, gx_run.checkpoint_runs()
        first = _at_once(worlds["batch"], rounds["batch"][0], judged)
        runs_at_once = gx_run.checkpoint_runs() - runs
        second = _at_once(worlds["batch"], rounds["batch"][1], judged)
        assert [first, second] == alone  # findings, cells, versions and refusals as each gets alone
        assert {a["status"] for a in first.values()} == {"accepted", "rejected", "refused"}
        assert [a["status"] for a in (second["sami"], second["gami"])] == ["accepted", "accepted"]
        assert second["os-in"][0] == 500  # its own failure, no one else's
        assert runs_alone == 5 and runs_at_once < 3  # one run per validated upload alone, not at once
        assert _letters(sqlite_settings) == _letters(alone_settings)
        period = parse_period(PERIOD)
        versions = {e: [v.version for v in entity_versions(sqlite_settings, e, period)] for e in ENTITIES}
        assert versions == {"SAMI": [1, 2], "GAMI": [1, 2], "OS-IN": [1]}  # nothing lost or doubled
        poison = rounds["batch"][1]["os-in"][1].read_bytes()
        assert any(p.read_bytes() == poison for p in sqlite_settings.archive.rglob("*.xlsx"))  # kept by its hash
    finally:
        db.dispose(alone_settings.database_url)
