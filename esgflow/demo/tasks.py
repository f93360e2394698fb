"""Tasks of the demo flow: the warehouse, the published history, and the reporters' replies."""

from __future__ import annotations

from prefect import task

from esgflow.catalog import load_catalog
from esgflow.config import load_settings
from esgflow.demo.group import DEMO_PEOPLE, bundled_history, demo_inputs
from esgflow.entities import load_registry
from esgflow.jobs import scope3, setup
from esgflow.jobs.setup import import_history_file
from esgflow.periods import Period
from esgflow.reference_data import LoadCounts
from esgflow.workbooks.fill import fill_cells
from esgflow.workbooks.naming import template_name


@task
def init_warehouse() -> LoadCounts:
    """Create or upgrade the warehouse and load the reference data."""
    return setup.init_warehouse(load_settings())


@task
def import_demo_history(period: Period) -> int:
    """Import the published figures of the two years before the period."""
    years = [period.shifted_years(-2), period.shifted_years(-1)]
    return import_history_file(load_settings(), bundled_history(), years).inserted


@task
def reply_with_returns(period: Period) -> int:
    """Play the reporters: fill each entity's template with its share of the published figures, into the inbox
    (each the workbook openpyxl would write, without loading it: a thirtieth of the time)."""
    settings = load_settings()
    settings.inbox.mkdir(parents=True, exist_ok=True)
    inputs = demo_inputs(load_catalog(), load_registry(), period)
    for entity, values in inputs.items():
        name = template_name(entity, period)
        fill_cells(settings.templates / period.code / name, settings.inbox / name, {**DEMO_PEOPLE, **values})
    return len(inputs)


@task
def import_published_for_comparison(period: Period) -> int:
    """Import the period's published figures, kept apart from the computed ones, to compare them."""
    return import_history_file(load_settings(), bundled_history(), [period]).inserted


@task
def screen_scope3(period: Period) -> list[int]:
    """Play the ESG office: screen and approve all fifteen Scope 3 categories; returns the relevant ones."""
    return scope3.screen_demo(load_settings(), period)
