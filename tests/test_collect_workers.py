"""Two workers of a real Prefect server run two collection flow runs at once, on a PostgreSQL warehouse and
one shared inbox: every file is judged once, and the newest version of each entity is the last to arrive."""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select

from esgflow.config import load_settings
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.prefect_server import client, deploy_all, prefect_server, process_worker, start_run, wait_for
from tests.returns_factory import newest_is_the_correction, returns_and_corrections

pytestmark = pytest.mark.slow  # a real Prefect server, two workers, PostgreSQL


def _both_started(logs: list[Path], timeout: float = 300) -> None:
    """Wait until every worker says it has started (Prefect prints "Worker '...' started!")."""
    deadline = time.monotonic() + timeout
    while not all(log.exists() and "started!" in log.read_text() for log in logs):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.5)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_collect_at_once_without_losing_or_doubling_a_file(database_url: str, tmp_path: Path) -> None:
    with prefect_server(tmp_path) as env:
        env["ESGFLOW_DATABASE_URL"] = database_url
        settings = load_settings({"ESGFLOW_HOME": env["ESGFLOW_HOME"], "ESGFLOW_DATABASE_URL": database_url})
        files = returns_and_corrections(settings)
        deploy_all(env)
        with ExitStack() as workers:
            for n in (1, 2):  # one run each: the two runs overlap
                workers.enter_context(process_worker(env, tmp_path / f"worker-{n}.log", limit=1))
            # both workers polling before the runs exist: a collection takes seconds now, and a worker still
            # starting when the other finished its run left both runs to the first, one after the other
            _both_started([tmp_path / f"worker-{n}.log" for n in (1, 2)])
            runs = [start_run(env, "collect/collect") for _ in range(2)]
            done = [wait_for(env, run, ("COMPLETED",), timeout=600) for run in runs]
        with client(env) as c:
            results = [c.read_flow_run(r.id) for r in done]
        first, second = sorted(results, key=lambda r: r.start_time)
        assert second.start_time < first.end_time, "the two collections did not run at the same time"
    logged = "\n".join((tmp_path / f"worker-{n}.log").read_text() for n in (1, 2))
    judged = re.findall(r" - (.+?\.xlsx): (?:accepted|rejected|refused|duplicate)", logged)
    assert sorted(judged) == sorted(p.name for pair in files.values() for p in pair)  # each file once
    with db.session_scope(database_url) as s:
        rows = s.execute(select(m.Submission.content_hash)).all()
    assert len(rows) == len({r[0] for r in rows}) == 66
    assert not [p for p in settings.inbox.iterdir() if p.is_file()]
    newest_is_the_correction(settings, files)
    db.dispose(database_url)
