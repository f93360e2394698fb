"""The whole cycle on the built-in demo group, through the flows."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from esgflow.demo.group import DEMO_PERIOD
from esgflow.demo.tasks import (
    import_demo_history,
    import_published_for_comparison,
    init_warehouse,
    reply_with_returns,
    screen_scope3,
)
from esgflow.findings import Finding
from esgflow.flows.collect import collect
from esgflow.flows.consolidate_and_report import consolidate_and_report
from esgflow.flows.distribute import distribute
from esgflow.periods import parse_period


@flow(name="demo", log_prints=True)
def demo(period: str = DEMO_PERIOD, out: str | None = None) -> list[Finding]:
    p = parse_period(period)
    init_warehouse()
    import_demo_history(p)
    distribute(p.code, p.default_deadline())
    reply_with_returns(p)
    collect()
    import_published_for_comparison(p)
    screen_scope3(p)
    return consolidate_and_report(p.code, out, await_signoff=False)  # the demo signs nothing off


if __name__ == "__main__":
    demo(out=str(Path("var") / "demo"))
