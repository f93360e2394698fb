"""The README's "Running on several machines", followed literally by `scripts/rehearse-several-machines`:
PostgreSQL with a password, a Prefect server with its API authentication, two workers each in its own
checkout. Its real scheduler creates every deployment's runs at the README's times, and a schedule set
a few seconds ahead is run by a worker without anyone starting it."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

pytestmark = pytest.mark.slow  # PostgreSQL, a Prefect server, two workers and a virtual environment
ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "rehearse-several-machines"
BEIJING = ZoneInfo("Asia/Shanghai")


def _is_readme_time(deployment: str, when: datetime) -> bool:
    """The times the README states for each deployment, in Beijing time."""
    t = when.astimezone(BEIJING)
    if deployment == "distribute":
        return (t.month, t.day, t.hour, t.minute) == (1, 5, 9, 0)
    if deployment == "collect":
        return t.month in (1, 2, 3) and 8 <= t.hour <= 20 and t.minute in (0, 15, 30, 45)
    if deployment == "remind":
        january = t.month == 1 and t.day in (24, 31)
        return (t.hour, t.minute) == (10, 0) and (january or (t.month == 2 and t.weekday() == 0))
    if deployment == "watch":  # half past every hour, January to March
        return t.month in (1, 2, 3) and t.minute == 30
    assert deployment == "consolidate-and-report"
    return t.month == 3 and t.weekday() == 0 and (t.hour, t.minute) == (7, 0)


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    top = tmp_path_factory.mktemp("machines")
    up = subprocess.run([str(SCRIPT), "up", str(top)], capture_output=True, text=True, timeout=1500)
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        state = json.loads((top / "rehearsal.json").read_text())
        state["top"] = top
        yield state
    finally:
        subprocess.run([str(SCRIPT), "down", str(top)], capture_output=True, timeout=120)


def _client(state: dict[str, Any]) -> SyncPrefectClient:
    settings = {
        PREFECT_API_URL: state["client"]["PREFECT_API_URL"],
        PREFECT_API_AUTH_STRING: state["client"]["PREFECT_API_AUTH_STRING"],
    }
    with temporary_settings(settings):
        return get_client(sync_client=True)


def _scheduled(c: SyncPrefectClient, deployment_id: Any) -> list[Any]:
    runs = c.read_flow_runs(
        flow_run_filter=FlowRunFilter(),
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
    )
    return [r for r in runs if "auto-scheduled" in r.tags]


def test_the_scheduler_creates_every_deployments_runs_at_the_readme_times(machines: dict[str, Any]) -> None:
    with _client(machines) as c:
        deployments = {d.name: d for d in c.read_deployments()}
        assert set(deployments) == {"distribute", "collect", "remind", "consolidate-and-report", "watch"}
        for d in deployments.values():  # no deploying machine's folder is written into a deployment
            assert d.pull_steps == [{"esgflow.checkout.use_own_checkout": {}}]
        deadline, runs = time.monotonic() + 150, {}
        while time.monotonic() < deadline:
            runs = {name: _scheduled(c, d.id) for name, d in deployments.items()}
            if all(runs.values()):
                break
            time.sleep(3)
    # whatever today's date: the server schedules 400 days ahead, so each yearly run is there
    assert {name: bool(found) for name, found in runs.items()} == dict.fromkeys(deployments, True)
    for name, found in runs.items():
        for run in found:
            assert _is_readme_time(name, run.expected_start_time), (name, run.expected_start_time)
    log = Path(machines["logs"]["prefect-server"]).read_text()
    assert "Traceback" not in log and "InvalidRequestError" not in log  # the scheduler ran without error


def test_the_prefect_api_answers_no_one_without_its_password(machines: dict[str, Any]) -> None:
    url = machines["client"]["PREFECT_API_URL"]
    assert httpx.post(f"{url}/deployments/filter", json={}, timeout=10).status_code == 401
    user, password = machines["client"]["PREFECT_API_AUTH_STRING"].split(":", 1)
    assert httpx.post(f"{url}/deployments/filter", json={}, auth=(user, password), timeout=10).status_code == 200


def test_a_schedule_a_few_seconds_ahead_is_run_by_a_worker_in_its_own_checkout(machines: dict[str, Any]) -> None:
    start = datetime.now(UTC) + timedelta(seconds=75)  # within one loop of the scheduler (60 s)
    with _client(machines) as c:
        collect = c.read_deployment_by_name("collect/collect")
        c.create_deployment_schedules(
            collect.id,
            [DeploymentScheduleCreate(schedule=IntervalSchedule(interval=timedelta(hours=1), anchor_date=start))],
        )
        deadline, done = time.monotonic() + 300, None
        while time.monotonic() < deadline and done is None:
            for run in _scheduled(c, collect.id):
                near = abs((run.expected_start_time - start).total_seconds()) < 1
                if near and run.state is not None and run.state.is_final():
                    done = run
            time.sleep(2)
    assert done is not None, "no worker completed the run the scheduler made"
    assert done.state is not None and done.state.type.value == "COMPLETED", done.state
    logs = {name: Path(machines["logs"][name]).read_text() for name in ("worker-a", "worker-b")}
    ran = [name for name, text in logs.items() if str(done.id) in text]
    assert len(ran) == 1, logs
    assert "FileNotFoundError" not in logs[ran[0]]


def test_the_readme_portal_processes_answer_as_one_on_the_shared_warehouse(machines: dict[str, Any]) -> None:
    """The deploy/ section's portal blocks: two processes on the README's environment, healthy on the shared
    folder and the PostgreSQL warehouse; the office's sign-in the README grants starts on one, serves on the other."""
    one, two = (f"http://127.0.0.1:{port}" for port in machines["portals"])
    for base in (one, two):
        deadline, health = time.monotonic() + 240, None
        while health is None and time.monotonic() < deadline:
            try:
                health = httpx.get(f"{base}/healthz", timeout=10)
            except httpx.HTTPError:
                time.sleep(2)
        assert health is not None and health.status_code == 200, health and health.text
        assert health.json()["status"] == "ok"
    printed = (machines["top"] / "portal.log").read_text()
    [token] = re.findall(r"https://esg\.example\.com/signin/(\S+)", printed)  # ESGFLOW_PORTAL_URL of the block
    signin = httpx.get(f"{one}/signin/{token}", timeout=60)
    assert signin.status_code == 200
    cookie = signin.headers["set-cookie"].split(";", 1)[0]  # the session, as the browser sends it back
    assert httpx.get(f"{two}/?period=2025", timeout=60).status_code == 401
    assert httpx.get(f"{two}/?period=2025", headers={"Cookie": cookie}, timeout=60).status_code == 200
