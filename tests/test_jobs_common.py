"""What the stages' jobs share (esgflow.jobs.common): the warehouse's address and the schema's presence."""

from __future__ import annotations

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.jobs.common import warehouse_url
from esgflow.jobs.figures import consolidate_period
from esgflow.periods import parse_period

P2024 = parse_period("2024")


def test_warehouse_url_hides_the_password() -> None:
    settings = load_settings({"ESGFLOW_DATABASE_URL": "postgresql+psycopg://esg:s3cret@db.example/esg"})
    assert warehouse_url(settings) == "postgresql+psycopg://esg:***@db.example/esg"


def test_a_job_before_init_says_to_run_init(sqlite_settings: Settings) -> None:
    with pytest.raises(EsgflowError, match="run 'esgflow init' first"):
        consolidate_period(sqlite_settings, P2024)
