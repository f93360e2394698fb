"""Benchmark: ingest N filled workbooks with the real pipeline and with a naive baseline.

    python benchmarks/ingest.py [--files 1000] [--workdir DIR]

Generates N filled workbooks from the templates of the 33 demo entities (different
figures in each, so none is a duplicate), then, each in a fresh process with its own
fresh SQLite warehouse, runs
  - pipeline: `esgflow ingest`'s code (parallel parse, batch staging in polars, a
    transaction per file), and
  - baseline: openpyxl reading cell by cell, one transaction per value,
and prints workbooks per second and peak memory (RSS) beside each other.
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


def _peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mb": own, "worker_peak_mb": children}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workdir")
    parser.add_argument("--run", choices=["pipeline", "baseline"])
    args = parser.parse_args()
    if args.run:
        result = run_pipeline(Path(args.workdir)) if args.run == "pipeline" else run_baseline(Path(args.workdir))
        print(json.dumps({**result, **_peak_mb()}))
        return
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="esgflow-bench-"))
    started = time.perf_counter()
    prepare(workdir, args.files)
    print(f"generated {args.files} filled workbooks in {time.perf_counter() - started:.0f} s under {workdir}")
    rows = []
    for method in ("pipeline", "baseline"):
        out = subprocess.run(
            [sys.executable, __file__, "--run", method, "--workdir", str(workdir)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append((method, json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"{'method':<10}{'files':>7}{'seconds':>10}{'workbooks/s':>14}{'peak MB':>10}{'worker MB':>11}")
    for method, r in rows:
        print(
            f"{method:<10}{r['files']:>7}{r['seconds']:>10.1f}{r['files'] / r['seconds']:>14.1f}"
            f"{r['peak_mb']:>10.0f}{r['worker_peak_mb']:>11.0f}"
        )
    speedup = (rows[0][1]["files"] / rows[0][1]["seconds"]) / (rows[1][1]["files"] / rows[1][1]["seconds"])
    print(f"pipeline / baseline: {speedup:.1f}x")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
