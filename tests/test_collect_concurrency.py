"""Two collect runs at the same time, in two processes, never load a file twice."""

from __future__ import annotations

import multiprocessing as mp
import shutil

import pytest
from sqlalchemy import func, select

from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.jobs.collection import collect_inbox, write_templates
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import fill


def _collect(home: str, url: str, run_id: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from esgflow.config import load_settings

    settings = load_settings({"ESGFLOW_HOME": home, "ESGFLOW_DATABASE_URL": url})
    outcomes = collect_inbox(settings, run_id)
    queue.put([(o.path.name, o.status) for o in outcomes])


@pytest.mark.slow  # two processes, each with Great Expectations
def test_two_runs_at_once_share_the_inbox_without_loading_twice(settings: Settings) -> None:
    init_warehouse(settings)
    templates = write_templates(settings, parse_period("2024"), settings.home / "templates")
    for template in templates:
        fill(template, settings.inbox, {})
    # the same bytes arriving twice under another name: one of them is a duplicate
    shutil.copy(settings.inbox / "SAMI_2024.xlsx", settings.inbox / "SAMI_2024 (resent).xlsx")
    db.dispose(settings.database_url)
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    runs = [
        ctx.Process(target=_collect, args=(str(settings.home), settings.database_url, f"run-{n}", queue))
        for n in (1, 2)
    ]
    for run in runs:
        run.start()
    results = [queue.get(timeout=600) for _ in runs]
    for run in runs:
        run.join(timeout=60)
    judged = [item for result in results for item in result]
    assert sorted(name for name, _ in judged) == sorted([*(p.name for p in templates), "SAMI_2024 (resent).xlsx"])
    assert sorted(status for _, status in judged).count("duplicate") == 1
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Submission)) == len(load_registry().codes)
        assert s.scalar(select(func.count(func.distinct(m.Submission.content_hash)))) == len(load_registry().codes)
