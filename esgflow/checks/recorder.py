"""The record's queue: every validation the judge answered is recorded by Great Expectations afterwards.

The answer comes from the polars judge (esgflow.checks.judge); Great Expectations runs the very
same suite on the very same frame for every validation and remains the record (the validation
results in the home's context, its Data Docs and esgflow's run pages). A run is queued under the
home, written atomically: its frame (parquet), the judge's failures and, once the caller has
said them, the findings and returns for its page.

    queue/held/<run>.<pid>    written when the run is judged; its process adds the notes and releases it
    queue/ready/<run>         released: any recorder may take it
    queue/taking/<run>.<pid>  taken by the recorder with that process id; removed once recorded

Every step is a rename, so two recorders never record one run twice: the one whose rename fails
did not get it. An entry whose process is gone (a crash before release, or a recorder that
died while recording) is taken by the next recorder as if it were ready.

Where Great Expectations is worth loading (the portal's batch leader after answering, the flows,
`check`) the process records its queue itself; `esgflow ingest` (one workbook or a folder)
starts `python -m esgflow.checks.recorder HOME` on exit, detached, instead of paying three
seconds of import and the checkpoint run before the office sees its answer.

The recorder compares Great Expectations' failures with the judge's. A difference is loud: an
ERROR in the log, a line in `gx/mismatches.jsonl` under the home that `esgflow status` reports.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esgflow.checks.judge import Failure

if TYPE_CHECKING:  # `esgflow status` reads the mismatches without the pages' or the frames' imports
    import polars as pl

    from esgflow.checks.run_page import ValidationRun

log = logging.getLogger(__name__)
MISMATCHES = "mismatches.jsonl"
# differences this process found (the test suite fails any test that leaves one)
FOUND: list[dict[str, Any]] = []


def queue_dir(home: Path) -> Path:
    return home / "gx" / "queue"


@dataclass(frozen=True)
class Entry:
    """A queued run as a recorder reads it."""

    path: Path
    run: ValidationRun
    frame: pl.DataFrame
    judged: list[Failure]
    notes: tuple[Any, ...] | None  # (findings, returns) for the run's page, when its process said them


def hold(home: Path, run: ValidationRun, frame: pl.DataFrame, failures: list[Failure]) -> Path:
    """Queue a judged run, held by this process until it releases it with its notes."""
    base = queue_dir(home)
    (base / "held").mkdir(parents=True, exist_ok=True)
    scratch = base / f".new-{uuid.uuid4().hex}"
    scratch.mkdir()
    frame.write_parquet(scratch / "frame.parquet")
    said = {
        "name": run.name,
        "suite": run.suite,
        "time": run.time.isoformat(),
        "failures": [asdict(f) for f in failures],
    }
    (scratch / "run.json").write_text(json.dumps(said, ensure_ascii=False), encoding="utf-8")
    held = base / "held" / f"{run.name}.{os.getpid()}"
    scratch.rename(held)
    return held


def release(held: Path, notes: tuple[Any, ...] | None) -> None:
    """Make a held run ready for any recorder, with the findings and returns its page lists."""
    if notes is not None:
        scratch = held / ".notes.pickle"
        scratch.write_bytes(pickle.dumps(notes))
        scratch.rename(held / "notes.pickle")
    ready = held.parent.parent / "ready"
    ready.mkdir(parents=True, exist_ok=True)
    held.rename(ready / held.name.rsplit(".", 1)[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def take(home: Path) -> list[Path]:
    """Take every ready entry, and every one whose process is gone; each taken by one recorder only."""
    base = queue_dir(home)
    taking = base / "taking"
    taking.mkdir(parents=True, exist_ok=True)
    candidates = sorted((base / "ready").glob("*")) if (base / "ready").is_dir() else []
    for folder in ("held", "taking"):
        for path in sorted((base / folder).glob("*.*")) if (base / folder).is_dir() else []:
            pid = path.name.rsplit(".", 1)[1]
            if pid.isdigit() and not _alive(int(pid)):
                candidates.append(path)
    taken = []
    for path in candidates:
        name = path.name if path.parent.name == "ready" else path.name.rsplit(".", 1)[0]
        mine = taking / f"{name}.{os.getpid()}"
        try:
            path.rename(mine)
        except (FileNotFoundError, OSError):
            continue  # another recorder took it first
        taken.append(mine)
    return taken


def read(path: Path) -> Entry:
    import polars as pl

    from esgflow.checks.run_page import ValidationRun

    said = json.loads((path / "run.json").read_text(encoding="utf-8"))
    run = ValidationRun(said["name"], said["suite"], datetime.fromisoformat(said["time"]))
    judged = [Failure(f["row_id"], f["rule"], f["severity"], f["meta"]) for f in said["failures"]]
    notes_file = path / "notes.pickle"
    notes = pickle.loads(notes_file.read_bytes()) if notes_file.exists() else None  # written by esgflow itself
    return Entry(path, run, pl.read_parquet(path / "frame.parquet"), judged, notes)


def compare(home: Path, run: ValidationRun, judged: list[Failure], recorded: list[Failure]) -> bool:
    """Whether both engines found the same failing rows; loud when not."""

    def rows(failures: list[Failure]) -> list[tuple[int, str, str]]:
        return sorted((f.row_id, f.rule, f.severity) for f in failures)

    if rows(judged) == rows(recorded):
        return True
    only_judge = [list(r) for r in sorted(set(rows(judged)) - set(rows(recorded)))]
    only_gx = [list(r) for r in sorted(set(rows(recorded)) - set(rows(judged)))]
    said = {"run": run.name, "suite": run.suite, "only_judge": only_judge, "only_great_expectations": only_gx}
    log.error("the judge and Great Expectations differ on run %s: %s", run.name, said)
    with (home / "gx" / MISMATCHES).open("a", encoding="utf-8") as out:
        out.write(json.dumps(said) + "\n")
    FOUND.append(said)
    return False


def mismatches(home: Path) -> list[dict[str, Any]]:
    """The runs on which the two engines differed (esgflow status reports them)."""
    path = home / "gx" / MISMATCHES
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def start_detached(home: Path) -> None:
    """Start a recorder that outlives this process (a cold command's answer does not wait for it)."""
    subprocess.Popen(
        [sys.executable, "-m", "esgflow.checks.recorder", str(home)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def main(argv: list[str]) -> int:
    """Record every queued run of a home and build its Data Docs."""
    from esgflow.catalog import load_catalog
    from esgflow.checks.gx_run import validator_for

    logging.basicConfig(level=logging.INFO)
    validator_for(Path(argv[0]), load_catalog()).build_docs()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
