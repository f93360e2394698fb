"""Collections, distributions and ingests started at the same moment on one machine, as real processes,
with no Prefect server configured: every one ends with exit 0, no file is lost or loaded twice, and the
newest version of each entity is the file that arrived last."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import newest_is_the_correction, returns_and_corrections

pytestmark = pytest.mark.slow  # several processes, each with Prefect and Great Expectations
ESGFLOW = str(Path(sys.executable).with_name("esgflow"))
P2024 = parse_period("2024")


def _env(settings: Settings, prefect_home: Path) -> dict[str, str]:
    """The commands' environment: this home and warehouse, a new Prefect home, and no Prefect server."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ESGFLOW_"))},
        "ESGFLOW_HOME": str(settings.home),
        "ESGFLOW_DATABASE_URL": settings.database_url,
        "PREFECT_HOME": str(prefect_home),
    }


def _at_once(commands: list[list[str]], env: dict[str, str]) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any; (exit code, stdout, stderr) of each."""
    started = [
        subprocess.Popen([ESGFLOW, *c], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = [p.communicate(timeout=900) for p in started]
    return [(p.returncode, out, err) for p, (out, err) in zip(started, outputs, strict=True)]


def _judged_lines(outputs: list[tuple[int, str, str]]) -> list[str]:
    return [line for _, out, _ in outputs for line in out.splitlines() if line.split(": ", 1)[0].endswith(".xlsx")]


def test_collections_and_distributions_started_together_all_end_well(settings: Settings, tmp_path: Path) -> None:
    files = returns_and_corrections(settings)
    env = _env(settings, tmp_path / "prefect")
    collect, distribute = ["collect"], ["distribute", "--period", "2024"]
    outputs = _at_once([collect, collect, collect, distribute, distribute], env)
    assert [code for code, _, _ in outputs] == [0] * 5, [err[-3000:] for c, _, err in outputs if c]
    collected = [out for _, out, _ in outputs[:3] if "collected" in out]
    left = [out for _, out, _ in outputs[:3] if out.startswith("another collection is running here (esgflow collect")]
    assert len(collected) + len(left) == 3 and collected, outputs
    # every file judged exactly once, by whichever collection took it
    judged = sorted(line.split(": ", 1)[0] for line in _judged_lines(outputs))
    assert judged == sorted(p.name for pair in files.values() for p in pair)
    assert not [p for p in settings.inbox.iterdir() if p.is_file()]
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(select(m.Submission.content_hash)).all()
        assert len(rows) == len({r[0] for r in rows}) == 66
    newest_is_the_correction(settings, files)
    # the templates went out once: the second distribution left its work to the first
    sent = [out for _, out, _ in outputs[3:] if "\ndistributed 33 templates" in f"\n{out}"]
    assert len(sent) == 1 and "another distribution is running here" in "".join(o for _, o, _ in outputs[3:])
    subjects = [
        str(email.message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"])
        for p in settings.outbox.glob("*.eml")
    ]
    templates = [s for s in subjects if "模板" in s or "template for" in s]
    assert len(templates) == len(set(templates)) == len(load_registry().codes)


def test_ingests_started_together_load_each_file_once(settings: Settings, tmp_path: Path) -> None:
    files = returns_and_corrections(settings)
    env = _env(settings, tmp_path / "prefect")
    outputs = _at_once([["ingest", str(settings.inbox)]] * 3, env)
    assert [code for code, _, _ in outputs] == [0, 0, 0], [err[-3000:] for c, _, err in outputs if c]
    for _, out, _ in outputs:  # each process judges every file: once loaded, the others' copies are duplicates
        assert len(_judged_lines([(0, out, "")])) == 66
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(select(m.Submission.content_hash)).all()
    assert len(rows) == len({r[0] for r in rows}) == 66
    newest_is_the_correction(settings, files)
