"""The structure the code keeps: one installed package, one door to the warehouse, tests that mirror modules."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Source folders and the package each installs as (pyproject.toml, [tool.setuptools.package-dir]).
SOURCES = {
    "esgflow": "esgflow",
    "flows": "esgflow.flows",
    "warehouse": "esgflow.warehouse",
    "templates": "esgflow.templates",
}
JOBS = "esgflow.jobs."  # one module per stage: they open sessions, read, call the library, write
INGEST = "esgflow.intake.ingest"  # holds the sessions the jobs open for it


def _job_layer(name: str) -> bool:
    return name.startswith(JOBS) or name == INGEST


# Modules that hold no logic of their own, and what covers them instead.
NO_TEST_MODULE = {
    "esgflow.mail.blocks": "a Prefect block's fields; saved and loaded in test_flows",
    "esgflow.records": "row types only",
    "esgflow.demo.tasks": "Prefect tasks wiring jobs; run by the demo flow in test_flows",
}


def _modules() -> dict[str, Path]:
    """Dotted name -> file of every installed module (migrations aside)."""
    out = {}
    for folder, package in SOURCES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder)
            if "migrations" in rel.parts:
                continue
            parts = [p for p in (*rel.parent.parts, rel.stem) if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_only_the_warehouse_speaks_sql() -> None:
    offenders = {}
    for name, path in _modules().items():
        if name.startswith("esgflow.warehouse"):
            continue
        imported = _imports(path)
        sql = {i for i in imported if i == "sqlalchemy" or i.startswith(("sqlalchemy.", "esgflow.warehouse.models"))}
        warehouse = {i for i in imported if i.startswith("esgflow.warehouse")}
        if sql or (warehouse and not _job_layer(name)):
            offenders[name] = sorted(sql | warehouse)
        if "esgflow.warehouse.db" in imported and not name.startswith(JOBS):
            offenders[name] = ["esgflow.warehouse.db: only the jobs open sessions"]
    assert offenders == {}


def test_flows_and_warehouse_install_inside_the_package() -> None:
    modules = _modules()
    assert "esgflow.flows.collect" in modules and "esgflow.warehouse.submissions" in modules
    for path in modules.values():
        imported = _imports(path)
        assert not {i for i in imported if i.split(".")[0] in ("flows", "warehouse")}, path


@pytest.mark.slow
def test_esgflow_is_the_only_top_level_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("esgflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"esgflow", next(t for t in top if t.endswith(".dist-info"))}
    for needed in (
        "esgflow/flows/collect.py",
        "esgflow/warehouse/submissions.py",
        "esgflow/warehouse/migrations/env.py",
        "esgflow/warehouse/migrations/script.py.mako",
        "esgflow/warehouse/migrations/versions/0001_initial_schema.py",
        "esgflow/catalog/indicators.yaml",
        "esgflow/data/factors.yaml",
        "esgflow/templates/layout.yaml",
        "esgflow/pages/style.css",
        "esgflow/pages/templates/base.html",
    ):
        assert needed in names, needed


def test_every_library_module_has_a_test_module() -> None:
    tests = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    missing = []
    for name, path in _modules().items():
        if name.startswith("esgflow.flows") or name in NO_TEST_MODULE:
            continue  # flows are wiring, run for real in test_flows and test_deployment
        if path.name == "__init__.py" and not any(
            isinstance(n, ast.FunctionDef | ast.ClassDef) for n in ast.parse(path.read_text("utf-8")).body
        ):
            continue
        expected = "test_" + "_".join(name.split(".")[1:]) if name != "esgflow" else None
        if expected and expected not in tests:
            missing.append(f"{name} -> tests/{expected}.py")
    assert missing == []


def test_the_ingest_module_keeps_only_the_order_of_its_steps() -> None:
    assert len((ROOT / "esgflow" / "intake" / "ingest.py").read_text("utf-8").splitlines()) < 250


def test_no_arithmetic_on_period_codes() -> None:
    """A period is a Period: `int(period) - 2` breaks on '2025-Q1'."""
    suspicious = ("int(period", "period[:4]", "period.code[:4]", "period) - ")
    found = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in _modules().values()
        for needle in suspicious
        if needle in path.read_text("utf-8")
    ]
    assert found == []


def test_every_package_is_listed_for_installation() -> None:
    """pyproject.toml names its packages one by one: a folder left out is missing from a wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = set()
    for folder, package in SOURCES.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]))
    assert found - listed == set()


def test_the_checks_take_no_words_from_the_letters() -> None:
    """Layers point one way: feedback words findings from the checks, never the other way round."""
    back = {
        name: sorted(i for i in _imports(path) if i.startswith("esgflow.feedback"))
        for name, path in _modules().items()
        if name.startswith("esgflow.checks")
    }
    assert {name: found for name, found in back.items() if found} == {}


def test_the_intake_takes_nothing_from_the_mail_or_the_portal() -> None:
    """Every channel feeds one pipeline: the pipeline does not reach back into a channel."""
    channels = ("esgflow.mail", "esgflow.portal")
    back = {
        name: sorted(i for i in _imports(path) if i.startswith(channels))
        for name, path in _modules().items()
        if name.startswith(("esgflow.intake", "esgflow.checks"))
    }
    assert {name: found for name, found in back.items() if found} == {}


def test_no_module_is_over_500_lines_but_the_command_line() -> None:
    """A module past 500 lines holds more than one concern: split it along its seams (issue 25)."""
    long = {
        name: n
        for name, path in _modules().items()
        if name != "esgflow.cli" and (n := len(path.read_text("utf-8").splitlines())) > 500
    }
    assert long == {}
