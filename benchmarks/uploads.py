"""Benchmark: every entity of the group uploading its return through the portal at once (issue 30, goal 5).

    python benchmarks/uploads.py [--workers 1,2] [--workdir DIR]

For each --workers count, on a fresh warehouse with 2024 open and a portal started as the
office starts it (`esgflow portal --port N --workers W`), each of the 33 demo entities with a
reporter's API token:
  - baseline: HQ's return uploaded alone (the portal warm, nobody else uploading);
  - at once: all 33 entities' returns posted on 33 connections at the same moment (HQ's is
    its second version), each timed from its send to its answer.
It prints p50, p95 and the slowest answer beside the baseline, checks that every answer is
accepted for its own entity and that the warehouse then holds exactly one new version per
entity (nothing lost or doubled), and prints the load average at the start and the end.
The goal: 95 % of the answers within 3 s. After the burst it waits for Great Expectations' record
(a recorder process the portal starts, esgflow.checks.recorder) and prints how long after the
last answer every run was recorded and its Data Docs built ("recorded s"), so that the next
--workers count does not share the processors with it.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(home: Path):  # type: ignore[no-untyped-def]
    """A fresh warehouse with 2024 open; entity -> (token, its filled return, HQ's second one)."""
    from esgflow.catalog import load_catalog
    from esgflow.config import load_settings
    from esgflow.demo.group import DEMO_PEOPLE, demo_inputs
    from esgflow.entities import load_registry
    from esgflow.jobs.access import grant_access, issue_api_token
    from esgflow.jobs.collection import write_templates
    from esgflow.jobs.setup import init_warehouse
    from esgflow.periods import parse_period
    from esgflow.workbooks.fill import fill_template
    from esgflow.workbooks.naming import named_entity

    settings = load_settings({"ESGFLOW_HOME": str(home)})
    init_warehouse(settings)
    inputs = demo_inputs(load_catalog(), load_registry(), parse_period("2024"))
    returns = {}
    for template in write_templates(settings, parse_period("2024"), home.parent / "templates"):
        entity = named_entity(template.name)
        email = f"reporter@{entity.lower()}.example"
        grant_access(settings, email, entity)
        # a second version changes a figure no other figure is checked against
        files = [
            fill_template(
                template, home.parent / f"returns-{n}" / template.name, {**DEMO_PEOPLE, **inputs[entity], **change}
            )
            for n, change in enumerate(({}, {"gov_contracts_reviewed": 7777}))
        ]
        returns[entity] = (issue_api_token(settings, email, 1), files)
    return settings, returns


def _post(url: str, token: str, path: Path, ready: Barrier | None = None) -> tuple[float, dict]:
    """Timed from the send to the answer: the client (about 30 ms of processor each for its TLS context, even
    for http) and the file are made ready first, then `ready` waits for the other senders."""
    data = path.read_bytes()
    with httpx.Client(timeout=600) as client:
        if ready is not None:
            ready.wait()
        start = time.perf_counter()
        answer = client.post(
            f"{url}/api/returns", headers={"Authorization": f"Bearer {token}"}, files={"file": (path.name, data)}
        )
        seconds = time.perf_counter() - start
    answer.raise_for_status()
    return seconds, answer.json()


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"the portal stopped: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the portal did not answer /healthz")


def _recorded(home: Path, runs: int) -> float:
    """When Great Expectations had recorded every queued run (at least `runs` of them) and no recorder was left."""
    import fcntl

    from esgflow.checks.recorder import queue_dir

    lock = home / "gx" / "recorder.lock"  # the code measured may record in its own process (no such lock)
    base, results = queue_dir(home), home / "gx" / "uncommitted" / "validations"
    base.mkdir(parents=True, exist_ok=True)
    for _ in range(6000):
        queued = [p for p in base.glob("*/*")]
        done = len(list(results.rglob("*.json"))) >= runs
        if not queued and done:
            with lock.open("a") as held:
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return time.perf_counter()
                except BlockingIOError:
                    pass
        time.sleep(0.1)
    raise RuntimeError("the runs were not recorded within 10 minutes")


def run(workdir: Path, workers: int) -> dict[str, object]:
    from esgflow.jobs.collection import period_statuses
    from esgflow.periods import parse_period

    settings, returns = _prepare(workdir / f"workers-{workers}" / "home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ESGFLOW_HOME": str(settings.home), "ESGFLOW_PORTAL_URL": url}
    esgflow = str(Path(sys.executable).with_name("esgflow"))
    argv = [esgflow, "portal", "--port", str(port), "--workers", str(workers)]
    portal = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_healthy(url, portal)
        token, files = returns["HQ"]
        alone, answer = _post(url, token, files[0])
        assert answer["status"].startswith("accepted"), answer
        barrier = Barrier(len(returns))

        def at_once(entity: str) -> tuple[str, float, dict]:
            token, files = returns[entity]
            seconds, answer = _post(url, token, files[1] if entity == "HQ" else files[0], barrier)
            return entity, seconds, answer

        with ThreadPoolExecutor(len(returns)) as pool:
            answers = list(pool.map(at_once, sorted(returns)))
        answered = time.perf_counter()
        recorded = _recorded(settings.home, runs=2) - answered
    finally:
        portal.terminate()
        portal.wait(60)
    wrong = [
        (e, a["status"], a["entity"])
        for e, _, a in answers
        if a["entity"] != e or not a["status"].startswith("accepted")
    ]
    versions = {s.entity: s.version for s in period_statuses(settings, parse_period("2024"))}
    expected = {e: 2 if e == "HQ" else 1 for e in returns}
    times = sorted(seconds for _, seconds, _ in answers)
    return {
        "alone": alone,
        "recorded": recorded,
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "max": times[-1],
        "answers": len(answers),
        "wrong": wrong,
        "versions_as_expected": versions == expected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="portal process counts, comma-separated")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="esgflow-uploads-"))
    head = f"{'alone s':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'recorded s':>10}"
    print(f"{'33 uploads at once':<22} {head}  nothing lost or doubled")
    for workers in [int(w) for w in args.workers.split(",")]:
        r = run(workdir, workers)
        kept = r["versions_as_expected"] and not r["wrong"] and r["answers"] == 33
        figures = f"{r['alone']:>8.2f} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['max']:>7.2f} {r['recorded']:>10.2f}"
        print(f"{f'portal --workers {workers}':<22} {figures}  {'yes' if kept else 'NO: ' + str(r['wrong'])}")
    print("goal: p95 within 3 s")
    print(f"load average: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
