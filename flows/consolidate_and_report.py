"""Group figures, group checks and the appendix tables for a period, once it is signed off."""

from __future__ import annotations

from prefect import flow

from esgflow.findings import Finding
from esgflow.flows.cycle import run_period, wait_for_signoff
from esgflow.jobs.alerts import flow_run_failed
from esgflow.tasks import consolidate, group_checks, publish_status, signed_off, write_report


@flow(name="consolidate-and-report", log_prints=True, on_failure=[flow_run_failed], on_crashed=[flow_run_failed])
def consolidate_and_report(
    period: str | None = None, out: str | None = None, await_signoff: bool = True
) -> list[Finding]:
    p = run_period(period)
    consolidate(p)
    findings = group_checks(p)
    if await_signoff and signed_off(p) is None:
        provisional = write_report(p, out)
        publish_status(p, provisional)
        if not wait_for_signoff(p, provisional):
            return findings
    report = write_report(p, out)
    publish_status(p, report)
    return findings
