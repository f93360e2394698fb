"""Alerts to the ESG office, through a real SMTP server: a failed or crashed run (the flows' hooks, under
Prefect's test harness and, for the collect deployment, on a real Prefect server with a process worker), a
mailbox that cannot be reached, and a collection that stopped in January-March."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
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


@pytest.mark.slow  # a real `prefect server start` and a process worker: about a minute
def test_on_a_real_prefect_server_a_deployed_collect_that_cannot_reach_its_mailbox_mails_the_office(
    office: Sink, tmp_path: Path
) -> None:
    """The deployment of prefect.yaml, run by a real worker: the run fails and its hook, in the worker's
    flow-run process, mails the office through the SMTP server; nothing of this test's process sends it."""
    import os

    from tests.prefect_server import deploy_all, prefect_server, process_worker, start_run, wait_for

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with prefect_server(tmp_path) as env:
        env.update({k: v for k, v in os.environ.items() if k.startswith("ESGFLOW_") and k != "ESGFLOW_PROJECT_DIR"})
        env.update({"ESGFLOW_INBOX": f"imap://esg@127.0.0.1:{closed}/INBOX", "ESGFLOW_INBOX_PASSWORD": "x"})
        init_warehouse(load_settings(env))
        deploy_all(env)
        run_id = start_run(env, "collect/collect")
        with process_worker(env, tmp_path / "worker.log"):
            run = wait_for(env, run_id, ("FAILED",))
            deadline = time.monotonic() + 30  # the hook runs after the state is set
            while not office.messages and time.monotonic() < deadline:
                time.sleep(0.5)
    assert run.state is not None and "cannot reach the mailbox" in (run.state.message or "")
    [alert] = office.messages
    assert alert["To"] == "esg-office@chalieco.test, it-oncall@chalieco.test"
    assert alert["Subject"] == f"[esgflow alert] collect run failed: {run.name}"
    assert str(run_id) in alert.get_content()
    assert f"cannot reach the mailbox at 127.0.0.1:{closed}" in alert.get_content()
