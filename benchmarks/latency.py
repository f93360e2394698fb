"""Benchmark: how long a reporter waits for the findings on one workbook.

    python benchmarks/latency.py [--repeat 7] [--workdir DIR]

On a warm warehouse (the period open, one return already in), one filled workbook at a time:
  - cold command: `esgflow ingest one.xlsx` in a new process, as the ESG office runs it;
  - warm process, baseline: a long-lived process (a worker, the portal) answering one workbook
    with the Great Expectations checkpoint run inside the answer, as before the polars judge
    (here: the judge's answer, then the same run recorded at once, which costs what that did);
  - warm process, esgflow: the answer from the polars judge (esgflow.checks.judge); Great
    Expectations records the queued runs and builds the Data Docs afterwards (timed apart);
  - parse floor: reading the workbook's named cells alone.
Each figure is the median of --repeat workbooks (different figures, so none is a duplicate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def warm_home(workdir: Path, period: str, count: int):  # type: ignore[no-untyped-def]
    """A warehouse with `period` open and one SAMI return in (the validation context warm), and `count`
    filled returns for SAMI, the first the one ingested, each with another diesel figure."""
    from esgflow.catalog import load_catalog
    from esgflow.config import load_settings
    from esgflow.demo.group import DEMO_PEOPLE, demo_inputs
    from esgflow.entities import load_registry
    from esgflow.jobs.collection import ingest_files, write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period
    from esgflow.workbooks.fill import fill_template

    settings = load_settings({"ESGFLOW_HOME": str(workdir / "home")})
    init_warehouse(settings)
    [template] = write_templates(settings, parse_period(period), workdir / "tpl", ["SAMI"])
    complete = demo_inputs(load_catalog(), load_registry(), parse_period("2024"))["SAMI"]
    files = [
        fill_template(
            template, workdir / f"in-{n}" / template.name, {**DEMO_PEOPLE, **complete, "env_diesel": 1000 + n}
        )
        for n in range(count)
    ]
    ingest_files(settings, [files[0]])
    return settings, files


def options(
    doc: str, repeat: int, prefix: str, more: Callable[[argparse.ArgumentParser], object] | None = None
) -> tuple[argparse.Namespace, Path, tuple[float, float, float]]:
    """--repeat and --workdir (a new temporary folder by default), and the load average now.

    more: adds a benchmark's own options."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--workdir", type=Path)
    if more is not None:
        more(parser)
    args = parser.parse_args()
    return args, args.workdir or Path(tempfile.mkdtemp(prefix=prefix)), os.getloadavg()


def main() -> None:
    args, workdir, load = options(__doc__, 7, "esgflow-latency-")

    from esgflow.catalog import load_catalog
    from esgflow.checks.gx_run import build_data_docs, validator_for
    from esgflow.jobs.collection import ingest_files
    from esgflow.workbooks.returns import read_return

    settings, files = warm_home(workdir, "2025", 3 * args.repeat + 1)
    home = settings.home
    batches = [files[1 + k * args.repeat : 1 + (k + 1) * args.repeat] for k in range(3)]

    env = {**os.environ, "ESGFLOW_HOME": str(home)}
    esgflow = Path(sys.executable).with_name("esgflow")
    cold = []
    for path in batches[0]:
        start = time.perf_counter()
        subprocess.run([str(esgflow), "ingest", str(path)], env=env, check=True, capture_output=True)
        cold.append(time.perf_counter() - start)

    def warm(paths: list[Path], docs: bool) -> list[float]:
        times = []
        for path in paths:
            start = time.perf_counter()
            [outcome] = ingest_files(settings, [path], docs=docs)
            times.append(time.perf_counter() - start)
            assert outcome.status.startswith("accepted"), outcome.line()
        return times

    validator = validator_for(home, load_catalog())
    validator.set_up()  # a warm process: Great Expectations already loaded

    def recorded_at_once(paths: list[Path]) -> list[float]:
        times = []
        for path in paths:
            start = time.perf_counter()
            [outcome] = ingest_files(settings, [path], docs=False)
            validator.release()
            validator.record_queue()  # the checkpoint run the answer used to wait for
            times.append(time.perf_counter() - start)
            assert outcome.status.startswith("accepted"), outcome.line()
        return times

    baseline = recorded_at_once(batches[1])
    deferred = warm(batches[2], docs=False)
    start = time.perf_counter()
    build_data_docs(home)
    docs_after = time.perf_counter() - start

    catalog = load_catalog()
    floor = []
    for path in batches[2]:
        data = path.read_bytes()
        start = time.perf_counter()
        read_return(data, path.name, catalog)
        floor.append(time.perf_counter() - start)

    rows = [
        ("cold command: esgflow ingest one.xlsx", cold),
        ("warm process, baseline (GX run in the answer)", baseline),
        ("warm process, esgflow (polars judge)", deferred),
        ("parse floor (named cells only)", floor),
    ]
    print(f"{'one workbook':<45} {'median s':>9} {'min s':>7}")
    for label, times in rows:
        print(f"{label:<45} {statistics.median(times):>9.3f} {min(times):>7.3f}")
    print(f"{'GX record + Data Docs afterwards, for the batch':<45} {docs_after:>9.3f}")
    print(f"load average: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
