"""The values returns reported (esgflow.warehouse.observations) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from sqlalchemy import select

from esgflow.config import Settings
from esgflow.decimals import VALUE_DTYPE
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.records import ReporterNote
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.observations import accepted_observations, accepted_splits, reporter_notes, splits_of
from esgflow.warehouse.submissions import (
    SubmissionIn,
    record_submission,
)
from tests.returns_factory import observations
from tests.returns_factory import record_values as _record

P2024 = parse_period("2024")


P2025 = parse_period("2025")


def test_accepted_observations_take_the_newest_accepted_version_only(settings: Settings) -> None:
    init_warehouse(settings)
    _record(settings, "SAMI", "s1", {"env_diesel": Decimal("10"), "env_gasoline": Decimal("5")})
    _record(settings, "SAMI", "s2", {"env_diesel": Decimal("99")}, status="rejected")  # newer, but rejected
    _record(settings, "GAMI", "g1", {"env_diesel": Decimal("1")})
    _record(settings, "GAMI", "g2", {"env_diesel": Decimal("2.5")}, status="accepted_with_warnings")
    _record(settings, "CINF", "c1", {"env_diesel": Decimal("7")}, status="rejected")  # nothing accepted
    _record(settings, "HQ", "h1", {"env_diesel": Decimal("3")}, period=P2024)  # another period
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
    assert frame.schema == {"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE}
    rows = sorted(frame.select("entity", "indicator", "value").iter_rows())
    assert rows == [
        ("GAMI", "env_diesel", Decimal("2.5")),
        ("SAMI", "env_diesel", Decimal("10")),
        ("SAMI", "env_gasoline", Decimal("5")),
    ]
    assert frame["observation_id"].n_unique() == 3


def test_accepted_observations_keep_every_digit_and_come_in_the_order_they_were_stored(settings: Settings) -> None:
    init_warehouse(settings)
    values = {"env_diesel": "123456789012.123456789012", "env_gasoline": "0.000000000001", "env_natural_gas": "-7.5"}
    _record(settings, "SAMI", "s1", {code: Decimal(v) for code, v in values.items()})
    _record(settings, "GAMI", "g1", {"env_diesel": Decimal("1E+3")})
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
    assert frame["observation_id"].is_sorted()
    assert {(e, i): v for _, e, i, v in frame.iter_rows()} == {
        ("SAMI", "env_diesel"): Decimal("123456789012.123456789012"),
        ("SAMI", "env_gasoline"): Decimal("0.000000000001"),
        ("SAMI", "env_natural_gas"): Decimal("-7.5"),
        ("GAMI", "env_diesel"): Decimal("1000"),
    }


def test_not_reported_is_never_a_zero(settings: Settings) -> None:
    init_warehouse(settings)
    _record(settings, "SAMI", "d", {"env_diesel": None, "env_gasoline": Decimal("0")})
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
        query = select(m.Indicator.code, m.Observation.value).join_from(m.Observation, m.Indicator)
        stored = dict(s.execute(query).tuples().all())
    assert frame.select("indicator", "value").rows() == [("env_gasoline", Decimal("0"))]  # a real zero stays
    assert stored == {"env_diesel": None, "env_gasoline": Decimal("0")}  # stored, as not reported


def test_accepted_observations_of_an_empty_period_is_an_empty_frame(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
    assert frame.is_empty() and frame.columns == ["observation_id", "entity", "indicator", "value"]


def test_reporter_notes_come_from_the_newest_accepted_returns(settings: Settings) -> None:
    init_warehouse(settings)
    values = {"env_diesel": Decimal("1"), "env_gasoline": Decimal("2")}
    _record(settings, "SAMI", "s1", values, notes={"env_diesel": "old note"})
    _record(settings, "SAMI", "s2", values, notes={"env_gasoline": "new plant", "env_diesel": "fleet sold"})
    _record(settings, "SAMI", "s3", values, status="rejected", notes={"env_diesel": "rejected note"})
    _record(settings, "GAMI", "g1", {"env_diesel": None}, notes={"env_diesel": "no vehicles"})
    _record(settings, "CINF", "c1", values, notes={"env_diesel": "other year"}, period=P2024)
    with db.session_scope(settings.database_url) as s:
        notes = reporter_notes(s, P2025)
    assert notes == [  # by entity, then indicator; a note beside 'not reported' counts too
        ReporterNote("GAMI", "env_diesel", "no vehicles", "GAMI_g1.xlsx", "环境", "D5"),
        ReporterNote("SAMI", "env_diesel", "fleet sold", "SAMI_s2.xlsx", "环境", "D5"),
        ReporterNote("SAMI", "env_gasoline", "new plant", "SAMI_s2.xlsx", "环境", "D5"),
    ]


def test_split_rows_are_stored_with_their_observation_and_read_for_the_newest_accepted(settings: Settings) -> None:
    init_warehouse(settings)
    split = pl.DataFrame(
        [
            ("env_electricity", "CN-YN", Decimal(6), "60000", "环境", "E23"),
            ("env_electricity", "CN-LN", Decimal(4), "40000", "环境", "E24"),
        ],
        schema={
            "indicator": pl.Utf8,
            "location": pl.Utf8,
            "value": pl.Decimal(38, 12),
            "original_value": pl.Utf8,
            "sheet": pl.Utf8,
            "cell": pl.Utf8,
        },
        orient="row",
    )
    with db.session_scope(settings.database_url) as s:
        first = SubmissionIn("SAMI", P2025, "h1", "h1.xlsx", "accepted")
        record_submission(s, first, observations({"env_electricity": Decimal(10)}, "环境", "E11"), splits=split)
        splits = accepted_splits(s, P2025)
        assert splits.select("entity", "indicator", "location", "value", "cell").rows() == [
            ("SAMI", "env_electricity", "CN-YN", Decimal(6), "E23"),
            ("SAMI", "env_electricity", "CN-LN", Decimal(4), "E24"),
        ]
        assert splits_of(s, splits["observation_id"].to_list()[:1]).height == 2
        # a newer accepted return without a split: the registered location applies again
        second = SubmissionIn("SAMI", P2025, "h2", "h2.xlsx", "accepted")
        record_submission(s, second, observations({"env_electricity": Decimal(10)}, "环境", "E11"))
        assert accepted_splits(s, P2025).is_empty()
