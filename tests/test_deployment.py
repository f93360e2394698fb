"""A real Prefect server and process worker: deploy from prefect.yaml and run a deployment to completion."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from esgflow import jobs
from esgflow.config import load_settings
from esgflow.demo import bundled_history

pytestmark = pytest.mark.slow  # a real Prefect server and worker
ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = _port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ESGFLOW_"))},
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
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
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{env['PREFECT_API_URL']}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(1)
    else:
        process.kill()
        pytest.fail("the Prefect server did not start: " + (tmp_path / "server.log").read_text()[-2000:])
    yield env
    process.terminate()
    process.wait(timeout=30)


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_deploy_all_and_run_a_deployment_with_a_process_worker(server: dict[str, str], tmp_path: Path) -> None:
    settings = load_settings({"ESGFLOW_HOME": server["ESGFLOW_HOME"]})
    jobs.init_warehouse(settings)
    jobs.import_history_file(settings, bundled_history())
    _run([PREFECT, "work-pool", "create", "esgflow-process", "--type", "process"], server)
    deployed = _run([PREFECT, "--no-prompt", "deploy", "--all"], server)
    for name in ("distribute", "collect", "remind", "consolidate-and-report"):
        assert name in deployed
    out = tmp_path / "report"
    params = json.dumps({"period": "2024", "out": str(out)})
    started = _run(
        [PREFECT, "deployment", "run", "consolidate-and-report/consolidate-and-report", "--params", params], server
    )
    run_id = next(line.split()[-1] for line in started.splitlines() if "UUID" in line)
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "esgflow-process"],
        env=server,
        cwd=ROOT,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        state = ""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and state not in ("COMPLETED", "FAILED", "CRASHED"):
            time.sleep(2)
            state = httpx.get(f"{server['PREFECT_API_URL']}/flow_runs/{run_id}", timeout=5).json()["state"]["type"]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert state == "COMPLETED", (tmp_path / "worker.log").read_text()[-3000:]
    assert (out / "appendix.csv").read_text("utf-8").startswith("code,name_zh,name_en,unit,2022,2022_restated")
    schedules = httpx.post(f"{server['PREFECT_API_URL']}/deployments/filter", json={}, timeout=5).json()
    zones = {s["schedule"]["timezone"] for d in schedules for s in d["schedules"]}
    assert zones == {"Asia/Shanghai"}
