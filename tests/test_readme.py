"""The README documents the product as it is: every command, and the two commands it opens with."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

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
    rows = re.findall(r"^\| `esgflow ([a-z][a-z ]*?)(?: [A-Z\[-]|`)", README.read_text("utf-8"), flags=re.M)
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
