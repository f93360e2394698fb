"""A real Prefect server, the deployments of prefect.yaml and a process worker, for the tests that need them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Scheduled

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Start `prefect server start` on a free port; yields the environment its workers and commands use."""
    port = _port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ESGFLOW_"))},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # the tests wait for runs: poll often
        "ESGFLOW_HOME": str(tmp_path / "home"),
        "ESGFLOW_PROJECT_DIR": str(ROOT),
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the Prefect server did not start: " + (tmp_path / "server.log").read_text()[-2000:])
        yield env
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_command(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def deploy_all(env: dict[str, str]) -> str:
    """Create the process pool and `prefect deploy --all` from prefect.yaml, as the README says."""
    run_command([PREFECT, "work-pool", "create", "esgflow-process", "--type", "process"], env)
    return run_command([PREFECT, "--no-prompt", "deploy", "--all"], env)


@contextmanager
def process_worker(env: dict[str, str], log: Path, limit: int | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A process worker of the pool; `limit`: how many flow runs it runs at once."""
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "esgflow-process", *(["--limit", str(limit)] if limit else [])],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@contextmanager
def client(env: dict[str, str]) -> Iterator[SyncPrefectClient]:
    """A Prefect client of the test's server (this process's own settings left alone)."""
    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}), get_client(sync_client=True) as c:
        yield c


def start_run(
    env: dict[str, str],
    deployment: str,
    parameters: dict[str, Any] | None = None,
    at: datetime | None = None,
    job_variables: dict[str, Any] | None = None,
) -> UUID:
    """A run of `flow/deployment`, with parameters, or scheduled at a time (its period then comes from that time);
    `job_variables`: what the worker's run gets beyond its own settings, e.g. {"env": {...}}."""
    with client(env) as c:
        found = c.read_deployment_by_name(deployment)
        state = Scheduled(scheduled_time=at) if at else None
        return c.create_flow_run_from_deployment(
            found.id, parameters=parameters or {}, state=state, job_variables=job_variables
        ).id


def wait_for(env: dict[str, str], run_id: UUID, states: tuple[str, ...] = FINAL, timeout: float = 240) -> FlowRun:
    """Wait until the run is in one of `states` (state types, or 'SUSPENDED' by name); fail on any other end."""
    deadline = time.monotonic() + timeout
    with client(env) as c:
        while time.monotonic() < deadline:
            run = c.read_flow_run(run_id)
            assert run.state is not None
            if run.state.type.value in states or run.state.name.upper() in states:
                return run
            if run.state.type.value in FINAL:
                pytest.fail(f"run {run_id} ended {run.state.name}: {run.state.message}")
            time.sleep(1)
    pytest.fail(f"run {run_id} did not reach {states} in {timeout} s; it is {run.state.name}")
