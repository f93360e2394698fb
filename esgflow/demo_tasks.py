"""Tasks of the demo flow: the warehouse, the published history, and the reporters' replies."""

from __future__ import annotations

from prefect import task

from esgflow import jobs
from esgflow.catalog import load_catalog
from esgflow.config import load_settings
from esgflow.demo import bundled_history, demo_inputs
from esgflow.entities import load_registry
from esgflow.reference_data import LoadCounts
from esgflow.workbooks.fill import fill_template


@task
def init_warehouse() -> LoadCounts:
    """Create or upgrade the warehouse and load the reference data."""
    return jobs.init_warehouse(load_settings())


@task
def import_demo_history(period: str) -> int:
    """Import the published figures of the two years before the period."""
    years = {str(int(period) - 2), str(int(period) - 1)}
    return jobs.import_history_file(load_settings(), bundled_history(), years).inserted


@task
def reply_with_returns(period: str) -> int:
    """Play the reporters: fill each entity's template with its share of the published figures, into the inbox."""
    settings = load_settings()
    catalog = load_catalog()
    settings.inbox.mkdir(parents=True, exist_ok=True)
    inputs = demo_inputs(catalog, load_registry(), period)
    for entity, values in inputs.items():
        name = f"{entity}_{period}.xlsx"
        fill_template(settings.home / "templates" / period / name, settings.inbox / name, values)
    return len(inputs)


@task
def import_published_for_comparison(period: str) -> int:
    """Import the period's published figures, kept apart from the computed ones, to compare them."""
    return jobs.import_history_file(load_settings(), bundled_history(), {period}).inserted
