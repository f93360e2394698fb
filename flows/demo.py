"""The whole cycle on the built-in demo group, through the flows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow

from esgflow.demo_tasks import import_demo_history, import_published_for_comparison, init_warehouse, reply_with_returns
from esgflow.findings import Finding
from flows.collect import collect
from flows.consolidate_and_report import consolidate_and_report
from flows.distribute import distribute


@flow(name="demo", log_prints=True)
def demo(period: str = "2024", out: str | None = None) -> list[Finding]:
    init_warehouse()
    import_demo_history(period)
    distribute(period, date(int(period) + 1, 1, 31))
    reply_with_returns(period)
    collect()
    import_published_for_comparison(period)
    return consolidate_and_report(period, out)


if __name__ == "__main__":
    demo(out=str(Path("var") / "demo"))
