"""Reads (esgflow.warehouse.queries) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import select

from esgflow.catalog import Catalog
from esgflow.config import Settings
from esgflow.decimals import VALUE_DTYPE
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import Period, parse_period
from esgflow.records import NewestSubmission, ReporterNote
from esgflow.warehouse import db, load, queries
from esgflow.warehouse import models as m
from tests.returns_factory import observations

P2024 = parse_period("2024")
P2025 = parse_period("2025")


def _record(
    settings: Settings,
    entity: str,
    content_hash: str,
    values: dict[str, Decimal | None],
    status: str = "accepted",
    period: Period = P2025,
    notes: dict[str, str] | None = None,
    findings: list[Finding] | None = None,
) -> load.Recorded:
    frame = observations(values, "环境", "D5")
    if notes:
        frame = frame.with_columns(pl.Series("note", [notes.get(code) for code in values], dtype=pl.Utf8))
    submission = load.SubmissionIn(entity, period, content_hash.ljust(64, "0"), f"{entity}_{content_hash}.xlsx", status)
    with db.session_scope(settings.database_url) as s:
        return load.record_submission(s, submission, frame, findings)


def _finding(severity: str) -> Finding:
    return Finding(rule="range", severity=severity, message="x", indicators=("env_diesel",))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Published:
    indicator: str
    period: Period
    basis: str
    value: Decimal
    method: str = "published"
    source: str = "report.csv"


def test_code_ids_map_every_code_to_its_row(settings: Settings, catalog: Catalog, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        period_id = load.ensure_period(s, P2025)
        entities, indicators = queries.code_ids(s, "entity"), queries.code_ids(s, "indicator")
        periods = queries.code_ids(s, "period")
    assert set(entities) == set(registry.codes)
    assert set(indicators) == {i.code for i in catalog.indicators}
    assert periods == {"2025": period_id}
    assert len(set(entities.values())) == len(entities)  # ids, one per code


def test_code_ids_know_only_the_keyed_tables(settings: Settings) -> None:
    init_warehouse(settings)
    with pytest.raises(KeyError), db.session_scope(settings.database_url) as s:
        queries.code_ids(s, "submission")


def test_entity_kinds_are_the_registry_kinds(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        kinds = queries.entity_kinds(s)
    assert kinds == {e.code: e.kind for e in registry.entities}
    assert kinds["HQ"] == "headquarters"


def test_open_periods_are_those_whose_templates_were_issued(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        load.ensure_period(s, P2024)  # known (e.g. from history), never opened
        load.open_for_collection(s, P2025)
    with db.session_scope(settings.database_url) as s:
        ids = queries.code_ids(s, "period")
        assert queries.open_periods(s) == {"2025": ids["2025"]}


def test_entity_links_are_the_dated_tree(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        links = queries.entity_links(s)
    assert sorted(links) == sorted((li.entity, li.parent, li.valid_from, li.valid_to) for li in registry.links)
    cssi = sorted((f, p) for e, p, f, _ in links if e == "CSSI")
    assert cssi == [(date(1900, 1, 1), "HQ"), (date(2024, 1, 1), "CINF")]
    assert [e for e, p, _, _ in links if p is None] == ["HQ"]


def test_contacts_list_each_entity_reporters(settings: Settings, registry: EntityRegistry) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        found = queries.contacts(s)
    expected: dict[str, list[str]] = {}
    for c in registry.contacts:
        expected.setdefault(c.entity, []).append(c.email)
    assert found == expected
    assert found["HQ"] == ["esg.hq@example.com"]


def test_accepted_observations_take_the_newest_accepted_version_only(settings: Settings) -> None:
    init_warehouse(settings)
    _record(settings, "SAMI", "s1", {"env_diesel": Decimal("10"), "env_gasoline": Decimal("5")})
    _record(settings, "SAMI", "s2", {"env_diesel": Decimal("99")}, status="rejected")  # newer, but rejected
    _record(settings, "GAMI", "g1", {"env_diesel": Decimal("1")})
    _record(settings, "GAMI", "g2", {"env_diesel": Decimal("2.5")}, status="accepted_with_warnings")
    _record(settings, "CINF", "c1", {"env_diesel": Decimal("7")}, status="rejected")  # nothing accepted
    _record(settings, "HQ", "h1", {"env_diesel": Decimal("3")}, period=P2024)  # another period
    with db.session_scope(settings.database_url) as s:
        frame = queries.accepted_observations(s, P2025)
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
        frame = queries.accepted_observations(s, P2025)
    assert frame["observation_id"].is_sorted()
    assert {(e, i): v for _, e, i, v in frame.iter_rows()} == {
        ("SAMI", "env_diesel"): Decimal("123456789012.123456789012"),
        ("SAMI", "env_gasoline"): Decimal("0.000000000001"),
        ("SAMI", "env_natural_gas"): Decimal("-7.5"),
        ("GAMI", "env_diesel"): Decimal("1000"),
    }


def test_code_frame_is_code_ids_as_a_frame(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        frame, ids = queries.code_frame(s, "indicator", "code"), queries.code_ids(s, "indicator")
    assert frame.columns == ["code", "indicator_id"] and dict(frame.iter_rows()) == ids


def test_not_reported_is_never_a_zero(settings: Settings) -> None:
    init_warehouse(settings)
    _record(settings, "SAMI", "d", {"env_diesel": None, "env_gasoline": Decimal("0")})
    with db.session_scope(settings.database_url) as s:
        frame = queries.accepted_observations(s, P2025)
        query = select(m.Indicator.code, m.Observation.value).join_from(m.Observation, m.Indicator)
        stored = dict(s.execute(query).tuples().all())
    assert frame.select("indicator", "value").rows() == [("env_gasoline", Decimal("0"))]  # a real zero stays
    assert stored == {"env_diesel": None, "env_gasoline": Decimal("0")}  # stored, as not reported


def test_accepted_observations_of_an_empty_period_is_an_empty_frame(settings: Settings) -> None:
    init_warehouse(settings)
    with db.session_scope(settings.database_url) as s:
        frame = queries.accepted_observations(s, P2025)
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
        notes = queries.reporter_notes(s, P2025)
    assert notes == [  # by entity, then indicator; a note beside 'not reported' counts too
        ReporterNote("GAMI", "env_diesel", "no vehicles", "GAMI_g1.xlsx", "环境", "D5"),
        ReporterNote("SAMI", "env_diesel", "fleet sold", "SAMI_s2.xlsx", "环境", "D5"),
        ReporterNote("SAMI", "env_gasoline", "new plant", "SAMI_s2.xlsx", "环境", "D5"),
    ]


def test_group_figures_are_the_root_figures_of_the_periods_asked(settings: Settings) -> None:
    init_warehouse(settings)
    computed = pl.DataFrame(
        {
            "scope": ["HQ", "CINF"],
            "indicator": ["env_diesel", "env_diesel"],
            "value": ["600.5", "200"],
            "method": ["sum of 2 observations", "sum of 1 observations"],
            "observation_ids": [[], []],
        },
        schema_overrides={"observation_ids": pl.List(pl.Int64)},
    )
    published = [
        _Published("env_diesel", P2025, "published", Decimal("600.50")),
        _Published("env_diesel", P2024, "published", Decimal("580")),
        _Published("env_diesel", P2024, "published_restated", Decimal("581")),
        _Published("env_diesel", parse_period("2023"), "published", Decimal("570")),
    ]
    with db.session_scope(settings.database_url) as s:
        load.replace_computed_figures(s, P2025, computed)
        load.upsert_published(s, "HQ", published)
    with db.session_scope(settings.database_url) as s:
        figures = queries.group_figures(s, "HQ", [P2024, P2025])
        subtree = queries.group_figures(s, "CINF", [P2025])
    assert figures == {
        ("env_diesel", "2025", "computed"): Decimal("600.5"),
        ("env_diesel", "2025", "published"): Decimal("600.50"),
        ("env_diesel", "2024", "published"): Decimal("580"),
        ("env_diesel", "2024", "published_restated"): Decimal("581"),
    }
    assert str(figures[("env_diesel", "2025", "published")]) == "600.50"  # as written
    assert subtree == {("env_diesel", "2025", "computed"): Decimal("200")}


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
        newest = sorted(queries.newest_submissions(s, P2025), key=lambda r: r.entity)
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
        assert queries.newest_submissions(s, P2025) == []


def test_known_hashes_say_where_bytes_were_seen(settings: Settings) -> None:
    init_warehouse(settings)
    first = _record(settings, "SAMI", "s1", {"env_diesel": Decimal("1")})
    second = _record(settings, "SAMI", "s2", {"env_diesel": Decimal("2")})
    other = _record(settings, "GAMI", "g1", {"env_diesel": Decimal("3")}, period=P2024)
    s1, s2, g1, unseen = ("s1".ljust(64, "0"), "s2".ljust(64, "0"), "g1".ljust(64, "0"), "f" * 64)
    with db.session_scope(settings.database_url) as s:
        known = queries.known_hashes(s, [s1, s2, s2, g1, unseen])
        assert queries.known_hashes(s, []) == {}
    assert {h: (k.entity, k.period, k.version) for h, k in known.items()} == {
        s1: ("SAMI", "2025", first.version),
        s2: ("SAMI", "2025", second.version),
        g1: ("GAMI", "2024", other.version),
    }
    assert not known[s1].answered  # recorded, but no run has answered it yet
    with db.session_scope(settings.database_url) as s:
        load.mark_answered(s, [s1])
        assert queries.known_hashes(s, [s1])[s1].answered
    assert (first.version, second.version, other.version) == (1, 2, 1)


def test_consolidation_is_stale_until_consolidated_and_again_after_a_newer_return(settings: Settings) -> None:
    # PostgreSQL hands back aware datetimes and SQLite naive ones: both must compare as UTC
    init_warehouse(settings)
    _record(settings, "HQ", "h1", {"env_diesel": Decimal("1")})
    with db.session_scope(settings.database_url) as s:
        assert queries.consolidation_is_stale(s, P2025)
    consolidate_period(settings, P2025)
    with db.session_scope(settings.database_url) as s:
        assert not queries.consolidation_is_stale(s, P2025)
    _record(settings, "GAMI", "g1", {"env_diesel": Decimal("2")})
    with db.session_scope(settings.database_url) as s:
        assert queries.consolidation_is_stale(s, P2025)


def _record_marked(
    settings: Settings, entity: str, content_hash: str, values: dict[str, tuple[str | None, bool]], status: str
) -> None:
    frame = observations({code: None if v is None else Decimal(v) for code, (v, _) in values.items()}, "环境", "E5")
    frame = frame.with_columns(pl.Series("estimated", [marked for _, marked in values.values()], dtype=pl.Boolean))
    submission = load.SubmissionIn(entity, P2025, content_hash.ljust(64, "0"), f"{entity}_{content_hash}.xlsx", status)
    with db.session_scope(settings.database_url) as s:
        load.record_submission(s, submission, frame)


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
        counts = queries.estimated_counts(s, P2025)
    # SAMI: two figures (a mark without a figure is none); GAMI: its accepted v1 while v2 waits rejected;
    # CINF: its newer accepted version marks nothing
    assert counts == {"SAMI": 2, "GAMI": 1}


def test_estimated_sources_name_the_entities_each_group_figure_rests_on(
    settings: Settings, registry: EntityRegistry
) -> None:
    _marked_returns(settings)
    consolidate_period(settings, P2025)
    with db.session_scope(settings.database_url) as s:
        sources = queries.estimated_sources(s, registry.root(), [P2024, P2025])
        nothing_before = queries.estimated_sources(s, registry.root(), [P2024])
    assert sources[("env_diesel", "2025", "computed")] == ["GAMI", "SAMI"]  # not CINF: its v2 is unmarked
    assert sources[("env_gasoline", "2025", "computed")] == ["SAMI"]
    assert sources[("env_fuel_total", "2025", "computed")] == ["GAMI", "SAMI"]  # derived: through its parts
    assert ("env_natural_gas", "2025", "computed") not in sources
    assert all(set(entities) <= {"GAMI", "SAMI"} for entities in sources.values())
    assert nothing_before == {}
