"""What the ESG office relies on after an ingest: the newest version is the one that arrived
last, every loaded return is answered once even when a run stopped, and status, report and
figures agree."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from esgflow.config import Settings, load_settings
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.figures import report_period
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse.observations import accepted_observations
from tests.returns_factory import fill, open_collection

P2025 = parse_period("2025")


@pytest.fixture
def templates(sqlite_settings: Settings, tmp_path: Path) -> dict[str, Path]:
    return open_collection(sqlite_settings, P2025, tmp_path / "tpl", ["SAMI", "GAMI", "TJC"])


def _diesel(settings: Settings) -> dict[str, Decimal]:
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
    return {r["entity"]: r["value"] for r in frame.iter_rows(named=True) if r["indicator"] == "env_diesel"}


def test_versions_follow_arrival_not_file_names(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    batch = tmp_path / "downloads"
    original = fill(templates["SAMI"], batch, {"env_diesel": 100}, name="SAMI_2025.xlsx")
    correction = fill(templates["SAMI"], batch, {"env_diesel": 120}, name="SAMI_2025 (1).xlsx")
    os.utime(original, (1_700_000_000, 1_700_000_000))
    os.utime(correction, (1_700_000_060, 1_700_000_060))  # a minute later, though its name sorts first
    outcomes = {o.path.name: o for o in ingest_files(sqlite_settings, [batch])}
    assert (outcomes["SAMI_2025.xlsx"].version, outcomes["SAMI_2025 (1).xlsx"].version) == (1, 2)
    assert _diesel(sqlite_settings)["SAMI"] == Decimal("120")
    assert "superseded by SAMI_2025 (1).xlsx, which arrived later" in outcomes["SAMI_2025.xlsx"].line()
    assert "superseded" not in outcomes["SAMI_2025 (1).xlsx"].line()


def test_report_consolidates_first_when_returns_are_newer(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "a", {"env_diesel": 100})])
    first = report_period(sqlite_settings, P2025, tmp_path / "r1", ["en"])
    row = next(r for r in first.table.rows if r.indicator.code == "env_diesel")
    assert first.consolidated_first and row.cells["2025"] is not None and row.cells["2025"].value == 100
    again = report_period(sqlite_settings, P2025, tmp_path / "r2", ["en"])
    assert not again.consolidated_first
    ingest_files(sqlite_settings, [fill(templates["GAMI"], tmp_path / "b", {"env_diesel": 50})])
    later = report_period(sqlite_settings, P2025, tmp_path / "r3", ["en"])
    row = next(r for r in later.table.rows if r.indicator.code == "env_diesel")
    assert later.consolidated_first and row.cells["2025"] is not None and row.cells["2025"].value == 150


def test_status_shows_the_version_in_the_figures_and_the_rejected_one_waiting(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "a", {"env_diesel": 100})])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "b", {"env_diesel": "lots"})])
    sami = next(s for s in period_statuses(sqlite_settings, P2025) if s.entity == "SAMI")
    assert (sami.status, sami.version, sami.figures_version) == ("rejected", 2, 1)
    assert _diesel(sqlite_settings)["SAMI"] == Decimal("100")


def _log_entries(settings: Settings, digest: str) -> list[dict[str, object]]:
    [log] = settings.archive.rglob(f"{digest}*.log.jsonl")
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()]


def test_a_letter_that_cannot_be_written_is_written_by_the_next_run(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    sami = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 100})
    gami = fill(templates["GAMI"], tmp_path / "in", {"env_diesel": 50})
    blocker = sqlite_settings.home / "letters" / "SAMI_2025_v1.txt"
    blocker.mkdir(parents=True)  # the letter's path is taken: writing it fails for this file only
    outcomes = {o.path.name: o for o in ingest_files(sqlite_settings, [sami, gami])}
    assert outcomes[gami.name].letter is not None and outcomes[gami.name].status == "accepted"
    stuck = outcomes[sami.name]
    assert stuck.status == "accepted" and stuck.letter is None and "the next run writes it" in stuck.line()
    assert _diesel(sqlite_settings) == {"SAMI": Decimal("100"), "GAMI": Decimal("50")}
    assert not list(sqlite_settings.archive.rglob(f"{stuck.content_hash}*.log.jsonl"))  # not answered yet

    shutil.rmtree(blocker)
    [again] = ingest_files(sqlite_settings, [sami])
    assert (again.status, again.version) == ("accepted", 1) and again.letter is not None
    assert "answered now" in again.line()
    assert [e["status"] for e in _log_entries(sqlite_settings, again.content_hash)] == ["accepted"]
    [third] = ingest_files(sqlite_settings, [sami])
    assert third.status == "duplicate" and third.version == 1


def _ingest(home: str, url: str, files: list[str], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    settings = load_settings({"ESGFLOW_HOME": home, "ESGFLOW_DATABASE_URL": url})
    queue.put([(o.path.name, o.status, o.version) for o in ingest_files(settings, [Path(f) for f in files])])


@pytest.mark.slow  # three processes, each starting Great Expectations on one new context
def test_three_ingests_at_once_all_finish(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2025, tmp_path / "tpl", ["SAMI", "GAMI", "TJC"])
    groups = [
        [str(fill(templates[e], tmp_path / f"p{n}" / str(v), {"env_diesel": 10 * v + n})) for v in (1, 2)]
        for n, e in enumerate(["SAMI", "GAMI", "TJC"])
    ]
    db.dispose(settings.database_url)  # children open their own connections; none is shared across a fork
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    workers = [ctx.Process(target=_ingest, args=(str(settings.home), settings.database_url, g, queue)) for g in groups]
    for w in workers:
        w.start()
    results = [queue.get(timeout=180) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert sorted(status for r in results for _, status, _ in r) == ["accepted"] * 6
    assert _diesel(settings) == {"SAMI": Decimal("20"), "GAMI": Decimal("21"), "TJC": Decimal("22")}


def test_an_earlier_file_stored_after_a_later_one_does_not_become_the_newest(
    sqlite_settings: Settings, templates: dict[str, Path], tmp_path: Path
) -> None:
    # two runs at once: the correction (arrived later) happens to be stored before the original
    original = fill(templates["SAMI"], tmp_path / "a", {"env_diesel": 100}, name="SAMI_2025.xlsx")
    correction = fill(templates["SAMI"], tmp_path / "b", {"env_diesel": 120}, name="SAMI_2025 (1).xlsx")
    os.utime(original, (1_700_000_000, 1_700_000_000))
    os.utime(correction, (1_700_000_060, 1_700_000_060))
    [first] = ingest_files(sqlite_settings, [correction])
    [late] = ingest_files(sqlite_settings, [original])
    assert (first.version, late.version) == (1, 2)
    assert "version 1 arrived after this file and stays the newest" in late.line()
    assert _diesel(sqlite_settings)["SAMI"] == Decimal("120")
    [sami] = [s for s in period_statuses(sqlite_settings, P2025) if s.entity == "SAMI"]
    assert (sami.version, sami.figures_version) == (1, 1)
