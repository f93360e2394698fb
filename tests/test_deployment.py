"""A real Prefect server and process worker: deploy from prefect.yaml, run the deployments, wait for sign-off,
and two yearly cycles one after the other with no file edited between them."""

from __future__ import annotations

import csv
import email
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email import policy
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from openpyxl import load_workbook

from esgflow.catalog import load_catalog
from esgflow.config import Settings, load_settings
from esgflow.demo.group import bundled_history, demo_inputs
from esgflow.entities import load_registry
from esgflow.jobs.collection import entity_versions, period_statuses
from esgflow.jobs.setup import cycle_records, import_history_file, init_warehouse, open_cycle
from esgflow.jobs.signoff import audit_trail, period_signoff, review_return, signoff_period
from esgflow.periods import Period, parse_period
from esgflow.warehouse import db
from esgflow.workbooks import layout as L
from tests.prefect_server import (
    PREFECT,
    client,
    deploy_all,
    prefect_server,
    process_worker,
    run_command,
    start_run,
    wait_for,
)
from tests.returns_factory import fill, load_demo_returns

pytestmark = pytest.mark.slow  # a real Prefect server and worker
P2024, P2025, P2026 = parse_period("2024"), parse_period("2025"), parse_period("2026")
REPORT = "consolidate-and-report/consolidate-and-report"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    with prefect_server(tmp_path) as env:
        yield env


@pytest.fixture
def warehouse(server: dict[str, str]) -> Iterator[Settings]:
    """The workers' warehouse (SQLite under their ESGFLOW_HOME), with the published history imported."""
    settings = load_settings({"ESGFLOW_HOME": server["ESGFLOW_HOME"]})
    init_warehouse(settings)
    yield settings
    db.dispose(settings.database_url)


def test_deploy_all_and_run_a_deployment_with_a_process_worker(
    server: dict[str, str], warehouse: Settings, tmp_path: Path
) -> None:
    import_history_file(warehouse, bundled_history())
    deployed = deploy_all(server)
    for name in ("distribute", "collect", "remind", "consolidate-and-report"):
        assert name in deployed
    out = tmp_path / "report"
    params = json.dumps({"period": "2024", "out": str(out), "await_signoff": False})
    started = run_command([PREFECT, "deployment", "run", REPORT, "--params", params], server)
    run_id = next(line.split()[-1] for line in started.splitlines() if "UUID" in line)
    with process_worker(server, tmp_path / "worker.log"):
        wait_for(server, UUID(run_id), ("COMPLETED",))
    assert (out / "appendix.csv").read_text("utf-8").startswith("code,name_zh,name_en,unit,2022,2022_restated")
    schedules = httpx.post(f"{server['PREFECT_API_URL']}/deployments/filter", json={}, timeout=5).json()
    zones = {s["schedule"]["timezone"] for d in schedules for s in d["schedules"]}
    assert zones == {"Asia/Shanghai"}


def _signed_by(settings: Settings, period: Period) -> str | None:
    signed = period_signoff(settings, period)
    return signed.signed_by if signed else None


def _was_suspended(env: dict[str, str], run_id: UUID) -> bool:
    with client(env) as c:
        return any(s.name == "Suspended" for s in c.read_flow_run_states(run_id))


def _resume(env: dict[str, str], run_id: UUID, by: str) -> None:
    with client(env) as c:
        answer = c.resume_flow_run(run_id, run_input={"by": by, "confirm": True})
    assert answer.status.value == "ACCEPT", answer.details


def test_the_report_waits_suspended_for_a_signoff_given_in_its_form(
    server: dict[str, str], warehouse: Settings, tmp_path: Path
) -> None:
    import_history_file(warehouse, bundled_history(), [P2024.shifted_years(-2), P2024.shifted_years(-1)])
    load_demo_returns(warehouse, P2024)
    for status in period_statuses(warehouse, P2024):
        if status.entity != "SAMI":  # SAMI waits for its review: a sign-off is refused
            review_return(warehouse, P2024, status.entity, "approved", by="Wang Li")
    deploy_all(server)
    out = tmp_path / "report"
    params = {"period": "2024", "out": str(out)}
    with process_worker(server, tmp_path / "worker.log"):
        refused = start_run(server, REPORT, params)
        run = wait_for(server, refused, ("SUSPENDED",))
        assert run.state is not None and run.state.type.value == "PAUSED"
        details = run.state.state_details
        assert details.pause_timeout is not None
        assert (details.pause_timeout - datetime.now(UTC)).days >= 29  # not Prefect's default hour
        keyset = details.run_input_keyset
        assert keyset is not None
        with client(server) as c:
            schema = json.loads(c.read_flow_run_input(refused, keyset["schema"]))
            description = c.read_flow_run_input(refused, keyset["description"])
        assert {"by", "confirm"} <= set(schema["properties"]) and "by" in schema["required"]
        assert "Sign off 2024" in description and str(out) in description
        page = (out / "appendix.en.html").read_text("utf-8")  # the provisional report, before sign-off
        assert "signed off by" not in page

        _resume(server, refused, "Zhang Wei")
        failed = wait_for(server, refused, ("FAILED",))
        assert failed.state is not None and "neither approved nor excused: SAMI (pending)" in str(failed.state.message)
        assert _signed_by(warehouse, P2024) is None

        review_return(warehouse, P2024, "SAMI", "approved", by="Wang Li")
        first, older = start_run(server, REPORT, params), start_run(server, REPORT, params)
        wait_for(server, first, ("SUSPENDED",))
        wait_for(server, older, ("SUSPENDED",))
        _resume(server, first, "Zhang Wei")
        wait_for(server, first, ("COMPLETED",))
        assert _signed_by(warehouse, P2024) == "Zhang Wei"
        assert "signed off by Zhang Wei" in (out / "appendix.en.html").read_text("utf-8")

        # an older run resumed finds the period signed: it reports, and signs nothing again
        _resume(server, older, "Li Na")
        wait_for(server, older, ("COMPLETED",))
        assert _signed_by(warehouse, P2024) == "Zhang Wei"
        assert [r.actor for r in audit_trail(warehouse, P2024) if r.action == "signed_off"] == ["Zhang Wei"]

        # a run for a signed-off period completes without waiting
        signed = start_run(server, REPORT, params)
        wait_for(server, signed, ("COMPLETED",))
        assert not _was_suspended(server, signed) and _was_suspended(server, first)


def _prior_column(template: Path) -> dict[str, Decimal]:
    """indicator -> the figure printed beside its cell as last year's, in the unit the template asks."""
    wb, codes = load_workbook(template), {i.code for i in load_catalog().indicators}
    out = {}
    for name, defined in wb.defined_names.items():
        if name in codes:
            for sheet, coord in defined.destinations:
                value = wb[sheet][f"{L.COL_PRIOR}{coord.split('$')[-1]}"].value
                if value is not None:
                    out[name] = Decimal(str(value))
    return out


def _appendix(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return list(rows[0]), {r["code"]: r for r in rows}


def _start(env: dict[str, str], deployment: str, period: Period, at: datetime) -> UUID:
    """A run scheduled at its time of the cycle; a time still ahead of the machine's clock (FY2026's runs fall in
    2027) is no run a worker takes yet, so that run starts now with its period given (collect takes none)."""
    if at <= datetime.now(UTC):
        return start_run(env, deployment, at=at)
    return start_run(env, deployment, {} if deployment == "collect/collect" else {"period": period.code})


def _year(env: dict[str, str], settings: Settings, period: Period) -> None:
    """One yearly cycle through the deployments, each run taking its period from its scheduled time."""
    year = period.year + 1  # the runs of 2025 collect 2024
    open_cycle(settings, period, date(year, 2, 20), by="ESG office")
    before = set(settings.outbox.glob("*.eml"))
    wait_for(env, _start(env, "distribute/distribute", period, datetime(year, 1, 5, 1, tzinfo=UTC)), ("COMPLETED",))
    templates = sorted((settings.templates / period.code).glob("*.xlsx"))
    assert len(templates) == 33
    new = [p for p in sorted(settings.outbox.glob("*.eml")) if p not in before]
    bodies = [email.message_from_bytes(p.read_bytes(), policy=policy.default).get_body().get_content() for p in new]
    assert len(bodies) == 33 and all(f"{year}-02-20" in b for b in bodies)  # the cycle's deadline, not 31 January
    for template in templates:
        fill(template, settings.inbox, {})
    wait_for(env, _start(env, "collect/collect", period, datetime(year, 1, 20, 1, tzinfo=UTC)), ("COMPLETED",))
    for status in period_statuses(settings, period):
        assert status.status == "accepted", status
        review_return(settings, period, status.entity, "approved", by="Wang Li")
    signoff_period(settings, period, "Zhang Wei")
    report = _start(env, REPORT, period, datetime(year, 3, 2, 0, tzinfo=UTC))
    wait_for(env, report, ("COMPLETED",))
    assert not _was_suspended(env, report)


def test_two_yearly_cycles_run_through_the_deployments_with_nothing_edited_between(
    server: dict[str, str], warehouse: Settings, tmp_path: Path
) -> None:
    import_history_file(warehouse, bundled_history(), [parse_period("2022"), parse_period("2023")])
    deploy_all(server)
    sami_2024 = demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]

    with process_worker(server, tmp_path / "worker.log"):
        _year(server, warehouse, P2024)
        # SAMI corrects its 2024 diesel after the sign-off; the correction is taken, and stays out of the figures
        correction = {"env_diesel": sami_2024["env_diesel"] + 1}
        fill(warehouse.templates / "2024" / "SAMI_2024.xlsx", warehouse.inbox, correction, name="SAMI_2024_late.xlsx")
        wait_for(server, start_run(server, "collect/collect", at=datetime(2025, 3, 10, 1, tzinfo=UTC)), ("COMPLETED",))
        assert [v.status for v in entity_versions(warehouse, "SAMI", P2024)] == ["accepted", "accepted"]
        _year(server, warehouse, P2025)
        # FY2026: the version 4 templates ask the new inputs (fuels by type, water by source, pollutants, waste by
        # route, Scope 1 by source); the demo returns fill them, and the same deployments run the year unchanged
        _year(server, warehouse, P2026)

    prior = _prior_column(warehouse.templates / "2025" / "SAMI_2025.xlsx")
    assert abs(prior["env_diesel"] - sami_2024["env_diesel"]) < Decimal("0.001")  # approved, not the correction
    for code in ("env_electricity", "soc_employees_total", "env_water"):
        if code in sami_2024:
            assert prior[code] == pytest.approx(sami_2024[code]), code
    columns, rows = _appendix(warehouse.reports / "2025" / "appendix.csv")
    assert columns[4:] == ["2023", "2024", "2025"]
    diesel = rows["env_diesel"]
    assert diesel["2023"] and Decimal(diesel["2024"]) == Decimal(diesel["2025"])  # the same returns both years
    header = [str(c.value) for c in next(load_workbook(warehouse.reports / "2025" / "appendix.xlsx").active.rows)]
    assert {"2023", "2024", "2025"} <= {h.split(" ")[0] for h in header}
    assert [c.signed_by for c in cycle_records(warehouse)] == ["Zhang Wei", "Zhang Wei", "Zhang Wei"]
    _fy2026_figures(warehouse)


def _fy2026_figures(warehouse: Settings) -> None:
    """The FY2026 figures end to end: the new rows of the appendix, made from the new inputs of every return."""
    columns, rows = _appendix(warehouse.reports / "2026" / "appendix.csv")
    assert columns[4:] == ["2024", "2025", "2026"]
    fig = {code: Decimal(r["2026"]) if r["2026"] else None for code, r in rows.items()}
    # the demo draws all its water from the mains and discharges four fifths of it
    water = fig["env_water_total"]
    assert water and fig["env_water_withdrawal_total"] == pytest.approx(water, abs=Decimal("0.5"))
    assert fig["env_water_consumption"] == pytest.approx(water * Decimal("0.2"), rel=Decimal("1e-4"))
    # Scope 1 is the sum of its four sources, CH4 and N2O of combustion included
    parts = ("stationary", "mobile", "process", "fugitive")
    split = [fig[f"env_ghg_scope1_{p}"] for p in parts if fig[f"env_ghg_scope1_{p}"] is not None]
    assert fig["env_ghg_scope1_stationary"] and sum(split) == pytest.approx(fig["env_ghg_scope1"], abs=Decimal("0.05"))
    assert fig["env_energy_total"] and fig["env_renewable_energy_share"] is not None
    page = (warehouse.reports / "2026" / "appendix.zh.html").read_text("utf-8")
    assert "电力按当量值（0.1229 千克标准煤/千瓦时）计" in page and "（AR5）" in page
