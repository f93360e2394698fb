"""Benchmark: `esgflow ingest` of a folder of foreign files beside two good returns.

    python benchmarks/foreign_files.py [--foreign 100] [--workdir DIR]

Builds a folder of N foreign files cycled from tests/corpus/foreign (each made distinct by a
few trailing bytes, so none is a duplicate of another) and two good returns, then times
`esgflow ingest FOLDER` as the ESG office runs it, a new process with a fresh SQLite
warehouse, beside the baseline: `esgflow ingest` of the two good returns alone. The
difference is what the foreign files cost; the goal is under 15 s for 100 of them. A third
run ingests the foreign files alone (no return to validate, so no Great Expectations).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "corpus" / "foreign"
# Templates are made under one home and ingested under others: they share one signing key.
os.environ.setdefault("ESGFLOW_SECRET", "benchmark key")


def prepare(workdir: Path, foreign: int) -> tuple[Path, Path, Path]:
    """Folders of the two good returns, of the foreign files alone, and of both."""
    from esgflow.catalog import load_catalog
    from esgflow.config import load_settings
    from esgflow.demo.group import DEMO_PEOPLE, demo_inputs
    from esgflow.entities import load_registry
    from esgflow.jobs.collection import write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period
    from esgflow.workbooks.fill import fill_template

    settings = load_settings({"ESGFLOW_HOME": str(workdir / "template-home")})
    init_warehouse(settings)
    templates = write_templates(settings, parse_period("2025"), workdir / "tpl", ["SAMI", "OS-IN"])
    inputs = demo_inputs(load_catalog(), load_registry(), parse_period("2024"))
    good, alone, mixed = workdir / "good", workdir / "foreign", workdir / "mixed"
    for t in templates:
        fill_template(t, good / t.name, {**DEMO_PEOPLE, **inputs[t.name.split("_")[0]]})
    corpus = sorted(p for p in CORPUS.iterdir() if p.name != "SOURCES.md")
    alone.mkdir()
    for n in range(foreign):
        source = corpus[n % len(corpus)]
        (alone / f"{n:03d}_{source.name}").write_bytes(source.read_bytes() + n.to_bytes(2, "big"))
    shutil.copytree(good, mixed)
    shutil.copytree(alone, mixed, dirs_exist_ok=True)
    return good, alone, mixed


def ingest(workdir: Path, name: str, folder: Path) -> tuple[float, list[str]]:
    """Seconds of `esgflow ingest FOLDER` in a new process on a fresh warehouse, and its outcome lines."""
    home = workdir / f"{name}-home"
    env = {**os.environ, "ESGFLOW_HOME": str(home)}
    esgflow = Path(sys.executable).with_name("esgflow")
    subprocess.run([str(esgflow), "init"], env=env, check=True, capture_output=True)
    from esgflow.config import load_settings
    from esgflow.jobs.collection import write_templates
    from esgflow.periods import parse_period

    write_templates(load_settings({"ESGFLOW_HOME": str(home)}), parse_period("2025"), home / "tpl", ["HQ"])
    start = time.perf_counter()
    out = subprocess.run([str(esgflow), "ingest", str(folder)], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in out.stdout.splitlines() if ": " in line]
    return seconds, lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--foreign", type=int, default=100)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="esgflow-foreign-"))
    good, alone, mixed = prepare(workdir, args.foreign)
    base, base_lines = ingest(workdir, "baseline", good)
    only, _ = ingest(workdir, "alone", alone)
    now, lines = ingest(workdir, "foreign", mixed)
    accepted = sum(": accepted as " in line for line in lines)
    refused = sum(": refused: " in line for line in lines)
    print(f"{'run':<34}{'files':>7}{'seconds':>10}")
    print(f"{'baseline: 2 good returns':<34}{2:>7}{base:>10.2f}")
    print(f"{f'{args.foreign} foreign files alone':<34}{args.foreign:>7}{only:>10.2f}")
    print(f"{f'{args.foreign} foreign + 2 good returns':<34}{args.foreign + 2:>7}{now:>10.2f}")
    print(f"{accepted} accepted, {refused} refused; beside the returns the foreign files cost {now - base:.2f} s")
    assert sum(": accepted as " in line for line in base_lines) == 2 and accepted == 2, base_lines + lines
    assert refused == args.foreign, [line for line in lines if ": refused: " not in line][:5]


if __name__ == "__main__":
    main()
