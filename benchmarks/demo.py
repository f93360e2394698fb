"""Benchmark: `esgflow demo` in a clean home, beside what Prefect alone costs (issue 30, goal 4).

    python benchmarks/demo.py [--repeat 1] [--workdir DIR] [--baseline REF]

Each run is a new process with an empty ESGFLOW_HOME and an empty PREFECT_HOME, as on a fresh
clone after `make` (which makes Prefect's migrated empty database once per install:
esgflow.prefect_db); the figures printed beside it, in the same run, are
  - Prefect's temporary server alone: a process that starts it (as the demo's first flow
    does when no PREFECT_API_URL is set: its database is made and migrated) and stops it;
  - the same cycle without Prefect: `tests.returns_factory.run_demo`'s steps on a fresh warehouse
    (history, the demo's returns recorded straight in the warehouse, Scope 3 screening,
    consolidation, report), which writes no template, letter or workbook;
and the load average at the start and the end. The goal is the demo under 15 s.

The demo is also timed with a Prefect server already running (started beforehand, not timed), named
by PREFECT_API_URL, as a worker machine would have one: what the demo costs without starting one.

--baseline REF (a git commit or branch, e.g. main): the demo of that commit's code as well, run in
turn with this one's in each repetition (same interpreter and packages), to compare in the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from latency import options  # noqa: E402

SERVER_ALONE = (
    "from prefect.server.api.server import SubprocessASGIServer\n"
    "server = SubprocessASGIServer()\n"
    "server.start()\n"
    "server.stop()\n"
)
RUNNING = (
    "import sys\n"
    "from prefect.server.api.server import SubprocessASGIServer\n"
    "server = SubprocessASGIServer()\n"
    "server.start()\n"
    "print(server.api_url, flush=True)\n"
    "sys.stdin.read()\n"  # until the benchmark closes it
    "server.stop()\n"
)
WITHOUT_PREFECT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from esgflow.config import load_settings\n"
    "from tests.returns_factory import run_demo\n"
    "home = Path(sys.argv[1])\n"
    "run_demo(load_settings({'ESGFLOW_HOME': str(home)}), home / 'demo')\n"
)


def _clean_env(folder: Path) -> dict[str, str]:
    (folder / "prefect").mkdir(parents=True)  # empty; Prefect's temporary server will not make it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESGFLOW_", "PREFECT_"))}
    # a loaded machine can take longer than Prefect's default 20 s to start its temporary server
    wait = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600"}
    return {**env, **wait, "ESGFLOW_HOME": str(folder / "home"), "PREFECT_HOME": str(folder / "prefect")}


@contextmanager
def _running_server(folder: Path) -> Iterator[str]:
    """A Prefect server on its own database in `folder`, started and left running for the block: its API URL."""
    env = {**_clean_env(folder), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # no telemetry service here
    server = subprocess.Popen(
        [sys.executable, "-c", RUNNING], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()  # it stops its server and ends
        server.wait(timeout=120)


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(argv: list[str], env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Wall seconds of the command; its CPU seconds (with its own children's, its server's) added to `cpu`."""
    start, before = time.perf_counter(), _cpu()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv[:2])} failed:\n{done.stderr[-3000:]}")
    if cpu is not None:
        cpu.append(_cpu() - before)
    return time.perf_counter() - start


def _baseline(ref: str, folder: Path) -> list[str]:
    """The command running `esgflow demo` on the code of commit `ref`, unpacked into `folder`."""
    folder.mkdir(parents=True)
    tree = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=tree, check=True)
    (folder / "esgflow" / "flows").symlink_to(folder / "flows")  # installed as esgflow.flows (pyproject)
    run = f"import sys; sys.path.insert(0, {str(folder)!r}); from esgflow.cli import run; run()"
    return [sys.executable, "-c", run, "demo"]


def main() -> None:
    def more(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--baseline", help="a commit whose demo runs too, in turn with this one's")

    args, workdir, load = options(__doc__ or "", 1, "esgflow-demo-", more)
    esgflow = str(Path(sys.executable).with_name("esgflow"))
    subprocess.run([sys.executable, "-m", "esgflow.prefect_db"], check=True, capture_output=True)  # as `make` does
    before = _baseline(args.baseline, workdir / "baseline") if args.baseline else None
    runs: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # a loaded machine stretches wall time; CPU seconds less so
    for n in range(args.repeat):
        steps = {
            **({f"esgflow demo at {args.baseline}": before} if before else {}),
            "esgflow demo (clean home)": [esgflow, "demo"],
            "Prefect's temporary server alone": [sys.executable, "-c", SERVER_ALONE],
            "the cycle without Prefect": [sys.executable, "-c", WITHOUT_PREFECT, str(workdir / f"{n}-cycle")],
        }
        for i, (label, argv) in enumerate(steps.items()):
            env = _clean_env(workdir / f"{n}-{i}")
            runs.setdefault(label, []).append(_timed(argv, env, cpu.setdefault(label, [])))
        label = "esgflow demo, a server running"
        with _running_server(workdir / f"{n}-server") as url:
            env = {**_clean_env(workdir / f"{n}-reused"), "PREFECT_API_URL": url}
            runs.setdefault(label, []).append(_timed([esgflow, "demo"], env, cpu.setdefault(label, [])))
    print(f"{'in a clean home, a new process each':<36} {'median s':>9} {'min s':>7} {'CPU s':>7}")
    for label, times in runs.items():
        print(f"{label:<36} {statistics.median(times):>9.1f} {min(times):>7.1f} {statistics.median(cpu[label]):>7.1f}")
    print("goal: the demo under 15 s")
    print(f"load average: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
