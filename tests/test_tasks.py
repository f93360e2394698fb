"""The Prefect tasks, run for real under a temporary Prefect server: each calls one job."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect import flow
from prefect.artifacts import Artifact
from prefect.states import Failed
from sqlalchemy.exc import OperationalError

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.tasks import build_templates, consolidate, publish_status, transient_only

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
P2024 = parse_period("2024")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    for name in ("ESGFLOW_DATABASE_URL", "ESGFLOW_SMTP_HOST", "ESGFLOW_INBOX"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    init_warehouse(settings)
    yield settings


def test_retries_are_for_transient_faults_only() -> None:
    assert transient_only(None, None, Failed(data=smtplib.SMTPServerDisconnected("gone")))  # type: ignore[arg-type]
    assert transient_only(None, None, Failed(data=OperationalError("x", {}, Exception("database is locked"))))  # type: ignore[arg-type]
    assert not transient_only(None, None, Failed(data=EsgflowError("bad input")))  # type: ignore[arg-type]
    assert not transient_only(None, None, Failed(data=ValueError("bad input")))  # type: ignore[arg-type]


def test_build_templates_writes_a_folder_per_period(home: Settings) -> None:
    @flow
    def run() -> list[Path]:
        return build_templates(P2024)

    paths = run()
    assert len(paths) == 33 and {p.parent for p in paths} == {home.templates / "2024"}


def test_consolidate_returns_what_it_made(home: Settings) -> None:
    @flow
    def run() -> int:
        return consolidate(P2024).figure_count

    assert run() == 0  # nothing accepted yet: no figures, and no failure


def test_publish_status_leaves_the_table_and_progress_as_artifacts(home: Settings) -> None:
    @flow
    def run() -> float:
        return publish_status(P2024)

    assert run() == 0.0
    table = Artifact.get("esgflow-2024-status")
    assert table is not None and "0 of 33 entities accepted" in (table.description or "")
    assert Artifact.get("esgflow-2024-progress") is not None
