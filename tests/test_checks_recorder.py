"""The record's queue: each judged run is recorded by Great Expectations once, by whichever recorder takes it,
and a difference between the two engines is loud."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.checks import recorder
from esgflow.checks.frames import checked_value, submission_frame
from esgflow.checks.gx_run import Validator
from esgflow.checks.run_page import RunReturn
from esgflow.findings import Finding

VALIDATIONS = Path("gx") / "uncommitted" / "validations"


@pytest.fixture(scope="module")
def frame(catalog: Catalog) -> pl.DataFrame:
    return submission_frame(
        [
            checked_value("a", "env_diesel", Decimal("-1"), catalog),  # range: error
            checked_value("b", "env_gasoline", Decimal("300"), catalog, prior=Decimal("100")),  # change: warning
            checked_value("b", "env_diesel", Decimal("5"), catalog),
        ],
        catalog,
    )


def _queued(home: Path, validator: Validator, frame: pl.DataFrame, name: str) -> str:
    """A run judged and released to the queue, as a process that answered it leaves it."""
    run = validator.check("submission", frame, run_name=name).run
    assert run is not None
    validator.release()
    assert (recorder.queue_dir(home) / "ready" / run.name).is_dir()
    return run.name


def _results(home: Path, run: str) -> list[Path]:
    return sorted((home / VALIDATIONS / "submission").glob(f"{run}/**/*.json"))


def test_two_recorders_at_once_record_a_queued_run_once(tmp_path: Path, catalog: Catalog, frame: pl.DataFrame) -> None:
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    validator.set_up()  # the context exists, as in a home that has validated before
    names = [_queued(home, validator, frame, f"race{n}") for n in range(3)]
    argv = [sys.executable, "-m", "esgflow.checks.recorder", str(home)]
    both = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    said = [p.communicate(timeout=300)[0].decode() for p in both]
    assert [p.returncode for p in both] == [0, 0], said
    for name in names:
        assert len(_results(home, name)) == 1, name  # once, not twice, not lost
    assert not [p for p in recorder.queue_dir(home).rglob("*") if p.is_file()]
    assert recorder.mismatches(home) == []


def test_one_started_recorder_at_a_time_and_it_takes_what_is_released_while_it_records(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    names = [_queued(home, validator, frame, f"first{n}") for n in range(2)]
    assert recorder.start_detached(home) is True
    assert recorder.start_detached(home) is False  # the one started holds the lock: no second one
    names.append(_queued(home, validator, frame, "meanwhile"))  # released while it records
    recorder.start_detached(home)  # started or not, the lock's holder looks at the queue again before it stops
    base = recorder.queue_dir(home)
    for _ in range(3000):
        if not list(base.glob("*/*")) and all(_results(home, n) for n in names):
            break
        time.sleep(0.1)
    with recorder.lock_path(home).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the recorder lets it go when it stops
    for name in names:
        assert len(_results(home, name)) == 1, name
    assert (validator.site / "index.html").is_file() and recorder.mismatches(home) == []


def test_an_entry_left_by_a_dead_process_is_recorded_by_the_next_recorder(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    name = _queued(home, validator, frame, "orphan")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    taking = recorder.queue_dir(home) / "taking"
    taking.mkdir(parents=True, exist_ok=True)
    here = recorder.host()
    (recorder.queue_dir(home) / "ready" / name).rename(taking / f"{name}.{here}.{int(dead.stdout)}")  # died recording
    held = validator.check("submission", frame, run_name="held-by-the-dead").run
    assert held is not None
    [path] = validator.held.values()
    path.rename(path.with_name(f"{held.name}.{here}.{int(dead.stdout)}"))  # died before releasing it
    validator.held = {}
    taken = recorder.take(home)
    assert sorted(p.name for p in taken) == sorted(f"{n}.{here}.{os.getpid()}" for n in (name, held.name))
    assert recorder.take(home) == []  # taken once
    _record(home, validator, taken)


def _record(home: Path, validator: Validator, taken: list[Path]) -> None:
    """Record taken entries as a recorder does: both engines agree."""
    for path in taken:
        entry = recorder.read(path)
        assert recorder.compare(home, entry.run, entry.judged, validator.record(entry.run, entry.frame))


def test_an_entry_held_on_another_host_is_not_taken_and_its_release_still_works(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    """Machines sharing one home: a process id that is not alive here may be alive on the host that holds it."""
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    runs = [validator.check("submission", frame, run_name=n).run for n in ("far", "near")]
    far, near = (validator.held[r.name] for r in runs if r is not None)
    foreign = far.with_name(f"{runs[0].name}.other-host_example_org.{dead}")  # its dots replaced, as host() does
    far.rename(foreign)
    near.rename(near.with_name(f"{runs[1].name}.{recorder.host()}.{dead}"))  # a dead process of this host
    validator.held = {}
    assert "." not in recorder.host()
    taken = recorder.take(home)
    assert [p.name.split(".")[0] for p in taken] == [runs[1].name]  # only this host's dead entry
    assert foreign.is_dir()
    recorder.release(foreign, None)  # host A releases it later: it is still there to release
    assert (recorder.queue_dir(home) / "ready" / runs[0].name).is_dir()
    _record(home, validator, [*taken, *recorder.take(home)])


def test_the_notes_go_to_the_queue_as_json_and_come_back_whole(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame
) -> None:
    """The findings and returns of a run's page, written as JSON (no pickle on disk), read back field by field."""
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    run = validator.check("submission", frame, run_name="noted").run
    assert run is not None
    finding = Finding(
        "range", "error", "不得为负", ("env_diesel",), "SAMI", "2024", "a.xlsx", "能源", "C7",
        Decimal("0.1000000000000000055511151231257827"), Decimal("-1.50"), found="-1.50 升", version=3,
    )  # fmt: skip
    returns = [RunReturn("SAMI", "a.xlsx", 3, home / "letters" / "a.txt", [finding]), RunReturn(None, "b", None, None)]
    validator.note(run, [finding], returns)
    validator.release()
    ready = recorder.queue_dir(home) / "ready" / run.name
    assert sorted(p.name for p in ready.iterdir()) == ["frame.parquet", recorder.NOTES, "run.json"]
    json.loads((ready / recorder.NOTES).read_text("utf-8"))  # JSON, not a pickle
    entry = recorder.read(ready)
    assert entry.notes is not None
    findings, back = entry.notes
    assert [vars(f) for f in findings] == [vars(finding)]  # found and version too (not compared by ==)
    assert [vars(r) | {"findings": [vars(f) for f in r.findings]} for r in back] == [
        vars(r) | {"findings": [vars(f) for f in r.findings]} for r in returns
    ]
    validator.record_queue()
    assert run.name not in [p.name for p in (recorder.queue_dir(home) / "ready").iterdir()]


def test_a_difference_between_the_engines_is_loud(
    tmp_path: Path, catalog: Catalog, frame: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    """A queued entry whose judged failures were tampered with: the record disagrees, and says so."""
    home = tmp_path / "home"
    validator = Validator(home, catalog)
    name = _queued(home, validator, frame, "tampered")
    said = recorder.queue_dir(home) / "ready" / name / "run.json"
    entry = json.loads(said.read_text("utf-8"))
    dropped = entry["failures"].pop()
    said.write_text(json.dumps(entry), "utf-8")
    found = len(recorder.FOUND)
    with caplog.at_level(logging.ERROR, logger="esgflow.checks.recorder"):
        validator.record_queue()
    assert len(_results(home, name)) == 1  # Great Expectations' record is kept all the same
    [mismatch] = recorder.mismatches(home)
    assert mismatch["run"] == name and mismatch["only_judge"] == []
    assert mismatch["only_great_expectations"] == [[dropped["row_id"], dropped["rule"], dropped["severity"]]]
    assert any(r.levelno == logging.ERROR and name in r.getMessage() for r in caplog.records)
    assert recorder.FOUND[found:] == [mismatch]
    del recorder.FOUND[found:]  # expected here: the suite's guard fails any other test that leaves one
    env = {**os.environ, "ESGFLOW_HOME": str(home)}
    cli = [sys.executable, "-c", "import sys; from esgflow.cli import main; sys.exit(main(sys.argv[1:]))"]
    subprocess.run([*cli, "init"], env=env, capture_output=True, check=True)
    status = subprocess.run([*cli, "status", "--period", "2024"], env=env, capture_output=True, text=True)
    assert "ERROR: the judge's findings differed from Great Expectations' record on 1 run" in status.stderr
    assert name in status.stderr
