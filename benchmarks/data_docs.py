"""Benchmark: what the Data Docs cost a run, after 10 and after 1,000 stored validation results.

    python benchmarks/data_docs.py [--history 10 1000] [--workdir DIR]

For each history size, a Great Expectations home is filled with that many stored results of
the submission suite (copies of one real result under their own run names and times), then
validations are run and their pages built in one process (the median of five, after a
warm-up), in two ways:
  - baseline: as before, the Data Docs action inside the checkpoint, whose index page loads
    every stored result, and whose pages compile their Jinja templates every time;
  - esgflow: the validation alone (what a reporter waits for), then `build_docs`, which renders
    the new result's pages (templates compiled once per home) and an index of the newest
    INDEX_LIMIT runs.
Both list the store's keys, which still grows with the history (about 0.1 ms a result).
Each case runs in a fresh process; the table gives seconds per run: what a reporter waits
for (the validation) and what the pages cost after it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _frame():  # type: ignore[no-untyped-def]
    from esgflow.catalog import load_catalog
    from esgflow.checks.frames import checked_value, submission_frame
    from esgflow.demo.group import demo_inputs
    from esgflow.entities import load_registry
    from esgflow.periods import parse_period

    catalog = load_catalog()
    values = demo_inputs(catalog, load_registry(), parse_period("2024"))["SAMI"]
    return submission_frame([checked_value("SAMI", code, v, catalog) for code, v in values.items()], catalog)


def prepare(home: Path, history: int) -> None:
    """A home with `history` stored results of the submission suite."""
    from esgflow.catalog import load_catalog
    from esgflow.checks.gx_run import validator_for

    validator = validator_for(home, load_catalog())
    validator.run("submission", _frame(), run_name="seed")
    store = home / "gx" / "uncommitted" / "validations" / "submission"
    [seed] = list(store.glob("seed-*/*/*.json"))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(history - 1):
        stamp = (start + timedelta(minutes=n)).strftime("%Y%m%dT%H%M%S.%fZ")
        target = store / f"history-{n:05d}" / stamp / seed.name
        target.parent.mkdir(parents=True)
        shutil.copyfile(seed, target)


def run(home: Path, how: str, repeat: int = 5) -> tuple[float, float]:
    """Median seconds of `repeat` runs (after an untimed warm-up): (validation, its pages)."""
    times = [_one(home, how) for _ in range(repeat + 1)][1:]
    return tuple(sorted(t[i] for t in times)[len(times) // 2] for i in (0, 1))  # type: ignore[return-value]


def _one(home: Path, how: str) -> tuple[float, float]:
    from esgflow.catalog import load_catalog
    from esgflow.checks.gx_run import validator_for

    validator = validator_for(home, load_catalog())
    frame = _frame()
    if how == "baseline":
        import great_expectations as gx
        from great_expectations.render.view.view import DefaultJinjaView

        init = DefaultJinjaView.__init__
        DefaultJinjaView.__init__ = getattr(init, "__wrapped__", init)  # type: ignore[method-assign]

        sites = validator.context.variables.data_docs_sites or {}
        for site in sites.values():
            site.get("site_index_builder", {}).pop("validation_results_limit", None)
        validator.context.variables.data_docs_sites = sites
        validator.context.variables.save()
        checkpoint = validator.checkpoints["submission"]
        if not checkpoint.actions:
            checkpoint.actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")]
            validator.checkpoints["submission"] = validator.context.checkpoints.add_or_update(checkpoint)
        start = time.perf_counter()
        validator.run("submission", frame, run_name="timed")  # the pages are built inside the run
        seconds = time.perf_counter() - start
        validator.pending = []
        return seconds, 0.0
    start = time.perf_counter()
    validator.run("submission", frame, run_name="timed")
    validated = time.perf_counter()
    validator.build_docs()
    return validated - start, time.perf_counter() - validated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--case", nargs=3, help=argparse.SUPPRESS)  # home how history: one case, in its own process
    args = parser.parse_args()
    if args.case:
        home, how, history = Path(args.case[0]), args.case[1], int(args.case[2])
        prepare(home, history)
        print(json.dumps({"seconds": run(home, how)}))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="esgflow-docs-"))
    print(
        f"{'stored results':>15} {'baseline: run with pages':>25} {'esgflow: validation':>20} "
        f"{'+ pages':>8} {'reporter waits':>15}"
    )
    for history in args.history:
        seconds = {}
        for how in ("baseline", "esgflow"):
            home = workdir / f"{how}-{history}"
            shutil.rmtree(home, ignore_errors=True)
            out = subprocess.run(
                [sys.executable, __file__, "--case", str(home), how, str(history)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            seconds[how] = json.loads(out.strip().splitlines()[-1])["seconds"]
        base, (check, pages) = seconds["baseline"][0], seconds["esgflow"]
        print(f"{history:>15} {base:>23.2f} s {check:>18.2f} s {pages:>6.2f} s {base / check:>14.1f}x less")


if __name__ == "__main__":
    main()
