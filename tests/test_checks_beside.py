"""Great Expectations' record made beside the command: started at its first build, complete when the block ends."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.checks import gx_run, recorder
from esgflow.checks.beside import records_beside
from esgflow.checks.frames import checked_value, submission_frame


@pytest.fixture(scope="module")
def frame(catalog: Catalog) -> pl.DataFrame:
    return submission_frame([checked_value("a", "env_diesel", Decimal("-1"), catalog)], catalog)  # an error


def _pages(home: Path, run: str) -> list[Path]:
    site = home / "gx" / "uncommitted" / "data_docs" / "local_site"
    return sorted(site.glob(f"validations/submission/{run}/*/*.html"))


def test_the_record_is_made_by_a_process_beside_the_command_and_complete_when_the_block_ends(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    home = tmp_path / "home"
    validator = gx_run.validator_for(home, catalog)
    recorded_here = gx_run.checkpoint_runs()
    with records_beside(home):
        beside = gx_run.DIVERTED[str(home.resolve())]
        first = validator.check("submission", frame, run_name="first").run
        assert beside.process is None  # nothing starts before the command would record
        gx_run.build_data_docs(home)
        assert beside.process is not None and beside.process.poll() is None  # recording while the command goes on
        assert not validator.held  # queued for it
        later = validator.check("submission", frame, run_name="later").run  # judged after the last build
        assert first is not None and later is not None
    assert beside.process.returncode == 0
    assert str(home.resolve()) not in gx_run.DIVERTED
    assert gx_run.checkpoint_runs() == recorded_here  # this process recorded nothing
    assert len(_pages(home, first.name)) == 1 and len(_pages(home, later.name)) == 1
    assert not [p for p in recorder.queue_dir(home).rglob("*") if p.is_file()]  # every run recorded, once
    assert recorder.mismatches(home) == []


def test_a_block_that_never_built_leaves_its_runs_to_a_recorder_at_its_end_and_one_that_judged_nothing_none(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    home = tmp_path / "home"
    validator = gx_run.validator_for(home, catalog)
    with records_beside(home):
        beside = gx_run.DIVERTED[str(home.resolve())]
    assert beside.process is None
    with records_beside(home):
        beside = gx_run.DIVERTED[str(home.resolve())]
        run = validator.check("submission", frame, run_name="unbuilt").run
        assert run is not None and beside.process is None
    assert beside.process is not None and beside.process.returncode == 0
    assert len(_pages(home, run.name)) == 1


def test_started_early_it_sets_up_great_expectations_before_the_first_run_and_is_the_only_recorder(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    home = tmp_path / "home"
    validator = gx_run.validator_for(home, catalog)
    with records_beside(home) as start:
        start()
        beside = gx_run.DIVERTED[str(home.resolve())]
        started = beside.process
        assert started is not None
        waited = time.monotonic() + 240
        while not (home / "gx" / gx_run.SUITES_STAMP).exists() and time.monotonic() < waited:
            time.sleep(0.1)
        assert (home / "gx" / gx_run.SUITES_STAMP).exists()  # its context is made before any run is queued
        assert not [p for p in recorder.queue_dir(home).rglob("*") if p.is_file()]  # nothing queued yet
        run = validator.check("submission", frame, run_name="early").run
        gx_run.build_data_docs(home)
        start()
        assert beside.process is started  # one recorder, however often it is asked for
    assert run is not None and len(_pages(home, run.name)) == 1
