"""Benchmark: what a cold command costs, each run a fresh interpreter (issue 30, goal 2).

    python benchmarks/cold.py [--repeat 5] [--workdir DIR]

On a warehouse with the period open and one return in, times from the start to the end of a
new process:
  - `esgflow ingest one.xlsx` (a new return each time, so none is a duplicate); goal 2.5 s;
  - `esgflow status --period 2024`; goal 1 s;
  - how long after the ingest's answer its detached recorder has Great Expectations' record
    written (esgflow.checks.recorder; waited for before the next command, outside its time);
beside two baselines measured in the same run: a bare interpreter (`python -c pass`) and the
import of esgflow's command line alone (what every command pays before it does anything). It
prints the median and the fastest of --repeat runs, which heavy packages each command loaded
(Prefect, Great Expectations, Alembic, pandas) and the load average at the start and the end.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from latency import options, warm_home  # noqa: E402

HEAVY = ("prefect", "great_expectations", "alembic", "pandas")
PROBE = (
    "import sys\n"
    "from esgflow.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"print('loaded:', ','.join(n for n in {HEAVY!r} if n in sys.modules) or 'none')\n"
    "sys.exit(code)\n"
)


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def recorded(home: Path) -> float:
    """Seconds until the home's queue of judged runs is empty (esgflow.checks.recorder; 0 without one)."""
    start = time.perf_counter()
    queue = home / "gx" / "queue"
    while queue.is_dir() and any(p.is_file() for p in queue.rglob("*")):
        time.sleep(0.1)
    return time.perf_counter() - start


def main() -> None:
    args, workdir, load = options(__doc__, 5, "esgflow-cold-")

    settings, files = warm_home(workdir, "2024", args.repeat + 1)
    home = settings.home

    env = {**os.environ, "ESGFLOW_HOME": str(home)}
    python = sys.executable
    runs: dict[str, list[float]] = {}
    loaded: dict[str, str] = {}
    commands = {
        "baseline: python -c pass": lambda n: [python, "-c", "pass"],
        "baseline: import esgflow.cli": lambda n: [python, "-c", "import esgflow.cli"],
        "esgflow status --period 2024": lambda n: [python, "-c", PROBE, "status", "--period", "2024"],
        "esgflow ingest one.xlsx": lambda n: [python, "-c", PROBE, "ingest", str(files[1 + n])],
    }
    for n in range(args.repeat):  # interleaved, so a burst of load falls on every command alike
        for label, argv in commands.items():
            seconds, last = _timed(argv(n), env)
            runs.setdefault(label, []).append(seconds)
            waited = recorded(home)  # the detached recorder's work, untimed, so it weighs on no other command
            if label.startswith("esgflow ingest"):
                runs.setdefault("  then recorded by GX within", []).append(waited)
            if last.startswith("loaded:"):
                loaded[label] = last.removeprefix("loaded:").strip()
    goals = {"esgflow status --period 2024": "1.0", "esgflow ingest one.xlsx": "2.5"}
    print(f"{'cold, a fresh interpreter each':<32} {'median s':>9} {'min s':>7} {'goal s':>7}  loaded")
    for label, times in runs.items():
        goal = goals.get(label, "")
        median, fastest = statistics.median(times), min(times)
        print(f"{label:<32} {median:>9.2f} {fastest:>7.2f} {goal:>7}  {loaded.get(label, '')}")
    print(f"load average: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
