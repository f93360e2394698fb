"""The whole installation at once, as deploy/ and the README set it up, on loopback: a PostgreSQL warehouse, a
Prefect server with the deployments of prefect.yaml and two process workers, and the shipped nginx configuration
in front of two portal processes. A return dropped in the shared inbox is taken by a worker's `collect` run, a
reporter uploads through nginx, one portal process stops, and the office's status through nginx shows both."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from esgflow.config import load_settings
from esgflow.jobs.access import grant_access, issue_api_token
from esgflow.warehouse import db
from tests.prefect_server import deploy_all, prefect_server, process_worker, start_run, wait_for
from tests.returns_factory import fill, open_collection
from tests.test_deploy import _nginx_conf, _served
from tests.test_mail_sending import _free_port
from tests.test_portal_app import _portal_process

pytestmark = pytest.mark.slow  # PostgreSQL, a Prefect server, two workers, nginx, two portals


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_return_by_the_folder_and_one_through_nginx_reach_the_offices_status(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    with prefect_server(tmp_path) as env, ExitStack() as services:
        # one environment for every machine, as deploy/esgflow.env gives it: the shared home and the warehouse
        env.update({"ESGFLOW_DATABASE_URL": database_url, "ESGFLOW_PORTAL_PROXY": "127.0.0.1"})
        for name in ("ESGFLOW_HOME", "ESGFLOW_DATABASE_URL"):
            monkeypatch.setenv(name, env[name])  # the portal processes' environment
        settings = load_settings({k: env[k] for k in ("ESGFLOW_HOME", "ESGFLOW_DATABASE_URL")})
        templates = open_collection(settings, "2024", tmp_path / "tpl", ["SAMI", "GAMI"])
        reporter = grant_access(settings, "li@gami.example", "GAMI").rsplit("/", 1)[1]
        grant_access(settings, "wang@office.example", None)
        office = {"Authorization": f"Bearer {issue_api_token(settings, 'wang@office.example', 1)}"}
        deploy_all(env)
        for n in (1, 2):
            services.enter_context(process_worker(env, tmp_path / f"worker-{n}.log", limit=1))
        # a return by the shared folder, copied in under a temporary name and renamed, as the README says
        settings.inbox.mkdir(parents=True, exist_ok=True)  # the README's `once` block makes it
        staged = fill(templates["SAMI"], tmp_path / "staged", {})
        shutil.copy(staged, settings.inbox / "SAMI_2024.xlsx.part")
        os.replace(settings.inbox / "SAMI_2024.xlsx.part", settings.inbox / "SAMI_2024.xlsx")
        collect = start_run(env, "collect/collect")

        # meanwhile the portal machine: two processes behind the shipped nginx configuration
        tls, one, two = _free_port(), _free_port(), _free_port()
        conf = _nginx_conf(tmp_path, tls, (one, two))
        proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])
        services.callback(lambda: (proxy.terminate(), proxy.wait(30)))
        portals = []
        for port, log in ((one, "portal-1.log"), (two, "portal-2.log")):
            portals.append(_portal_process(settings.home, port, tmp_path / log, "127.0.0.1", wait=180))
            services.callback(lambda p=portals[-1]: (p.terminate(), p.wait(30)))
        with httpx.Client(base_url=f"https://127.0.0.1:{tls}", verify=False, timeout=60) as client:
            assert client.get(f"/signin/{reporter}").status_code == 200
            page = client.get("/entities/GAMI")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            assert client.get("/healthz").json()["status"] == "ok"  # the PostgreSQL warehouse and the shared home
            filled = fill(templates["GAMI"], tmp_path / "upload", {})
            upload = client.post(
                "/entities/GAMI/returns", data={"csrf": csrf}, files={"file": (filled.name, filled.read_bytes())}
            )
            assert upload.status_code == 200, upload.text[:300]
            logs = [tmp_path / "portal-1.log", tmp_path / "portal-2.log"]
            signed_on = 0 if _served(logs[0], "GET /signin/[redacted]") else 1
            assert _served(logs[1 - signed_on], "POST /entities/GAMI/returns")  # nginx took turns

            ran = wait_for(env, collect, ("COMPLETED",), timeout=300)
            portals[0].terminate()  # one portal process goes away: the office is answered by the other
            portals[0].wait(30)
            status = client.get("/api/status?period=2024", headers=office)
            assert client.post("/signout", data={"csrf": csrf}).status_code == 200  # the session ends everywhere
            assert client.get("/entities/GAMI").status_code == 401
        assert status.status_code == 200, status.text[:300]
        seen = {r["entity"]: (r["status"], r["version"], r["review"]) for r in status.json()}
        assert seen["SAMI"] == ("accepted", 1, "pending") and seen["GAMI"] == ("accepted", 1, "pending")
        assert seen["NFC6"][0] == "not_submitted"
    workers = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
    # Both workers may see the run scheduled and propose it; the server lets one of them take it and the other logs
    # that it aborted its submission. Exactly one worker ran it.
    took = [str(ran.id) in text and f"Aborted submission of flow run '{ran.id}'" not in text for text in workers]
    assert took.count(True) == 1, workers
    assert "SAMI_2024.xlsx: accepted" in "".join(workers)
    assert not list(settings.inbox.glob("*.xlsx*"))
    db.dispose(database_url)
    print(f"the whole installation took {time.monotonic() - started:.0f} s")
