"""The README documents the product as it is: every command, and the two commands it opens with."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from esgflow.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    """Every command line the parser accepts, as 'history import' for a nested one."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix}{name} ")
                found += nested or [f"{prefix}{name}"]
    return found


def _documented() -> set[str]:
    """The command names of the README's command table (its rows start with | `esgflow ...`)."""
    rows = re.findall(r"^\| `esgflow ([a-z][a-z0-9 ]*?)(?: [A-Z\[-]|`)", README.read_text("utf-8"), flags=re.M)
    return {row.strip() for row in rows}


def test_every_command_is_in_the_readme_table() -> None:
    commands = _commands(build_parser())
    assert "history import" in commands and "ingest" in commands
    assert sorted(set(commands) - _documented()) == []


def test_the_readme_opens_with_the_two_commands() -> None:
    text = README.read_text("utf-8")
    first_block = text.split("```")[1]
    lines = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert lines == ["make demo", "make test"]


def _block_before(text: str, marker: str) -> list[str]:
    """The commands of the first ```bash block after `marker`."""
    block = text.split(marker, 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow  # six commands, each a fresh process that imports Great Expectations
def test_the_readmes_commands_find_the_2024_training_hours_contradiction(tmp_path: Path) -> None:
    """Run exactly the commands the README gives, from the project folder, on an empty home."""
    commands = _block_before(README.read_text("utf-8"), "with both\nimported, `check` finds them:")
    assert commands[0] == "esgflow init" and "esgflow check --period 2024" in commands
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESGFLOW_")} | {"ESGFLOW_HOME": str(tmp_path)}
    bin_dir = Path(sys.executable).parent
    outputs = {}
    for command in commands:
        program, *args = shlex.split(command)
        done = subprocess.run(
            [str(bin_dir / program), *args], capture_output=True, text=True, timeout=300, cwd=README.parent, env=env
        )
        assert done.returncode == 0, f"{command}: {done.stderr}"
        outputs[command] = done.stdout
    found = outputs["esgflow check --period 2024"]
    assert "error: published 2024: soc_training_hours_per_capita (Training hours per employee) is 58 h/person" in found
    assert "gives 50 [derived_recomputed]" in found
    assert "env_fuel_total (Fuel consumption) is 38,462.46 L" in outputs["esgflow check --period 2022"]


def _layout_rows() -> dict[str, str]:
    """The README's layout table: folder -> what its row says."""
    text = README.read_text("utf-8").split("| folder | what it holds |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in text.splitlines()[2:]:
        head, _, said = line.strip("|").partition("|")
        for folder in re.findall(r"`([^`]+/)`", head):
            rows[folder] = said
    return rows


def test_the_layout_table_has_a_row_per_folder_naming_each_module() -> None:
    root = README.parent
    rows = _layout_rows()
    folders = [p for p in (root / "esgflow").iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    for top in ("warehouse", "flows", "templates", "expectations", "deploy", "scripts", "benchmarks", "tests"):
        assert f"{top}/" in rows, top
    missing = []
    for folder in [*folders, root / "warehouse"]:
        key = f"{folder.relative_to(root).as_posix()}/"
        assert key in rows, f"no row for {key}"
        named = rows[key]
        modules = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        missing += [f"{key}{m}" for m in modules if f"`{m}" not in named and f"`{m}.py`" not in named]
    assert missing == []  # every module of a folder is named in its row, so a newcomer finds it
