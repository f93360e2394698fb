"""The registers' rows in the warehouse (esgflow.warehouse.registers): stored with their submission, exact, and
read back from each entity's newest accepted version, the one its figures are consolidated from."""

from __future__ import annotations

from decimal import Decimal

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.registers import RegisterRow
from esgflow.warehouse import db
from esgflow.warehouse.registers import period_rows, submission_rows
from esgflow.warehouse.submissions import SubmissionIn, record_submission
from tests.returns_factory import CLIMATE_RISKS_STORED, SITES_STORED, observations

P2026 = parse_period("2026")


def _store(settings: Settings, entity: str, tag: str, rows: list[RegisterRow], status: str = "accepted") -> int:
    sub = SubmissionIn(entity, P2026, tag.ljust(64, "0"), f"{entity}_{tag}.xlsx", status)
    with db.session_scope(settings.database_url) as s:
        recorded = record_submission(s, sub, observations({"env_diesel": Decimal(1)}), registers=rows)
    return recorded.submission_id


def test_rows_are_kept_exactly_per_submission_and_the_newest_accepted_version_counts(settings: Settings) -> None:
    init_warehouse(settings)
    first = [RegisterRow("sites", "场所 Sites", 5, SITES_STORED[0])]
    second = [
        RegisterRow("sites", "场所 Sites", 5, SITES_STORED[1]),
        RegisterRow("climate_risks", "气候风险与机遇 Climate risks", 9, CLIMATE_RISKS_STORED[0]),
    ]
    one = _store(settings, "SAMI", "a1", first)
    _store(settings, "SAMI", "a2", second)
    _store(settings, "SAMI", "a3", [RegisterRow("sites", "场所 Sites", 6, SITES_STORED[0])], status="rejected")
    _store(settings, "HQ", "b1", [])
    with db.session_scope(settings.database_url) as s:
        assert submission_rows(s, one) == first
        standing = period_rows(s, P2026)
    assert [(e, v, r.table, r.row) for e, v, r in standing] == [
        ("SAMI", 2, "climate_risks", 9),
        ("SAMI", 2, "sites", 5),
    ]
    assert standing[1][2].cells == SITES_STORED[1]  # '-6.2088' and '106.845599' as typed, text as typed
    assert standing[0][2].cells["description"] == "暴雨导致工地停工 Heavy rain stops work on site"
