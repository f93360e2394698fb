"""Alerts to the ESG office, through a real SMTP server: a failed or crashed run (the flows' hooks, under
Prefect's test harness and, for the collect deployment, on a real Prefect server with a process worker), a
mailbox that cannot be reached, and a collection that stopped in January-March."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from esgflow.config import load_settings
from esgflow.jobs.alerts import office_addresses, send_alert, stale_collection
from esgflow.jobs.setup import init_warehouse
from tests.test_flows import Sink, smtp  # noqa: F401 (the SMTP server fixture)

FEBRUARY = datetime(2027, 2, 10, 4, 0, tzinfo=UTC)  # noon in Beijing


@pytest.fixture
def office(smtp: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sink:  # noqa: F811
    """The real SMTP server of tests/test_flows.py, and an environment whose alerts go to two office addresses."""
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ESGFLOW_DATABASE_URL", raising=False)
    monkeypatch.setenv("ESGFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ESGFLOW_SMTP_PORT", str(smtp[1]))
    monkeypatch.setenv("ESGFLOW_SMTP_SENDER", "esgflow@chalieco.test")
    monkeypatch.setenv("ESGFLOW_OFFICE_EMAIL", "esg-office@chalieco.test, it-oncall@chalieco.test")
    monkeypatch.setenv("ESGFLOW_SMTP_ALLOW_RESERVED", "1")  # the test server catches .test addresses
    return smtp[0]


def test_a_collection_is_stale_after_a_day_without_a_completed_run_in_the_collection_months() -> None:
    assert stale_collection(FEBRUARY - timedelta(hours=3), FEBRUARY) is None
    assert "27 hours ago" in (stale_collection(FEBRUARY - timedelta(hours=27), FEBRUARY) or "")
    assert stale_collection(None, FEBRUARY) == "no collect run has ever completed"
    assert stale_collection(None, datetime(2027, 7, 1, tzinfo=UTC)) is None  # no collection in July
    assert stale_collection(None, datetime(2027, 3, 31, 17, 0, tzinfo=UTC)) is None  # 1 April in Beijing


def test_alerts_go_to_the_office_address_else_the_sender(office: Sink) -> None:
    settings = load_settings()
    assert office_addresses(settings) == ("esg-office@chalieco.test", "it-oncall@chalieco.test")
    assert office_addresses(load_settings({"ESGFLOW_SMTP_HOST": "h", "ESGFLOW_SMTP_SENDER": "a@b.test"})) == (
        "a@b.test",
    )
    send_alert(settings, "test", "body")
    [message] = office.messages
    assert message["To"] == "esg-office@chalieco.test, it-oncall@chalieco.test"
    assert message["Subject"] == "[esgflow alert] test"


@pytest.mark.slow  # Prefect's test harness
@pytest.mark.usefixtures("prefect_harness")
def test_a_collect_run_that_cannot_reach_its_mailbox_fails_and_mails_the_office(
    office: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esgflow.flows.collect import collect

    init_warehouse(load_settings())
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("ESGFLOW_INBOX", f"imap://esg@127.0.0.1:{closed}/INBOX")
    monkeypatch.setenv("ESGFLOW_INBOX_PASSWORD", "x")
    state = collect(return_state=True)
    assert state.is_failed() and "cannot reach the mailbox" in (state.message or "")
    [alert] = office.messages
    assert alert["To"] == "esg-office@chalieco.test, it-oncall@chalieco.test"
    assert alert["Subject"].startswith("[esgflow alert] collect run failed")
    assert f"cannot reach the mailbox at 127.0.0.1:{closed}" in alert.get_content()


@pytest.mark.slow  # Prefect's test harness
@pytest.mark.usefixtures("prefect_harness")
def test_the_watch_flow_mails_the_office_when_collect_has_not_completed_for_a_day(office: Sink) -> None:
    from esgflow.flows.watch import watch

    assert watch(now=datetime(2026, 7, 1, tzinfo=UTC)) is None and office.messages == []  # July: no collection
    why = watch(now=FEBRUARY)  # whatever the harness ran before, nothing completed in the day before
    assert why and why.startswith(("no collect run", "the last collect run completed"))
    [alert] = office.messages
    assert alert["Subject"] == "[esgflow alert] the collection has not run for a day" and why in alert.get_content()


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Sink]]:
    """One `prefect server start`, the deployments of prefect.yaml and one process worker for all the real-server
    tests of this module (a server start costs half a minute); alerts go to a real SMTP server's sink."""
    from aiosmtpd.controller import Controller

    from tests.prefect_server import deploy_all, prefect_server, process_worker

    tmp = tmp_path_factory.mktemp("real-server")
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_closed_port())
    controller.start()
    try:
        with prefect_server(tmp) as env:
            env.update(
                {
                    "ESGFLOW_SMTP_HOST": "127.0.0.1",
                    "ESGFLOW_SMTP_PORT": str(controller.port),
                    "ESGFLOW_SMTP_SENDER": "esgflow@chalieco.test",
                    "ESGFLOW_OFFICE_EMAIL": "esg-office@chalieco.test, it-oncall@chalieco.test",
                    "ESGFLOW_SMTP_ALLOW_RESERVED": "1",  # the test server catches .test addresses
                    "ESGFLOW_INBOX_PASSWORD": "x",
                }
            )
            init_warehouse(load_settings(env))
            deploy_all(env)
            with process_worker(env, tmp / "worker.log"):
                yield env, sink
    finally:
        controller.stop()


def _closed_port() -> int:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alert(sink: Sink, seconds: float = 30) -> EmailMessage:
    """The one alert the sink receives; the hooks run after the run's state is set, so it may come late."""
    deadline = time.monotonic() + seconds
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)  # a second mail would be a fault: give it the time to arrive
    [alert] = sink.messages
    assert alert["To"] == "esg-office@chalieco.test, it-oncall@chalieco.test"
    return alert


@pytest.mark.slow  # the module's real Prefect server (about 40 s with its start)
def test_on_a_real_prefect_server_a_deployed_collect_that_cannot_reach_its_mailbox_mails_the_office(
    real_server: tuple[dict[str, str], Sink],
) -> None:
    """The deployment of prefect.yaml, run by a real worker: the run fails and its hook, in the worker's
    flow-run process, mails the office through the SMTP server; nothing of this test's process sends it."""
    from tests.prefect_server import start_run, wait_for

    env, sink = real_server
    sink.messages.clear()
    closed = _closed_port()
    inbox = {"ESGFLOW_INBOX": f"imap://esg@127.0.0.1:{closed}/INBOX"}
    run_id = start_run(env, "collect/collect", job_variables={"env": inbox})
    run = wait_for(env, run_id, ("FAILED",))
    assert run.state is not None and "cannot reach the mailbox" in (run.state.message or "")
    alert = _alert(sink)
    assert alert["Subject"] == f"[esgflow alert] collect run failed: {run.name}"
    assert str(run_id) in alert.get_content()
    assert f"cannot reach the mailbox at 127.0.0.1:{closed}" in alert.get_content()


@pytest.mark.slow  # the module's real Prefect server
def test_on_a_real_prefect_server_the_watch_deployment_mails_the_office_when_no_collect_run_completed(
    real_server: tuple[dict[str, str], Sink],
) -> None:
    """The hourly `watch` deployment, run by the worker in February on a server where no collect run ever
    completed (the others of this module fail or crash), asks the server's API and mails the office once."""
    from tests.prefect_server import start_run, wait_for

    env, sink = real_server
    sink.messages.clear()
    run_id = start_run(env, "watch/watch", parameters={"now": FEBRUARY.isoformat()})
    run = wait_for(env, run_id, ("COMPLETED",))
    alert = _alert(sink)
    assert alert["Subject"] == "[esgflow alert] the collection has not run for a day"
    assert "no collect run has ever completed" in alert.get_content()
    assert run.state is not None and run.state.is_completed()


def _flow_run_processes(run_id: str) -> list[int]:
    """The processes whose environment names this flow run (the worker starts each run's process with it)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"PREFECT__FLOW_RUN_ID={run_id}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:  # gone, or another user's
            continue
    return found


@pytest.mark.slow  # the module's real Prefect server
def test_on_a_real_prefect_server_a_collect_run_whose_process_is_killed_mails_the_office(
    real_server: tuple[dict[str, str], Sink],
) -> None:
    """A flow run's process SIGKILLed mid-run runs no hook of its own: the worker sees it exit with -9, marks
    the run CRASHED and runs the flow's on_crashed hook in a fresh process, which mails the office."""
    from tests.prefect_server import start_run, wait_for

    env, sink = real_server
    sink.messages.clear()
    with socket.socket() as silent:  # a mailbox that takes the connection and never greets: collect hangs in it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(120)
        inbox = {"ESGFLOW_INBOX": f"imap://esg@127.0.0.1:{silent.getsockname()[1]}/INBOX"}
        run_id = start_run(env, "collect/collect", job_variables={"env": inbox})
        connection, _ = silent.accept()  # the run is inside collect now
        with connection:
            pids = _flow_run_processes(str(run_id))
            assert pids, "no process carries the flow run's id"
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            run = wait_for(env, run_id, ("CRASHED",))
            alert = _alert(sink)
    assert alert["Subject"] == f"[esgflow alert] collect run crashed: {run.name}"
    assert str(run_id) in alert.get_content() and "status code: -9" in alert.get_content()
