"""Benchmark: write the annotated copy of N returns with findings, by XML patch and with openpyxl.

    python benchmarks/annotate.py [--files 200] [--libreoffice 0] [--workdir DIR]

Generates N filled workbooks from the templates of the 33 demo entities (the demo figures,
varied, with one to three of them spoiled in each: text in a number cell, a negative figure,
a blank), optionally re-saves the first --libreoffice of them with LibreOffice (as a reporter
using it would send them), and gives each return its findings: those its parse finds, and a
warning or two on other figures of it, as the checks would. Then, in this one process and on
the same bytes and findings,
  - parse:    esgflow.workbooks.returns.read_return (what every return costs anyway),
  - patch:    esgflow.feedback.annotate.annotate_workbook (the XML patch), and
  - openpyxl: esgflow.feedback.annotate.annotate_with_openpyxl (load and save; the fallback)
are timed over all files, and the table gives milliseconds per workbook and each cost as a
multiple of the parse. Copies are written to files, as the ingest writes them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPOILS = ("lots", "-5", "", "12 吨")  # text in a number cell, below zero, a blank, a unit typed in


def _fill_one(args: tuple[str, str, dict[str, str], float, frozenset[str], dict[str, str]]) -> None:
    from esgflow.demo.group import DEMO_PEOPLE
    from esgflow.workbooks.fill import fill_template

    template, out, values, scale, counts, spoiled = args

    def vary(code: str, text: str) -> Decimal:  # counts stay whole; measured figures keep their precision
        value = Decimal(text)
        if code in counts:
            return value
        return (value * Decimal(str(scale))).quantize(Decimal(1).scaleb(min(value.as_tuple().exponent, -2)))

    figures: dict[str, Decimal | str | None] = {k: vary(k, v) for k, v in values.items()}
    for code, text in spoiled.items():
        figures[code] = Decimal(text) if text.lstrip("-").isdigit() else (text or None)
    fill_template(Path(template), Path(out), {**DEMO_PEOPLE, **figures})


def prepare(workdir: Path, files: int, libreoffice: int) -> list[Path]:
    from esgflow.catalog import load_catalog
    from esgflow.config import load_settings
    from esgflow.demo.group import demo_inputs
    from esgflow.entities import load_registry
    from esgflow.jobs.collection import write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period

    settings = load_settings({"ESGFLOW_HOME": str(workdir / "home")})
    init_warehouse(settings)
    templates = write_templates(settings, parse_period("2024"), workdir / "templates")
    catalog = load_catalog()
    inputs = demo_inputs(catalog, load_registry(), parse_period("2024"))
    counts = frozenset(i.code for i in catalog.indicators if i.dtype != "decimal")
    rng = random.Random(2024)
    jobs_ = []
    for i in range(files):
        t = templates[i % len(templates)]
        entity = t.name.split("_")[0]
        values = {k: str(v) for k, v in inputs[entity].items()}
        spoiled = {code: rng.choice(SPOILS) for code in rng.sample(sorted(values), rng.randint(1, 3))}
        out = workdir / "returns" / f"{entity}_2024_v{i:04d}.xlsx"
        jobs_.append((str(t), str(out), values, 1 + i / 100000, counts, spoiled))
    with ProcessPoolExecutor() as pool:
        list(pool.map(_fill_one, jobs_, chunksize=16))
    paths = [Path(j[1]) for j in jobs_]
    if libreoffice:
        from tests.returns_factory import libreoffice_resave

        resaved = libreoffice_resave(paths[:libreoffice], workdir / "libreoffice")
        for original, copy in zip(paths[:libreoffice], resaved, strict=True):
            shutil.move(copy, original)
    return paths


def judged_returns(paths: list[Path]):  # type: ignore[no-untyped-def]
    """(raw bytes, Judged) of each return: its parse findings and a warning or two on other figures."""
    from esgflow.catalog import load_catalog
    from esgflow.entities import load_registry
    from esgflow.feedback.letter import Judged
    from esgflow.findings import Finding
    from esgflow.workbooks.returns import read_return

    catalog, registry = load_catalog(), load_registry()
    rng = random.Random(6)
    out = []
    for path in paths:
        raw = path.read_bytes()
        parsed = read_return(raw, path.name, catalog)
        findings = list(parsed.findings)
        for v in rng.sample(parsed.reported, rng.randint(1, 2)):
            findings.append(
                Finding(
                    "yoy_change_needs_note",
                    "warning",
                    f"{v.code} changed by 140% from last period",
                    (v.code,),
                    sheet=v.sheet,
                    cell=v.cell,
                )
            )
        status = "rejected" if any(f.severity == "error" for f in findings) else "accepted_with_warnings"
        out.append((raw, Judged(registry[parsed.entity], parsed.period, 1, path.name, status, findings, {})))
    return out


def run(workdir: Path, returns) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    from esgflow.catalog import load_catalog
    from esgflow.feedback.annotate import annotate_with_openpyxl, annotate_workbook
    from esgflow.workbooks.returns import read_return

    catalog = load_catalog()
    letters = workdir / "letters"
    letters.mkdir(exist_ok=True)
    methods = {
        "parse": lambda i, raw, j: read_return(raw, j.file, catalog),
        "patch": lambda i, raw, j: annotate_workbook(raw, j, catalog, letters / f"patch_{i:04d}.xlsx"),
        "openpyxl": lambda i, raw, j: annotate_with_openpyxl(raw, j, catalog, letters / f"openpyxl_{i:04d}.xlsx"),
    }
    rows = []
    for name, method in methods.items():
        method(0, *returns[0])  # warm up: imports, caches
        start = time.perf_counter()
        for i, (raw, j) in enumerate(returns):
            method(i, raw, j)
        rows.append((name, (time.perf_counter() - start) / len(returns) * 1000))
    return rows


def fallbacks(returns) -> int:  # type: ignore[no-untyped-def]
    """How many of the returns the XML patch hands to openpyxl."""
    from esgflow.feedback.annotate import annotation
    from esgflow.workbooks.ooxml.patch import patch_workbook
    from esgflow.workbooks.ooxml.xml import Unsupported

    n = 0
    for raw, j in returns:
        try:
            patch_workbook(raw, *annotation(j), "esgflow")
        except Unsupported:
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--libreoffice", type=int, default=0, help="re-save the first N returns with LibreOffice")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="esgflow-bench-annotate-"))
    started = time.perf_counter()
    paths = prepare(workdir, args.files, min(args.libreoffice, args.files))
    returns = judged_returns(paths)
    findings = sum(len(j.findings) for _, j in returns)
    print(
        f"generated {len(returns)} returns with {findings} findings "
        f"({min(args.libreoffice, args.files)} re-saved by LibreOffice) in {time.perf_counter() - started:.0f} s"
    )
    rows = run(workdir, returns)
    parse = rows[0][1]
    print(f"{'method':<10}{'files':>7}{'ms/workbook':>14}{'x parse':>10}")
    for name, ms in rows:
        print(f"{name:<10}{len(returns):>7}{ms:>14.2f}{ms / parse:>10.2f}")
    print(f"openpyxl / patch: {rows[2][1] / rows[1][1]:.1f}x; fell back to openpyxl: {fallbacks(returns)}")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
