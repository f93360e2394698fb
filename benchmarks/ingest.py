"""Benchmark: ingest N filled workbooks with the real pipeline, beside openpyxl merely reading them.

    python benchmarks/ingest.py [--files 1000] [--workdir DIR] [--naive]

Generates N filled workbooks from the templates of the 33 demo entities (different
figures in each, so none is a duplicate), then, each in a fresh process with its own
fresh SQLite warehouse, runs
  - command: `esgflow ingest DIR` as the office runs it, timed from the process's start to
    its end (imports, validation, a transaction, a letter and an annotated copy per file), and
    how long its detached recorder takes after it to record the batch with Great Expectations;
  - pipeline: the same code inside a process already started (`ingest_files`);
  - openpyxl read (the baseline): a fresh process that loads every workbook with openpyxl and
    reads every named cell, nothing else, timed from its start to its end;
  - naive (with --naive): openpyxl reading cell by cell, one transaction per value,
and prints workbooks per second and peak memory (RSS) beside each other, the ratio of the
command to the openpyxl read (the goal is 4x) and the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
# Templates are made under one home and ingested under others: they share one signing key.
os.environ.setdefault("ESGFLOW_SECRET", "benchmark key")


def _settings(home: Path):  # type: ignore[no-untyped-def]
    from esgflow.config import load_settings

    return load_settings({"ESGFLOW_HOME": str(home)})


def _fill_one(args: tuple[str, str, dict[str, str], float, frozenset[str]]) -> None:
    from esgflow.demo.group import DEMO_PEOPLE
    from esgflow.workbooks.fill import fill_template

    template, out, values, scale, counts = args

    def vary(code: str, text: str) -> Decimal:  # counts stay whole; measured figures keep their precision
        value = Decimal(text)
        if code in counts:
            return value
        return (value * Decimal(str(scale))).quantize(Decimal(1).scaleb(min(value.as_tuple().exponent, -2)))

    fill_template(Path(template), Path(out), {**DEMO_PEOPLE, **{k: vary(k, v) for k, v in values.items()}})


def prepare(workdir: Path, files: int) -> None:
    from esgflow.catalog import load_catalog
    from esgflow.demo.group import demo_inputs
    from esgflow.entities import load_registry
    from esgflow.jobs.collection import write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period

    settings = _settings(workdir / "template-home")
    init_warehouse(settings)
    templates = write_templates(settings, parse_period("2024"), workdir / "templates")
    catalog = load_catalog()
    inputs = demo_inputs(catalog, load_registry(), parse_period("2024"))
    counts = frozenset(i.code for i in catalog.indicators if i.dtype != "decimal")
    jobs_ = []
    for i in range(files):
        t = templates[i % len(templates)]
        entity = t.name.split("_")[0]
        values = {k: str(v) for k, v in inputs[entity].items()}
        jobs_.append(
            (str(t), str(workdir / "returns" / f"{entity}_2024_v{i:04d}.xlsx"), values, 1 + i / 100000, counts)
        )
    with ProcessPoolExecutor() as pool:
        list(pool.map(_fill_one, jobs_, chunksize=16))


def _fresh_warehouse(home: Path):  # type: ignore[no-untyped-def]
    from esgflow.jobs.collection import write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period

    settings = _settings(home)
    init_warehouse(settings)
    write_templates(settings, parse_period("2024"), home / "tpl", ["HQ"])  # opens the period
    return settings


def run_pipeline(workdir: Path) -> dict[str, float]:
    from esgflow.jobs.collection import ingest_files

    settings = _fresh_warehouse(workdir / "pipeline-home")
    paths = sorted((workdir / "returns").glob("*.xlsx"))
    start = time.perf_counter()
    outcomes = ingest_files(settings, paths)
    seconds = time.perf_counter() - start
    assert all(o.status == "accepted" for o in outcomes), [o.line() for o in outcomes if o.status != "accepted"][:3]
    return {"files": len(paths), "seconds": seconds}


def run_baseline(workdir: Path) -> dict[str, float]:
    from openpyxl import load_workbook
    from sqlalchemy import insert

    from esgflow.catalog import load_catalog
    from esgflow.periods import parse_period
    from esgflow.warehouse import db
    from esgflow.warehouse import models as m
    from esgflow.warehouse.db import code_ids, ensure_period

    settings = _fresh_warehouse(workdir / "baseline-home")
    catalog = load_catalog()
    paths = sorted((workdir / "returns").glob("*.xlsx"))
    start = time.perf_counter()
    for n, path in enumerate(paths):
        wb = load_workbook(path, data_only=True)
        values = {}
        for name, dn in wb.defined_names.items():
            for sheet, coord in dn.destinations:
                values[name] = (sheet, coord.replace("$", ""), wb[sheet][coord.replace("$", "")].value)
        with db.session_scope(settings.database_url) as s:
            entities, indicators = code_ids(s, "entity"), code_ids(s, "indicator")
            period_id = ensure_period(s, parse_period("2024"))
            sub = m.Submission(
                entity_id=entities[values["meta_entity"][2]],
                period_id=period_id,
                version=n + 1,
                content_hash=f"{n:064d}",
                file_name=path.name,
                status="accepted",
            )
            s.add(sub)
            s.flush()
            sub_id, entity_id = sub.id, sub.entity_id
        for name, (sheet, cell, value) in values.items():
            if name not in catalog or value is None:
                continue
            with db.session_scope(settings.database_url) as s:  # one transaction per value
                s.execute(
                    insert(m.Observation),
                    [
                        {
                            "submission_id": sub_id,
                            "entity_id": entity_id,
                            "period_id": period_id,
                            "indicator_id": indicators[name],
                            "value": Decimal(str(value)),
                            "original_value": str(value),
                            "source_file": path.name,
                            "sheet": sheet,
                            "cell": cell,
                        }
                    ],
                )
    return {"files": len(paths), "seconds": time.perf_counter() - start}


def run_read(workdir: Path) -> dict[str, float]:
    from openpyxl import load_workbook

    paths = sorted((workdir / "returns").glob("*.xlsx"))
    start = time.perf_counter()
    cells = 0
    for path in paths:
        wb = load_workbook(path, data_only=True)
        for dn in wb.defined_names.values():
            for sheet, coord in dn.destinations:
                cells += wb[sheet][coord.replace("$", "")].value is not None
    assert cells, "no named cell read"
    return {"files": len(paths), "seconds": time.perf_counter() - start}


def _whole_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds of a fresh process from its start to its end, and what it printed last."""
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, out.stdout.strip().splitlines()[-1]


def _peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mb": own, "worker_peak_mb": children}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workdir")
    parser.add_argument("--run", choices=["pipeline", "baseline", "read"])
    parser.add_argument("--naive", action="store_true", help="also the naive baseline (a transaction per value)")
    args = parser.parse_args()
    if args.run:
        run = {"pipeline": run_pipeline, "baseline": run_baseline, "read": run_read}[args.run]
        print(json.dumps({**run(Path(args.workdir)), **_peak_mb()}))
        return
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="esgflow-bench-"))
    started = time.perf_counter()
    prepare(workdir, args.files)
    print(f"generated {args.files} filled workbooks in {time.perf_counter() - started:.0f} s under {workdir}")
    load_before = os.getloadavg()
    rows = []
    # the command, whole: a fresh warehouse, then `esgflow ingest DIR` from its start to its end
    command_home = workdir / "command-home"
    _fresh_warehouse(command_home)
    env = {**os.environ, "ESGFLOW_HOME": str(command_home)}
    esgflow = str(Path(sys.executable).with_name("esgflow"))
    seconds, _ = _whole_process([esgflow, "ingest", str(workdir / "returns")], env)
    rows.append(("command", {"files": args.files, "seconds": seconds, "peak_mb": _peak_mb()["worker_peak_mb"]}))
    # the command answers from the judge; its detached recorder then runs Great Expectations: waited for here,
    # before the baseline runs, and said beside the command's figure
    from cold import recorded

    record = recorded(command_home)
    seconds, last = _whole_process([sys.executable, __file__, "--run", "read", "--workdir", str(workdir)])
    rows.append(("openpyxl read", {**json.loads(last), "seconds": seconds}))
    for method in ("pipeline", *(["baseline"] if args.naive else [])):
        _, last = _whole_process([sys.executable, __file__, "--run", method, "--workdir", str(workdir)])
        rows.append(("naive" if method == "baseline" else method, json.loads(last)))
    print(f"{'method':<15}{'files':>7}{'seconds':>10}{'workbooks/s':>14}{'peak MB':>10}")
    for method, r in rows:
        rate = r["files"] / r["seconds"]
        print(f"{method:<15}{r['files']:>7}{r['seconds']:>10.1f}{rate:>14.1f}{r['peak_mb']:>10.0f}")
    speedup = rows[1][1]["seconds"] / rows[0][1]["seconds"]
    print(f"esgflow ingest (whole process) / openpyxl read (whole process): {speedup:.2f}x (goal 4x)")
    print(f"  then Great Expectations' record of the batch (its detached recorder) within {record:.1f} s more")
    load_after = os.getloadavg()[0]
    print(f"load average: {load_before[0]:.1f} at the start, {load_after:.1f} at the end ({os.cpu_count()} cores)")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
