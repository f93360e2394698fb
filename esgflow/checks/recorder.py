"""The record's queue: every validation the judge answered is recorded by Great Expectations afterwards.

The answer comes from the polars judge (esgflow.checks.judge); Great Expectations runs the very
same suite on the very same frame for every validation and remains the record (the validation
results in the home's context, its Data Docs and esgflow's run pages). A run is queued under the
home, written atomically: its frame (parquet), the judge's failures and, once the caller has
said them, the findings and returns for its page.

    queue/held/<run>.<host>.<pid>    written when the run is judged; its process adds the notes and releases it
    queue/ready/<run>                released: any recorder may take it
    queue/taking/<run>.<host>.<pid>  taken by the recorder with that process id; removed once recorded

Every step is a rename, so two recorders never record one run twice: the one whose rename fails
did not get it. An entry whose process is gone (a crash before release, or a recorder that
died while recording) is taken by the next recorder of the same host as if it were ready. Several
machines may share one home (README, "several machines"): a process id means nothing on another
host, so another host's entries are left alone until their process releases them to ready/.

Where Great Expectations is worth loading (the flows, `check`) the process records its queue
itself; `esgflow ingest` (one workbook or a folder) starts `python -m esgflow.checks.recorder HOME`
on exit, detached, instead of paying three seconds of import and the checkpoint run before the
office sees its answer; so does the portal after answering (`esgflow portal`), so that no answer
shares its processor time or its interpreter with Great Expectations. A started recorder holds the
home's recorder lock (gx/recorder.lock) while it records, and takes the queue again until it finds
it empty: a process that releases a run while the lock is held starts no other recorder, since the
one recording looks at the queue once more after it lets the lock go.

The recorder compares Great Expectations' failures with the judge's. A difference is loud: an
ERROR in the log, a line in `gx/mismatches.jsonl` under the home that `esgflow status` reports.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esgflow.checks.judge import Failure
from esgflow.findings import Finding

if TYPE_CHECKING:  # `esgflow status` reads the mismatches without the pages' or the frames' imports
    import polars as pl

    from esgflow.checks.run_page import RunReturn, ValidationRun

log = logging.getLogger(__name__)
MISMATCHES = "mismatches.jsonl"
NOTES = "notes.json"  # the findings and returns of a run's page
# differences this process found (the test suite fails any test that leaves one)
FOUND: list[dict[str, Any]] = []


def queue_dir(home: Path) -> Path:
    return home / "gx" / "queue"


def lock_path(home: Path) -> Path:
    """Held by the recorder a process started (start_detached) while it records; beside the queue, not in it."""
    return home / "gx" / "recorder.lock"


def host() -> str:
    """This machine's name as an entry carries it (dots would be taken for the separators)."""
    return socket.gethostname().replace(".", "_") or "localhost"


def _owner(path: Path) -> tuple[str, str, str]:
    """(run, host, pid) of a held or taking entry's name."""
    run, _, rest = path.name.rpartition(".")  # pid last
    run, _, machine = run.rpartition(".")
    return run, machine, rest


@dataclass(frozen=True)
class Entry:
    """A queued run as a recorder reads it."""

    path: Path
    run: ValidationRun
    frame: pl.DataFrame
    judged: list[Failure]
    notes: tuple[list[Finding], list[RunReturn]] | None  # for the run's page, when its process said them


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
    held = base / "held" / f"{run.name}.{host()}.{os.getpid()}"
    scratch.rename(held)
    return held


def release(held: Path, notes: tuple[list[Finding], list[RunReturn]] | None) -> None:
    """Make a held run ready for any recorder, with the findings and returns its page lists."""
    if notes is not None:
        findings, returns = notes
        said = {"findings": [_finding_json(f) for f in findings], "returns": [_return_json(r) for r in returns]}
        scratch = held / ".notes.json"
        scratch.write_text(json.dumps(said, ensure_ascii=False), encoding="utf-8")
        scratch.rename(held / NOTES)
    ready = held.parent.parent / "ready"
    ready.mkdir(parents=True, exist_ok=True)
    held.rename(ready / _owner(held)[0])


def _finding_json(f: Finding) -> dict[str, Any]:
    """Every field of a finding, figures as exact decimal text (the run page quotes them)."""
    said = {field.name: getattr(f, field.name) for field in fields(f)}
    said["indicators"] = list(f.indicators)
    for key in ("expected", "actual"):
        said[key] = None if said[key] is None else str(said[key])
    return said


def _finding(said: dict[str, Any]) -> Finding:
    figures = {k: None if said[k] is None else Decimal(said[k]) for k in ("expected", "actual")}
    return Finding(**{**said, **figures, "indicators": tuple(said["indicators"])})


def _return_json(r: RunReturn) -> dict[str, Any]:
    return {
        "entity": r.entity,
        "file": r.file,
        "version": r.version,
        "letter": None if r.letter is None else str(r.letter),
        "findings": [_finding_json(f) for f in r.findings],
    }


def _return(said: dict[str, Any]) -> RunReturn:
    from esgflow.checks.run_page import RunReturn

    letter = None if said["letter"] is None else Path(said["letter"])
    return RunReturn(said["entity"], said["file"], said["version"], letter, [_finding(f) for f in said["findings"]])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _takeable(base: Path) -> list[Path]:
    """The ready entries, and those whose process (on this host) is gone."""
    candidates = sorted((base / "ready").glob("*")) if (base / "ready").is_dir() else []
    here = host()
    for folder in ("held", "taking"):
        for path in sorted((base / folder).glob("*.*")) if (base / folder).is_dir() else []:
            _, machine, pid = _owner(path)
            # another host's process cannot be asked whether it lives: its entry is its own until released
            if machine == here and pid.isdigit() and not _alive(int(pid)):
                candidates.append(path)
    return candidates


def take(home: Path) -> list[Path]:
    """Take every ready entry, and every one whose process is gone; each taken by one recorder only."""
    base = queue_dir(home)
    taking = base / "taking"
    taking.mkdir(parents=True, exist_ok=True)
    here = host()
    taken = []
    for path in _takeable(base):
        name = path.name if path.parent.name == "ready" else _owner(path)[0]
        mine = taking / f"{name}.{here}.{os.getpid()}"
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
    notes_file, notes = path / NOTES, None
    if notes_file.exists():
        said_notes = json.loads(notes_file.read_text(encoding="utf-8"))
        notes = ([_finding(f) for f in said_notes["findings"]], [_return(r) for r in said_notes["returns"]])
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


def start_detached(home: Path, nice: int = 0) -> bool:
    """Start a recorder that outlives this process (an answer does not wait for it), unless one is recording
    the home now: that one takes what was released before it stops. nice: how much lower its priority is
    than this process's (the portal's answers go first). Whether one was started."""
    base = queue_dir(home)
    base.mkdir(parents=True, exist_ok=True)
    lock = os.open(lock_path(home), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # the recorder holding it looks at the queue again after it lets go
        # the lock is the open file's: handed to the recorder, it is held until the recorder lets it go
        subprocess.Popen(
            [sys.executable, "-m", "esgflow.checks.recorder", str(home), "--lock", str(lock), "--nice", str(nice)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(lock,),
        )
        return True
    finally:
        os.close(lock)


def _record_while_queued(home: Path, lock: int) -> None:
    """Record and build the Data Docs until the queue is empty once the lock is let go."""
    from esgflow.catalog import load_catalog
    from esgflow.checks.gx_run import validator_for

    validator = validator_for(home, load_catalog())
    while True:
        validator.build_docs()
        fcntl.flock(lock, fcntl.LOCK_UN)
        # a run released while the lock was held started no recorder: it is in the queue by now
        if not _takeable(queue_dir(home)):
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a recorder started meanwhile: it takes them


def main(argv: list[str]) -> int:
    """Record every queued run of a home and build its Data Docs.

    python -m esgflow.checks.recorder HOME [--lock FD --nice N]   (--lock: started by start_detached)"""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m esgflow.checks.recorder")
    parser.add_argument("home", type=Path)
    parser.add_argument("--lock", type=int)
    parser.add_argument("--nice", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    os.nice(args.nice)
    if args.lock is None:
        from esgflow.catalog import load_catalog
        from esgflow.checks.gx_run import validator_for

        validator_for(args.home, load_catalog()).build_docs()
    else:
        _record_while_queued(args.home, args.lock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
