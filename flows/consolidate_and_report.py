"""Group figures, group checks and the appendix tables for a period."""

from __future__ import annotations

from prefect import flow

from esgflow.findings import Finding
from esgflow.flows.cycle import run_period
from esgflow.tasks import consolidate, group_checks, publish_status, write_report


@flow(name="consolidate-and-report", log_prints=True)
def consolidate_and_report(period: str | None = None, out: str | None = None) -> list[Finding]:
    p = run_period(period)
    consolidate(p)
    findings = group_checks(p)
    report = write_report(p, out)
    publish_status(p, report)
    return findings
