"""Returns received (esgflow.warehouse.submissions) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import event, func, select

from esgflow.config import Settings
from esgflow.findings import Finding
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import Period, parse_period
from esgflow.records import NewestSubmission
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.db import code_ids, ensure_period
from esgflow.warehouse.letters import mark_answered
from esgflow.warehouse.observations import accepted_observations
from esgflow.warehouse.submissions import (
    Ids,
    Recorded,
    SubmissionIn,
    estimated_counts,
    known_hashes,
    newest_submissions,
    open_for_collection,
    open_periods,
    record_submission,
)
from tests.returns_factory import observations
from tests.returns_factory import record_values as _record

P2024 = parse_period("2024")


P2025 = parse_period("2025")


def _finding(severity: str) -> Finding:
    return Finding(rule="range", severity=severity, message="x", indicators=("env_diesel",))  # type: ignore[arg-type]


def test_open_periods_are_those_whose_templates_were_issued(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        ensure_period(s, P2024)  # known (e.g. from history), never opened
        open_for_collection(s, P2025)
    with db.session_scope(settings.database_url) as s:
        ids = code_ids(s, "period")
        assert open_periods(s) == {"2025": ids["2025"]}


def test_newest_submissions_count_their_findings(settings: Settings) -> None:
    init_warehouse(settings)
    diesel = {"env_diesel": Decimal("1")}
    before = datetime.now(UTC)
    _record(settings, "SAMI", "s1", diesel, "rejected", findings=[_finding("error"), _finding("error")])
    _record(settings, "SAMI", "s2", diesel, "accepted_with_warnings", findings=[_finding("warning")])
    _record(settings, "GAMI", "g1", diesel, "rejected", findings=[_finding("error"), _finding("warning")])
    _record(settings, "CINF", "c1", diesel)
    _record(settings, "HQ", "h1", diesel, period=P2024)  # another period
    with db.session_scope(settings.database_url) as s:
        newest = sorted(newest_submissions(s, P2025), key=lambda r: r.entity)
    assert [(r.entity, r.status, r.version, r.file, r.errors, r.warnings) for r in newest] == [
        ("CINF", "accepted", 1, "CINF_c1.xlsx", 0, 0),
        ("GAMI", "rejected", 1, "GAMI_g1.xlsx", 1, 1),
        ("SAMI", "accepted_with_warnings", 2, "SAMI_s2.xlsx", 0, 1),
    ]
    assert all(isinstance(r, NewestSubmission) for r in newest)
    after = datetime.now(UTC)
    for r in newest:  # SQLite hands back naive UTC times
        received = r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=UTC)
        assert before <= received <= after


def test_newest_submissions_of_a_period_without_returns_is_empty(settings: Settings) -> None:
    init_warehouse(settings)
    _record(settings, "SAMI", "s1", {"env_diesel": Decimal("1")}, period=P2024)
    with db.session_scope(settings.database_url) as s:
        assert newest_submissions(s, P2025) == []


def test_known_hashes_say_where_bytes_were_seen(settings: Settings) -> None:
    init_warehouse(settings)
    first = _record(settings, "SAMI", "s1", {"env_diesel": Decimal("1")})
    second = _record(settings, "SAMI", "s2", {"env_diesel": Decimal("2")})
    other = _record(settings, "GAMI", "g1", {"env_diesel": Decimal("3")}, period=P2024)
    s1, s2, g1, unseen = ("s1".ljust(64, "0"), "s2".ljust(64, "0"), "g1".ljust(64, "0"), "f" * 64)
    with db.session_scope(settings.database_url) as s:
        known = known_hashes(s, [s1, s2, s2, g1, unseen])
        assert known_hashes(s, []) == {}
    assert {h: (k.entity, k.period, k.version) for h, k in known.items()} == {
        s1: ("SAMI", "2025", first.version),
        s2: ("SAMI", "2025", second.version),
        g1: ("GAMI", "2024", other.version),
    }
    assert not known[s1].answered  # recorded, but no run has answered it yet
    with db.session_scope(settings.database_url) as s:
        mark_answered(s, [s1])
        assert known_hashes(s, [s1])[s1].answered
    assert (first.version, second.version, other.version) == (1, 2, 1)


def _record_marked(
    settings: Settings, entity: str, content_hash: str, values: dict[str, tuple[str | None, bool]], status: str
) -> None:
    frame = observations({code: None if v is None else Decimal(v) for code, (v, _) in values.items()}, "环境", "E5")
    frame = frame.with_columns(pl.Series("estimated", [marked for _, marked in values.values()], dtype=pl.Boolean))
    submission = SubmissionIn(entity, P2025, content_hash.ljust(64, "0"), f"{entity}_{content_hash}.xlsx", status)
    with db.session_scope(settings.database_url) as s:
        record_submission(s, submission, frame)


def _marked_returns(settings: Settings) -> None:
    init_warehouse(settings)
    _record_marked(
        settings,
        "SAMI",
        "a1",
        {"env_diesel": ("10", True), "env_gasoline": ("5", True), "env_natural_gas": (None, True)},
        "accepted",
    )
    _record_marked(settings, "GAMI", "b1", {"env_diesel": ("20", True), "env_gasoline": ("1", False)}, "accepted")
    _record_marked(settings, "GAMI", "b2", {}, "rejected")
    _record_marked(settings, "CINF", "c1", {"env_diesel": ("7", True)}, "accepted")
    _record_marked(settings, "CINF", "c2", {"env_diesel": ("8", False)}, "accepted")


def test_estimated_counts_are_of_the_version_in_the_figures(settings: Settings) -> None:
    _marked_returns(settings)
    with db.session_scope(settings.database_url) as s:
        counts = estimated_counts(s, P2025)
    # SAMI: two figures (a mark without a figure is none); GAMI: its accepted v1 while v2 waits rejected;
    # CINF: its newer accepted version marks nothing
    assert counts == {"SAMI": 2, "GAMI": 1}


def _count(settings: Settings, model: type[m.Base]) -> int:
    with db.session_scope(settings.database_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _record_diesel(settings: Settings, content_hash: str, value: str | None, status: str = "accepted") -> Recorded:
    with db.session_scope(settings.database_url) as s:
        submission = SubmissionIn("SAMI", P2025, content_hash, f"{content_hash}.xlsx", status)
        diesel = None if value is None else Decimal(value)
        return record_submission(s, submission, observations({"env_diesel": diesel}, "环境", "D5"))


def _opened_at(settings: Settings, period: Period) -> datetime | None:
    with db.session_scope(settings.database_url) as s:
        opened = s.scalars(select(m.Period.collection_opened_at).filter_by(code=period.code)).one()
    return opened if opened is None or opened.tzinfo else opened.replace(tzinfo=UTC)  # SQLite: naive UTC


def test_open_for_collection_stamps_the_time_of_opening(settings: Settings) -> None:
    init_warehouse(settings)
    before = datetime.now(UTC)
    with db.session_scope(settings.database_url) as s:
        open_for_collection(s, P2025)
    opened = _opened_at(settings, P2025)
    assert opened is not None and before <= opened <= datetime.now(UTC)


def test_open_for_collection_keeps_the_first_opening_time(settings: Settings) -> None:
    init_warehouse(settings)
    first = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with db.session_scope(settings.database_url) as s:
        ensure_period(s, P2025)
        s.scalars(select(m.Period).filter_by(code="2025")).one().collection_opened_at = first
    with db.session_scope(settings.database_url) as s:
        open_for_collection(s, P2025)  # templates issued again later
    assert _opened_at(settings, P2025) == first


# -- judged returns -------------------------------------------------------------------------------------------------


def test_submissions_are_versioned_and_duplicates_change_nothing(settings: Settings) -> None:
    init_warehouse(settings)
    first = _record_diesel(settings, "a" * 64, "10")
    again = _record_diesel(settings, "a" * 64, "10")
    second = _record_diesel(settings, "b" * 64, "12.5")
    rejected = _record_diesel(settings, "c" * 64, "99", status="rejected")
    assert (first.version, again.duplicate, again.version, second.version, rejected.version) == (
        1,
        True,
        1,
        2,
        3,
    )
    assert again.submission_id == first.submission_id and not first.duplicate
    with db.session_scope(settings.database_url) as s:
        frame = accepted_observations(s, P2025)
        assert frame["value"].to_list() == [Decimal("12.5")]  # newest accepted version only
        old = s.execute(
            select(m.Observation.value, m.Observation.cell).join(m.Submission).where(m.Submission.version == 1)
        ).one()
        assert old == (Decimal("10"), "D5")  # the old version stays queryable
    assert _count(settings, m.Submission) == 3 and _count(settings, m.Observation) == 3


def test_versions_count_per_entity_and_period(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        versions = [
            record_submission(s, SubmissionIn(e, p, h * 64, f"{h}.xlsx", "accepted"), observations({})).version
            for e, p, h in [("SAMI", P2025, "a"), ("GAMI", P2025, "b"), ("SAMI", P2024, "c"), ("SAMI", P2025, "d")]
        ]
    assert versions == [1, 1, 1, 2]


def test_record_submission_stores_the_return_with_its_lineage(settings: Settings) -> None:
    init_warehouse(settings)
    frame = pl.DataFrame(
        {
            "indicator": ["env_electricity", "env_diesel"],
            "value": pl.Series([Decimal("409.43803"), Decimal("1500.5")], dtype=pl.Decimal(38, 12)),
            "original_value": ["4,094,380.30", "1500.50"],
            "original_unit": ["kWh", "L"],
            "sheet": ["环境", "环境"],
            "cell": ["D4", "D7"],
            "note": [None, "two new trucks"],
        }
    )
    submission = SubmissionIn(
        "SAMI", P2025, "e" * 64, "SAMI_2025.xlsx", "accepted", archive_path="/archive/ee/e.xlsx", template_version="3"
    )
    with db.session_scope(settings.database_url) as s:
        recorded = record_submission(s, submission, frame)
    with db.session_scope(settings.database_url) as s:
        sub = s.get_one(m.Submission, recorded.submission_id)
        assert (sub.entity.code, sub.period.code, sub.version, sub.status) == ("SAMI", "2025", 1, "accepted")
        assert (sub.file_name, sub.archive_path, sub.template_version) == ("SAMI_2025.xlsx", "/archive/ee/e.xlsx", "3")
        stored = s.execute(
            select(
                m.Indicator.code,
                m.Observation.value,
                m.Observation.original_value,
                m.Observation.original_unit,
                m.Observation.source_file,
                m.Observation.sheet,
                m.Observation.cell,
                m.Observation.note,
            )
            .join_from(m.Observation, m.Indicator)
            .where(m.Observation.submission_id == recorded.submission_id)
            .order_by(m.Observation.cell)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("env_electricity", Decimal("409.43803"), "4,094,380.30", "kWh", "SAMI_2025.xlsx", "环境", "D4", None),
        ("env_diesel", Decimal("1500.5"), "1500.50", "L", "SAMI_2025.xlsx", "环境", "D7", "two new trucks"),
    ]
    assert [format(r[1], "f") for r in stored] == ["409.43803", "1500.5"]  # no padding from the frame's 12 places


def test_record_submission_makes_a_missing_period(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        ids = Ids.read(s)
        assert "2025" not in ids.period
        record_submission(s, SubmissionIn("SAMI", P2025, "a" * 64, "a.xlsx", "accepted"), observations({}), ids=ids)
    with db.session_scope(settings.database_url) as s:
        assert code_ids(s, "period") == {"2025": ids.period["2025"]}


def test_record_submission_stores_its_findings(settings: Settings) -> None:
    init_warehouse(settings)
    findings = [
        Finding(
            "parts_sum_to_total",
            "error",
            "the parts do not add up",
            ("env_diesel", "env_gasoline"),
            sheet="环境",
            cell="D5",
            expected=Decimal("10.50"),
            actual=Decimal("7.17E-8"),
        ),
        Finding("yoy_change_needs_note", "warning", "a large change", ("env_diesel",)),
    ]
    submission = SubmissionIn("SAMI", P2025, "f" * 64, "f.xlsx", "rejected")
    with db.session_scope(settings.database_url) as s:
        recorded = record_submission(s, submission, observations({"env_diesel": Decimal("1")}), findings)
    with db.session_scope(settings.database_url) as s:
        rows = s.scalars(select(m.Finding).order_by(m.Finding.id)).all()
        stored = [
            (f.rule, f.severity, f.indicators, f.message, f.expected, f.actual, f.sheet, f.cell, f.submission_id)
            for f in rows
        ]
        assert {(f.entity_id, f.period_id) for f in rows} == {
            (code_ids(s, "entity")["SAMI"], code_ids(s, "period")["2025"])
        }
    assert stored == [
        (
            "parts_sum_to_total",
            "error",
            ["env_diesel", "env_gasoline"],
            "the parts do not add up",
            Decimal("10.50"),
            Decimal("7.17E-8"),
            "环境",
            "D5",
            recorded.submission_id,
        ),
        (
            "yoy_change_needs_note",
            "warning",
            ["env_diesel"],
            "a large change",
            None,
            None,
            None,
            None,
            recorded.submission_id,
        ),
    ]


def test_a_duplicate_stores_no_second_set_of_findings(settings: Settings) -> None:
    init_warehouse(settings)
    submission = SubmissionIn("SAMI", P2025, "f" * 64, "f.xlsx", "rejected")
    finding = Finding("range", "error", "negative", ("env_diesel",))
    for _ in range(2):
        with db.session_scope(settings.database_url) as s:
            record_submission(s, submission, observations({"env_diesel": Decimal("-1")}), [finding])
    assert (_count(settings, m.Submission), _count(settings, m.Observation), _count(settings, m.Finding)) == (1, 1, 1)


@contextmanager
def _just_before_the_submission_insert(settings: Settings, other_run: Callable[[], None]) -> Iterator[None]:
    """Let another run do its work after this run has looked for the bytes and counted versions, before it inserts."""
    engine = db.engine_for(settings.database_url)
    fired = False

    def before_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal fired
        if not fired and statement.lstrip().upper().startswith("INSERT INTO SUBMISSION"):
            fired = True
            other_run()  # another session, another connection: it commits before this insert runs

    event.listen(engine, "before_cursor_execute", before_insert)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before_insert)
    assert fired, "the other run never came"


def _submit(settings: Settings, content_hash: str, value: str) -> Recorded:
    submission = SubmissionIn("SAMI", P2025, content_hash, f"{content_hash[:8]}.xlsx", "accepted")
    with db.session_scope(settings.database_url) as s:
        return record_submission(s, submission, observations({"env_diesel": Decimal(value)}, "环境", "D5"))


def test_two_runs_recording_the_same_bytes_at_once_store_them_once(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        open_for_collection(s, P2025)
    winner: list[Recorded] = []
    with _just_before_the_submission_insert(settings, lambda: winner.append(_submit(settings, "a" * 64, "10"))):
        late = _submit(settings, "a" * 64, "10")
    assert winner[0].duplicate is False and winner[0].version == 1
    assert late.duplicate is True and late.version == 1
    assert (_count(settings, m.Submission), _count(settings, m.Observation)) == (1, 1)


def test_two_runs_taking_the_same_version_at_once_get_one_each(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        open_for_collection(s, P2025)
    winner: list[Recorded] = []
    with _just_before_the_submission_insert(settings, lambda: winner.append(_submit(settings, "a" * 64, "10"))):
        late = _submit(settings, "b" * 64, "12")
    assert (winner[0].version, winner[0].duplicate) == (1, False)
    assert (late.version, late.duplicate) == (2, False)
    with db.session_scope(settings.database_url) as s:
        assert accepted_observations(s, P2025)["value"].to_list() == [Decimal("12")]
    assert (_count(settings, m.Submission), _count(settings, m.Observation)) == (2, 2)


def test_record_submission_stores_the_estimated_mark_and_false_where_a_frame_has_none(settings: Settings) -> None:
    init_warehouse(settings)
    marked = observations({"env_diesel": Decimal("10"), "env_gasoline": Decimal("5")}, "环境", "E5").with_columns(
        pl.Series("estimated", [True, False], dtype=pl.Boolean)
    )
    with db.session_scope(settings.database_url) as s:
        first = record_submission(s, SubmissionIn("SAMI", P2025, "a" * 64, "a.xlsx", "accepted"), marked)
        unmarked = observations({"env_diesel": Decimal("10")}, "history")  # no such column: nobody marked it
        second = record_submission(s, SubmissionIn("GAMI", P2025, "b" * 64, "b.xlsx", "accepted"), unmarked)
    with db.session_scope(settings.database_url) as s:
        stored = s.execute(
            select(m.Observation.submission_id, m.Indicator.code, m.Observation.estimated, m.Observation.value)
            .join_from(m.Observation, m.Indicator)
            .order_by(m.Observation.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        (first.submission_id, "env_diesel", True, Decimal("10")),
        (first.submission_id, "env_gasoline", False, Decimal("5")),
        (second.submission_id, "env_diesel", False, Decimal("10")),
    ]
