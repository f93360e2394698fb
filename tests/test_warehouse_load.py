"""Writes (esgflow.warehouse.load) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from sqlalchemy import event, func, select

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.factors import FactorRegistry
from esgflow.findings import Finding
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import Period, parse_period
from esgflow.reference_data import ReferenceRows, reference_rows
from esgflow.warehouse import db, load, queries
from esgflow.warehouse import models as m
from tests.returns_factory import observations

P2024 = parse_period("2024")
P2025 = parse_period("2025")


def _count(settings: Settings, model: type[m.Base]) -> int:
    with db.session_scope(settings.database_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _record(settings: Settings, content_hash: str, value: str | None, status: str = "accepted") -> load.Recorded:
    with db.session_scope(settings.database_url) as s:
        submission = load.SubmissionIn("SAMI", P2025, content_hash, f"{content_hash}.xlsx", status)
        diesel = None if value is None else Decimal(value)
        return load.record_submission(s, submission, observations({"env_diesel": diesel}, "环境", "D5"))


# -- reference data -------------------------------------------------------------------------------------------------


def _load_reference(settings: Settings, rows: ReferenceRows) -> None:
    with db.session_scope(settings.database_url) as s:
        load.load_reference(
            s,
            indicators=rows.indicators,
            entities=rows.entities,
            links=rows.links,
            contacts=rows.contacts,
            factors=rows.factors,
            locations=rows.locations,
        )


def _reference_snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with db.session_scope(settings.database_url) as s:
        return {
            "entity": sorted(s.execute(select(m.Entity.id, m.Entity.code, m.Entity.name_en)).tuples()),
            "indicator": sorted(s.execute(select(m.Indicator.id, m.Indicator.code, m.Indicator.unit)).tuples()),
            "link": sorted(s.execute(select(m.EntityLink.id, m.EntityLink.parent_id, m.EntityLink.valid_to)).tuples()),
            "contact": sorted(s.execute(select(m.Contact.id, m.Contact.email, m.Contact.name)).tuples()),
            "factor": sorted(s.execute(select(m.Factor.id, m.Factor.code, m.Factor.value)).tuples()),
        }


def test_init_loads_reference_data_and_is_safe_to_rerun(settings: Settings) -> None:
    first = init_warehouse(settings)
    second = init_warehouse(settings)
    assert first == second
    with db.session_scope(settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Indicator)) == first.indicators == 133
        assert s.scalar(select(func.count()).select_from(m.Entity)) == 33
        assert s.scalar(select(func.count()).select_from(m.EntityLink)) == 34
        assert s.scalar(select(func.count()).select_from(m.Contact)) == 33
        factor = s.scalars(select(m.Factor).filter_by(code="sce_diesel")).one()
        assert factor.value == Decimal("1.4571") and "GB/T 2589" in factor.source


def test_load_reference_twice_keeps_every_row_and_id(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    before = _reference_snapshot(settings)
    _load_reference(settings, rows)
    assert _reference_snapshot(settings) == before
    assert len(before["entity"]) == 33 and len(before["factor"]) == len(factors.factors)


def test_load_reference_updates_changed_rows_in_place(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    before = _reference_snapshot(settings)
    renamed = [{**e, "name_en": "Renamed"} if e["code"] == "SAMI" else e for e in rows.entities]
    contacts = [{**c, "name": "New reporter"} if c["entity"] == "SAMI" else c for c in rows.contacts]
    _load_reference(settings, replace(rows, entities=renamed, contacts=contacts))
    after = _reference_snapshot(settings)
    sami = next(row for row in after["entity"] if row[1] == "SAMI")
    assert sami == (next(row[0] for row in before["entity"] if row[1] == "SAMI"), "SAMI", "Renamed")
    assert [row[2] for row in after["contact"] if row[1] == "esg.sami@example.com"] == ["New reporter"]
    assert len(after["entity"]) == len(before["entity"]) and len(after["contact"]) == len(before["contact"])


def test_load_reference_removes_links_no_longer_given(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, factors: FactorRegistry
) -> None:
    db.upgrade(settings.database_url)
    rows = reference_rows(catalog, registry, factors)
    _load_reference(settings, rows)
    # The reorganisation is undone: CSSI stays under HQ throughout, its 2024 link to CINF goes.
    links = [
        {**link, "valid_to": date(9999, 12, 31)} if link["entity"] == "CSSI" and link["parent"] == "HQ" else link
        for link in rows.links
        if not (link["entity"] == "CSSI" and link["parent"] == "CINF")
    ]
    _load_reference(settings, replace(rows, links=links))
    with db.session_scope(settings.database_url) as s:
        tree = queries.entity_links(s)
    assert [(p, f, t) for e, p, f, t in tree if e == "CSSI"] == [("HQ", date(1900, 1, 1), date(9999, 12, 31))]
    assert len(tree) == len(rows.links) - 1


# -- periods --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["2025", "2025-Q1", "2025-03"])
def test_ensure_period_makes_the_row_once(settings: Settings, code: str) -> None:
    init_warehouse(settings)
    period = parse_period(code)
    with db.session_scope(settings.database_url) as s:
        first = load.ensure_period(s, period)
    with db.session_scope(settings.database_url) as s:
        assert load.ensure_period(s, period) == first
        row = s.get_one(m.Period, first)
        assert (row.code, row.kind, row.starts_on, row.ends_on) == (code, period.kind, period.starts_on, period.ends_on)
        assert row.collection_opened_at is None
    assert _count(settings, m.Period) == 1


def _opened_at(settings: Settings, period: Period) -> datetime | None:
    with db.session_scope(settings.database_url) as s:
        opened = s.scalars(select(m.Period.collection_opened_at).filter_by(code=period.code)).one()
    return opened if opened is None or opened.tzinfo else opened.replace(tzinfo=UTC)  # SQLite: naive UTC


def test_open_for_collection_stamps_the_time_of_opening(settings: Settings) -> None:
    init_warehouse(settings)
    before = datetime.now(UTC)
    with db.session_scope(settings.database_url) as s:
        load.open_for_collection(s, P2025)
    opened = _opened_at(settings, P2025)
    assert opened is not None and before <= opened <= datetime.now(UTC)


def test_open_for_collection_keeps_the_first_opening_time(settings: Settings) -> None:
    init_warehouse(settings)
    first = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with db.session_scope(settings.database_url) as s:
        load.ensure_period(s, P2025)
        s.scalars(select(m.Period).filter_by(code="2025")).one().collection_opened_at = first
    with db.session_scope(settings.database_url) as s:
        load.open_for_collection(s, P2025)  # templates issued again later
    assert _opened_at(settings, P2025) == first


# -- judged returns -------------------------------------------------------------------------------------------------


def test_submissions_are_versioned_and_duplicates_change_nothing(settings: Settings) -> None:
    init_warehouse(settings)
    first = _record(settings, "a" * 64, "10")
    again = _record(settings, "a" * 64, "10")
    second = _record(settings, "b" * 64, "12.5")
    rejected = _record(settings, "c" * 64, "99", status="rejected")
    assert (first.version, again.duplicate, again.version, second.version, rejected.version) == (
        1,
        True,
        1,
        2,
        3,
    )
    assert again.submission_id == first.submission_id and not first.duplicate
    with db.session_scope(settings.database_url) as s:
        frame = queries.accepted_observations(s, P2025)
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
            load.record_submission(
                s, load.SubmissionIn(e, p, h * 64, f"{h}.xlsx", "accepted"), observations({})
            ).version
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
    submission = load.SubmissionIn(
        "SAMI", P2025, "e" * 64, "SAMI_2025.xlsx", "accepted", archive_path="/archive/ee/e.xlsx", template_version="3"
    )
    with db.session_scope(settings.database_url) as s:
        recorded = load.record_submission(s, submission, frame)
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
        ids = load.Ids.read(s)
        assert "2025" not in ids.period
        load.record_submission(
            s, load.SubmissionIn("SAMI", P2025, "a" * 64, "a.xlsx", "accepted"), observations({}), ids=ids
        )
    with db.session_scope(settings.database_url) as s:
        assert queries.code_ids(s, "period") == {"2025": ids.period["2025"]}


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
    submission = load.SubmissionIn("SAMI", P2025, "f" * 64, "f.xlsx", "rejected")
    with db.session_scope(settings.database_url) as s:
        recorded = load.record_submission(s, submission, observations({"env_diesel": Decimal("1")}), findings)
    with db.session_scope(settings.database_url) as s:
        rows = s.scalars(select(m.Finding).order_by(m.Finding.id)).all()
        stored = [
            (f.rule, f.severity, f.indicators, f.message, f.expected, f.actual, f.sheet, f.cell, f.submission_id)
            for f in rows
        ]
        assert {(f.entity_id, f.period_id) for f in rows} == {
            (queries.code_ids(s, "entity")["SAMI"], queries.code_ids(s, "period")["2025"])
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
    submission = load.SubmissionIn("SAMI", P2025, "f" * 64, "f.xlsx", "rejected")
    finding = Finding("range", "error", "negative", ("env_diesel",))
    for _ in range(2):
        with db.session_scope(settings.database_url) as s:
            load.record_submission(s, submission, observations({"env_diesel": Decimal("-1")}), [finding])
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


def _submit(settings: Settings, content_hash: str, value: str) -> load.Recorded:
    submission = load.SubmissionIn("SAMI", P2025, content_hash, f"{content_hash[:8]}.xlsx", "accepted")
    with db.session_scope(settings.database_url) as s:
        return load.record_submission(s, submission, observations({"env_diesel": Decimal(value)}, "环境", "D5"))


def test_two_runs_recording_the_same_bytes_at_once_store_them_once(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        load.open_for_collection(s, P2025)
    winner: list[load.Recorded] = []
    with _just_before_the_submission_insert(settings, lambda: winner.append(_submit(settings, "a" * 64, "10"))):
        late = _submit(settings, "a" * 64, "10")
    assert winner[0].duplicate is False and winner[0].version == 1
    assert late.duplicate is True and late.version == 1
    assert (_count(settings, m.Submission), _count(settings, m.Observation)) == (1, 1)


def test_two_runs_taking_the_same_version_at_once_get_one_each(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        load.open_for_collection(s, P2025)
    winner: list[load.Recorded] = []
    with _just_before_the_submission_insert(settings, lambda: winner.append(_submit(settings, "a" * 64, "10"))):
        late = _submit(settings, "b" * 64, "12")
    assert (winner[0].version, winner[0].duplicate) == (1, False)
    assert (late.version, late.duplicate) == (2, False)
    with db.session_scope(settings.database_url) as s:
        assert queries.accepted_observations(s, P2025)["value"].to_list() == [Decimal("12")]
    assert (_count(settings, m.Submission), _count(settings, m.Observation)) == (2, 2)


# -- consolidated and published figures -----------------------------------------------------------------------------


def _computed(rows: list[tuple[str, str, str, list[int]]]) -> pl.DataFrame:
    """A frame as consolidate.storable makes it: scope, indicator, value (decimal text), method, observation_ids."""
    return pl.DataFrame(
        {
            "scope": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "value": pl.Series([r[2] for r in rows], dtype=pl.Utf8),
            "method": [f"sum of {len(r[3])} observations" for r in rows],
            "observation_ids": [r[3] for r in rows],
        },
        schema_overrides={"observation_ids": pl.List(pl.Int64)},
    )


def _observation_ids(settings: Settings) -> list[int]:
    with db.session_scope(settings.database_url) as s:
        for entity, value in (("SAMI", "10"), ("GAMI", "20.5")):
            submission = load.SubmissionIn(entity, P2025, entity.ljust(64, "0"), f"{entity}.xlsx", "accepted")
            load.record_submission(s, submission, observations({"env_diesel": Decimal(value)}))
        return sorted(queries.accepted_observations(s, P2025)["observation_id"].to_list())


def _figures(settings: Settings) -> dict[tuple[str, str, str, str], tuple[str, list[int]]]:
    """(scope, period, indicator, basis) -> (value as stored, ids of its observations)."""
    with db.session_scope(settings.database_url) as s:
        figures = s.scalars(select(m.ConsolidatedFigure)).all()
        sources = s.execute(select(m.FigureSource.figure_id, m.FigureSource.observation_id)).tuples().all()
        return {
            (f.entity.code, f.period.code, f.indicator.code, f.basis): (
                str(f.value),
                sorted(o for fid, o in sources if fid == f.id),
            )
            for f in figures
        }


def test_replace_computed_figures_stores_figures_with_their_provenance(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(
            s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami]), ("GAMI", "env_diesel", "20.5", [gami])])
        )
    assert _figures(settings) == {
        ("HQ", "2025", "env_diesel", "computed"): ("30.5", [sami, gami]),
        ("GAMI", "2025", "env_diesel", "computed"): ("20.5", [gami]),
    }
    with db.session_scope(settings.database_url) as s:
        assert s.scalars(select(m.ConsolidatedFigure.method).filter_by(value=Decimal("30.5"))).one() == (
            "sum of 2 observations"
        )


def test_replace_computed_figures_replaces_only_the_period_computed_figures(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
        load.replace_computed_figures(s, P2024, _computed([("HQ", "env_diesel", "7", [])]))
        load.upsert_published(s, "HQ", [_Published("env_diesel", P2025, "published", Decimal("30.50"))])
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([("HQ", "env_gasoline", "4", [sami])]))
    assert _figures(settings) == {
        ("HQ", "2025", "env_gasoline", "computed"): ("4", [sami]),
        ("HQ", "2025", "env_diesel", "published"): ("30.50", []),
        ("HQ", "2024", "env_diesel", "computed"): ("7", []),
    }
    assert _count(settings, m.FigureSource) == 1  # the replaced figure's sources went with it


def test_replace_computed_figures_with_nothing_clears_the_period(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([]))
    assert (_count(settings, m.ConsolidatedFigure), _count(settings, m.FigureSource)) == (0, 0)
    assert _count(settings, m.Observation) == 2  # the observations themselves stay


def test_replace_computed_figures_keeps_every_observation_of_every_figure(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    figures = [
        ("HQ", "env_diesel", "30.5", [sami, gami]),
        ("SAMI", "env_diesel", "10", [sami]),
        ("GAMI", "env_diesel", "20.5", [gami]),
        ("HQ", "env_fuel_total", "0.0371", [gami, sami]),
        ("HQ", "env_energy_total", "0.05", [sami, gami]),
    ]
    for _ in range(2):  # consolidating again replaces: the same figures, each source once
        with db.session_scope(settings.database_url) as s:
            load.replace_computed_figures(s, P2025, _computed(figures))
        assert _figures(settings) == {(e, "2025", i, "computed"): (v, sorted(ids)) for e, i, v, ids in figures}
        assert (_count(settings, m.ConsolidatedFigure), _count(settings, m.FigureSource)) == (5, 8)
    _record(settings, "c" * 64, "11")  # a return after the run: its time compares as later, in SQL too
    with db.session_scope(settings.database_url) as s:
        assert len(set(s.scalars(select(m.ConsolidatedFigure.computed_at)))) == 1  # one run, one time
        computed = select(func.max(m.ConsolidatedFigure.computed_at)).scalar_subquery()
        later = select(m.Submission.content_hash).where(m.Submission.received_at > computed)
        assert s.scalars(later).all() == ["c" * 64]


def test_replace_computed_figures_takes_figures_in_batches(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "BULK_ROWS", 4)  # 33 figures and 50 sources: several batches, the last one short
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        entities = sorted(queries.code_ids(s, "entity"))
    figures = [(e, "env_diesel", f"{n}.25", [sami] if n % 2 else [sami, gami]) for n, e in enumerate(entities)]
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed(figures))
    assert _figures(settings) == {(e, "2025", i, "computed"): (v, sorted(ids)) for e, i, v, ids in figures}


def test_replace_computed_figures_refuses_an_unknown_scope_and_keeps_the_old_figures(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
    with pytest.raises(KeyError, match="NOPE"), db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, _computed([("NOPE", "env_diesel", "1", [sami])]))
    assert _figures(settings) == {("HQ", "2025", "env_diesel", "computed"): ("30.5", [sami, gami])}


def test_add_entities_adds_entities_and_their_links_in_bulk(settings: Settings) -> None:
    init_warehouse(settings)
    made_up = [f"SYN{n}" for n in range(3)]
    with db.session_scope(settings.database_url) as s:
        load.add_entities(
            s,
            [
                {
                    "code": code,
                    "name_zh": code,
                    "short_zh": code,
                    "name_en": code,
                    "kind": "branch",
                    "relation": "branch",
                    "country": "CN",
                    "language": "zh",
                }
                for code in made_up
            ],
            [
                {"entity": c, "parent": "HQ", "valid_from": date(2020, 1, 1), "valid_to": date(9999, 12, 31)}
                for c in made_up
            ],
        )
    with db.session_scope(settings.database_url) as s:
        links = {e: p for e, p, _, _ in queries.entity_links(s) if e in made_up}
    assert links == dict.fromkeys(made_up, "HQ")


@dataclass(frozen=True)
class _Published:
    indicator: str
    period: Period
    basis: str
    value: Decimal
    method: str = "published in the 2024 report"
    source: str = "appendix_2022_2024.csv row 5"


def _upsert(settings: Settings, rows: list[_Published]) -> tuple[int, int, int]:
    with db.session_scope(settings.database_url) as s:
        return load.upsert_published(s, "HQ", rows)


def test_upsert_published_counts_inserted_updated_and_unchanged(settings: Settings) -> None:
    init_warehouse(settings)
    diesel_2024 = _Published("env_diesel", P2024, "published", Decimal("100"))
    restated_2024 = _Published("env_diesel", P2024, "published_restated", Decimal("101"))
    gasoline_2025 = _Published("env_gasoline", P2025, "published", Decimal("3"))
    assert _upsert(settings, [diesel_2024, restated_2024]) == (2, 0, 0)
    corrected = replace(diesel_2024, value=Decimal("100.2"), source="appendix_2022_2024.csv row 6")
    assert _upsert(settings, [corrected, restated_2024, gasoline_2025]) == (1, 1, 1)
    assert _upsert(settings, [corrected, restated_2024, gasoline_2025]) == (0, 0, 3)
    assert _figures(settings) == {
        ("HQ", "2024", "env_diesel", "published"): ("100.2", []),
        ("HQ", "2024", "env_diesel", "published_restated"): ("101", []),
        ("HQ", "2025", "env_gasoline", "published"): ("3", []),
    }
    with db.session_scope(settings.database_url) as s:
        sources = set(s.scalars(select(m.ConsolidatedFigure.source)))
    assert "appendix_2022_2024.csv row 6" in sources and _count(settings, m.Period) == 2


def test_upsert_published_counts_1_50_against_1_5_as_changed(settings: Settings) -> None:
    init_warehouse(settings)
    assert _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("1.5"))]) == (1, 0, 0)
    assert _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("1.50"))]) == (0, 1, 0)


def test_upsert_published_stores_1_50_over_1_5_as_written(settings: Settings) -> None:
    init_warehouse(settings)
    _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("1.5"))])
    _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("1.50"))])
    assert _figures(settings)[("HQ", "2024", "env_diesel", "published")] == ("1.50", [])
    assert _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("1.50"))]) == (0, 0, 1)


def test_upsert_published_leaves_computed_figures_alone(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2024, _computed([("HQ", "env_diesel", "99", [])]))
    assert _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("100"))]) == (1, 0, 0)
    figures = _figures(settings)
    assert figures[("HQ", "2024", "env_diesel", "computed")] == ("99", [])
    assert figures[("HQ", "2024", "env_diesel", "published")] == ("100", [])


def test_a_letter_is_owed_once_answered_by_mail_and_leased_to_one_run_at_a_time(settings: Settings) -> None:
    init_warehouse(settings)
    by_mail, by_hand = _record(settings, "a" * 64, "1"), _record(settings, "b" * 64, "2")
    lease = timedelta(minutes=10)
    with db.session_scope(settings.database_url) as s:
        assert queries.letters_owed(s) == []  # not answered yet
        load.mark_answered(s, ["a" * 64], by_mail=True)
        load.mark_answered(s, ["b" * 64])  # ingested by hand: no letter by mail
        [owed] = queries.letters_owed(s)
        assert (owed.submission_id, owed.entity, owed.version) == (by_mail.submission_id, "SAMI", 1)
        assert by_hand.submission_id != owed.submission_id
        assert load.claim_letter(s, owed.submission_id, lease)
        assert not load.claim_letter(s, owed.submission_id, lease)  # another run: the lease is live
        load.release_letters(s, [owed.submission_id])
        assert load.claim_letter(s, owed.submission_id, lease)  # released: sent at once by a retry
        assert load.claim_letter(s, owed.submission_id, timedelta(0))  # an ended lease is taken over
        load.mark_mailed(s, owed.submission_id)
        assert queries.letters_owed(s) == []
        assert not load.claim_letter(s, owed.submission_id, timedelta(0))  # gone out: never again


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
        first = load.SubmissionIn("SAMI", P2025, "h1", "h1.xlsx", "accepted")
        load.record_submission(s, first, observations({"env_electricity": Decimal(10)}, "环境", "E11"), splits=split)
        splits = queries.accepted_splits(s, P2025)
        assert splits.select("entity", "indicator", "location", "value", "cell").rows() == [
            ("SAMI", "env_electricity", "CN-YN", Decimal(6), "E23"),
            ("SAMI", "env_electricity", "CN-LN", Decimal(4), "E24"),
        ]
        assert queries.splits_of(s, splits["observation_id"].to_list()[:1]).height == 2
        # a newer accepted return without a split: the registered location applies again
        second = load.SubmissionIn("SAMI", P2025, "h2", "h2.xlsx", "accepted")
        load.record_submission(s, second, observations({"env_electricity": Decimal(10)}, "环境", "E11"))
        assert queries.accepted_splits(s, P2025).is_empty()


def test_record_submission_stores_the_estimated_mark_and_false_where_a_frame_has_none(settings: Settings) -> None:
    init_warehouse(settings)
    marked = observations({"env_diesel": Decimal("10"), "env_gasoline": Decimal("5")}, "环境", "E5").with_columns(
        pl.Series("estimated", [True, False], dtype=pl.Boolean)
    )
    with db.session_scope(settings.database_url) as s:
        first = load.record_submission(s, load.SubmissionIn("SAMI", P2025, "a" * 64, "a.xlsx", "accepted"), marked)
        unmarked = observations({"env_diesel": Decimal("10")}, "history")  # no such column: nobody marked it
        second = load.record_submission(s, load.SubmissionIn("GAMI", P2025, "b" * 64, "b.xlsx", "accepted"), unmarked)
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
