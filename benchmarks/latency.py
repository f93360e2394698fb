"""Benchmark: how long a reporter waits for the findings on one workbook.

    python benchmarks/latency.py [--repeat 7] [--workdir DIR]

On a warm warehouse (the period open, one return already in), one filled workbook at a time:
  - cold command: `esgflow ingest one.xlsx` in a new process, as the ESG office runs it;
  - warm process, baseline: a long-lived process (a worker, the portal) judging one workbook
    with the suite as it was before issue 30: each expectation with a pandas row condition;
  - warm process, esgflow: the same with today's suite (masked columns, esgflow.checks.conditions),
    the Data Docs built after the answer (`docs=False`);
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


def row_conditioned(validator):  # type: ignore[no-untyped-def]
    """The submission checkpoint as it was before: each expectation on the plain column with a pandas
    row condition (one query per metric), made from today's suite so both judge the same rules."""
    import great_expectations as gx

    from esgflow.checks.conditions import ELSE_ZERO, WHERE

    suite = gx.ExpectationSuite(name="submission_row_conditioned")
    for e in validator.context.suites.get("submission").expectations:
        kwargs = dict(e.configuration.kwargs)
        for key in ("column", "column_A", "column_B"):
            if WHERE in str(kwargs.get(key, "")):
                column, condition = kwargs[key].split(WHERE, 1)
                kwargs.update({key: column, "row_condition": condition.removesuffix(ELSE_ZERO)})
                kwargs["condition_parser"] = "pandas"
        suite.add_expectation(type(e)(**kwargs, meta=e.meta))
    suite = validator.context.suites.add_or_update(suite)
    batch = validator.context.data_sources.get("esgflow").get_asset("submission_checks").get_batch_definition("whole")
    definition = validator.context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name="submission_row_conditioned", data=batch, suite=suite)
    )
    return validator.context.checkpoints.add_or_update(
        gx.Checkpoint(
            name="submission_row_conditioned",
            validation_definitions=[definition],
            actions=[],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
        )
    )


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
    masked = validator.checkpoints["submission"]
    validator.checkpoints["submission"] = row_conditioned(validator)
    baseline = warm(batches[1], docs=False)
    validator.checkpoints["submission"] = masked
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
        ("warm process, baseline (row conditions)", baseline),
        ("warm process, esgflow (masked columns)", deferred),
        ("parse floor (named cells only)", floor),
    ]
    print(f"{'one workbook':<45} {'median s':>9} {'min s':>7}")
    for label, times in rows:
        print(f"{label:<45} {statistics.median(times):>9.3f} {min(times):>7.3f}")
    print(f"{'Data Docs afterwards, for the batch':<45} {docs_after:>9.3f}")
    print(f"load average: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
