"""Great Expectations' record of a command's validations, made by a recorder process beside the command.

The judge (esgflow.checks.judge) answers every validation; Great Expectations records each one
afterwards (esgflow.checks.recorder). A command that validates and then has other work (the demo:
the collection, then consolidation and the report) need not import Great Expectations itself nor
wait for its record: within `records_beside`, each time the command would record and build its Data
Docs it only queues its judged runs, and a recorder process (`python -m esgflow.checks.beside HOME`),
started then or earlier, records them and builds their pages while the command goes on, on the
other core. When the block ends the command queues what is left and waits for the
recorder to record it too: the Data Docs are complete when the command names their folder.
"""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from esgflow import EsgflowError
from esgflow.checks import gx_run
from esgflow.checks.recorder import queue_dir


class _Recorder:
    """The recorder process of one home, started at the first build the command leaves to it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.process: subprocess.Popen[bytes] | None = None

    def __call__(self) -> None:
        if self.process is None:
            argv = [sys.executable, "-m", "esgflow.checks.beside", str(self.home)]
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self) -> None:
        """Tell it the command has queued its last run; wait until it has recorded them all."""
        if self.process is None:
            return
        _, said = self.process.communicate()
        if self.process.returncode:
            tail = said.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise EsgflowError(f"Great Expectations' record of the validations failed: {tail[0]}")


@contextmanager
def records_beside(home: Path) -> Iterator[Callable[[], None]]:
    """Leave Great Expectations' record of the block's validations under `home` to a recorder process: a
    function that starts it now (else it starts at the first build), to load Great Expectations while the
    command does work of its own on the other core."""
    key = str(home.resolve())
    recorder = _Recorder(home)
    gx_run.DIVERTED[key] = recorder
    try:
        yield recorder
    finally:
        del gx_run.DIVERTED[key]
        gx_run.release_runs(home)  # what the block judged since its last build
        ready = queue_dir(home) / "ready"
        if ready.is_dir() and any(ready.iterdir()):
            recorder()  # started already, unless the block never built
        recorder.finish()


def main(argv: list[str]) -> int:
    """Record the home's queued runs and build their pages as they come, until the command closes stdin."""
    from esgflow.catalog import load_catalog

    validator = gx_run.validator_for(Path(argv[0]), load_catalog())
    validator.set_up()  # Great Expectations and the home's context, before the first run is queued
    while True:
        validator.build_docs()  # what the command has queued so far, while it goes on
        if select.select([sys.stdin], [], [], 0.25)[0]:  # nothing is written to it: readable means closed
            validator.build_docs()
            return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
