"""Turns on one machine: a lock held by another process names its holder, dies with it, and is waited for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from esgflow import EsgflowError
from esgflow.turns import Busy, Holder, exclusive, flow_turn, temporary_server

_HOLD = """
import sys, time
from pathlib import Path
from esgflow.turns import exclusive
with exclusive(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""

# A flow command in a clean Prefect home: the server starts while the command imports, and its flows run in it.
_STARTING = """
import sys, time, urllib.request
from pathlib import Path
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from esgflow.turns import flow_turn, temporary_server

@flow
def part() -> int:
    return 1

@flow
def whole() -> int:
    return part() + part()

with flow_turn(Path(sys.argv[1]), "demo", print):
    with temporary_server() as ready:
        waited = time.monotonic() + 60
        while not Path(sys.argv[2]).exists() and time.monotonic() < waited:
            time.sleep(0.05)
        print("database while the block ran:", Path(sys.argv[2]).exists(), flush=True)
        ready()
        with get_client(sync_client=True) as client:
            print("answering at once:", client.api_healthcheck() is None)
        assert whole() == 2
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs()
            print("api:", client.api_url)
        url = PREFECT_API_URL.value()
    print("server module imported:", "prefect.server.api.server" in sys.modules)
    try:
        urllib.request.urlopen(url + "/health", timeout=2)
        print("answering after the block: True")
    except OSError:
        print("answering after the block: False")
    print("api after the block:", PREFECT_API_URL.value())
print("runs:", len(runs))
print("server:", url)
"""


@contextmanager
def held_elsewhere(path: Path, command: str, seconds: float = 60) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock at `path` for up to `seconds`."""
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), command, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        yield other
    finally:
        other.kill()
        other.wait()


def test_a_lock_held_by_another_process_names_its_command_and_process(tmp_path: Path) -> None:
    lock = tmp_path / "locks" / "collect.lock"
    with held_elsewhere(lock, "collect") as other, pytest.raises(Busy) as busy, exclusive(lock, "collect"):
        pass
    assert (busy.value.holder.command, busy.value.holder.pid) == ("collect", other.pid)
    assert busy.value.holder.since is not None
    assert busy.value.holder.describe().startswith(f"esgflow collect, process {other.pid}, started ")


def test_a_lock_dies_with_its_process(tmp_path: Path) -> None:
    lock = tmp_path / "collect.lock"
    with held_elsewhere(lock, "collect") as other:
        os.kill(other.pid, signal.SIGKILL)  # no clean-up runs: the kernel releases the lock
        other.wait()
        with exclusive(lock, "collect"):
            assert f'"pid": {os.getpid()}' in lock.read_text()


def test_a_waiting_turn_says_once_for_whom_it_waits_and_then_runs(tmp_path: Path) -> None:
    lock = tmp_path / "server.lock"
    heard: list[Holder] = []
    with held_elsewhere(lock, "distribute", seconds=2):
        started = time.monotonic()
        with exclusive(lock, "collect", wait=60, on_wait=heard.append):
            waited = time.monotonic() - started
    assert [h.command for h in heard] == ["distribute"] and waited > 0.5


def test_a_second_run_of_a_command_leaves_its_work_to_the_first(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with held_elsewhere(home / "locks" / "collect.lock", "collect") as other:
        with flow_turn(home, "collect", print) as running:
            assert running is not None and running.pid == other.pid
        with flow_turn(home, "remind", print) as running:  # another kind is not turned away
            assert running is None


def test_without_a_prefect_server_other_commands_wait_for_the_temporary_server(tmp_path: Path) -> None:
    said: list[str] = []
    settings = {PREFECT_HOME: tmp_path / "prefect", PREFECT_API_URL: None}
    with (
        temporary_settings(settings),
        held_elsewhere(tmp_path / "prefect" / "esgflow-server.lock", "collect") as other,
        pytest.raises(EsgflowError, match="temporary Prefect server has been busy"),
        flow_turn(tmp_path / "home", "distribute", said.append, server_wait=1),
    ):
        pytest.fail("ran while another command had the temporary server")
    assert len(said) == 1
    assert said[0].startswith(
        f"waiting for its turn at this machine's temporary Prefect server (esgflow collect, process {other.pid}, "
    )


def test_with_a_prefect_server_no_command_waits_for_a_temporary_one(tmp_path: Path) -> None:
    settings = {PREFECT_HOME: tmp_path / "prefect", PREFECT_API_URL: "http://127.0.0.1:9/api"}
    with (
        temporary_settings(settings),
        held_elsewhere(tmp_path / "prefect" / "esgflow-server.lock", "collect"),
        flow_turn(tmp_path / "home", "distribute", print, server_wait=0) as running,
    ):
        assert running is None


def test_a_flow_command_starts_the_temporary_server_while_it_imports_and_its_flows_run_in_that_one(
    tmp_path: Path,
) -> None:
    """The demo's wait for Prefect (issue 30, goal 4): one temporary server, started in the background while the
    command imports (on a new home, from the made database: esgflow.prefect_db), answering when it is waited
    for; the flow and its two subflows are recorded in it; it stops with the block. Prefect's server module
    (3-5 s of import) is never imported by the command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    database = tmp_path / "prefect" / "prefect.db"
    argv = [sys.executable, "-c", _STARTING, str(tmp_path / "home"), str(database)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    said = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert said["database while the block ran"] == "True"
    assert said["answering at once"] == "True"
    assert said["runs"] == "3"  # the flow and its two subflows, in the one server
    assert said["api"].rstrip("/") == said["server"] and said["server"].startswith("http://127.0.0.1:")
    assert said["server module imported"] == "False"
    assert said["answering after the block"] == "False"
    assert said["api after the block"] == "None"
    assert "Starting temporary server" not in done.stderr  # no second, Prefect-started one
    assert "Beginning flow run" in done.stderr and "View at" not in done.stderr  # no link to a UI it does not serve


def test_with_a_prefect_server_named_no_temporary_one_starts(tmp_path: Path) -> None:
    settings = {PREFECT_HOME: tmp_path / "prefect", PREFECT_API_URL: "http://127.0.0.1:9/api"}
    with temporary_settings(settings), temporary_server() as ready:
        assert "prefect-server-start" not in [t.name for t in threading.enumerate()]
        ready()
        assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
