"""Consolidated and published figures (esgflow.warehouse.figures) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import func, select

from esgflow.config import Settings
from esgflow.entities import EntityRegistry
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import Period, parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.db import code_ids
from esgflow.warehouse.figures import (
    consolidation_is_stale,
    estimated_sources,
    group_figures,
    replace_computed_figures,
    upsert_published,
)
from esgflow.warehouse.observations import accepted_observations
from esgflow.warehouse.submissions import (
    Recorded,
    SubmissionIn,
    record_submission,
)
from tests.returns_factory import observations
from tests.returns_factory import record_values as _record

P2024 = parse_period("2024")


P2025 = parse_period("2025")


@dataclass(frozen=True)
class _Published:
    indicator: str
    period: Period
    basis: str
    value: Decimal
    method: str = "published"
    source: str = "report.csv"


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
        replace_computed_figures(s, P2025, computed)
        upsert_published(s, "HQ", published)
    with db.session_scope(settings.database_url) as s:
        figures = group_figures(s, "HQ", [P2024, P2025])
        subtree = group_figures(s, "CINF", [P2025])
    assert figures == {
        ("env_diesel", "2025", "computed"): Decimal("600.5"),
        ("env_diesel", "2025", "published"): Decimal("600.50"),
        ("env_diesel", "2024", "published"): Decimal("580"),
        ("env_diesel", "2024", "published_restated"): Decimal("581"),
    }
    assert str(figures[("env_diesel", "2025", "published")]) == "600.50"  # as written
    assert subtree == {("env_diesel", "2025", "computed"): Decimal("200")}


def test_consolidation_is_stale_until_consolidated_and_again_after_a_newer_return(settings: Settings) -> None:
    # PostgreSQL hands back aware datetimes and SQLite naive ones: both must compare as UTC
    init_warehouse(settings)
    _record(settings, "HQ", "h1", {"env_diesel": Decimal("1")})
    with db.session_scope(settings.database_url) as s:
        assert consolidation_is_stale(s, P2025)
    consolidate_period(settings, P2025)
    with db.session_scope(settings.database_url) as s:
        assert not consolidation_is_stale(s, P2025)
    _record(settings, "GAMI", "g1", {"env_diesel": Decimal("2")})
    with db.session_scope(settings.database_url) as s:
        assert consolidation_is_stale(s, P2025)


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


def test_estimated_sources_name_the_entities_each_group_figure_rests_on(
    settings: Settings, registry: EntityRegistry
) -> None:
    _marked_returns(settings)
    consolidate_period(settings, P2025)
    with db.session_scope(settings.database_url) as s:
        sources = estimated_sources(s, registry.root(), [P2024, P2025])
        nothing_before = estimated_sources(s, registry.root(), [P2024])
    assert sources[("env_diesel", "2025", "computed")] == ["GAMI", "SAMI"]  # not CINF: its v2 is unmarked
    assert sources[("env_gasoline", "2025", "computed")] == ["SAMI"]
    assert sources[("env_fuel_total", "2025", "computed")] == ["GAMI", "SAMI"]  # derived: through its parts
    assert ("env_natural_gas", "2025", "computed") not in sources
    assert all(set(entities) <= {"GAMI", "SAMI"} for entities in sources.values())
    assert nothing_before == {}


def _count(settings: Settings, model: type[m.Base]) -> int:
    with db.session_scope(settings.database_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _record_diesel(settings: Settings, content_hash: str, value: str | None, status: str = "accepted") -> Recorded:
    with db.session_scope(settings.database_url) as s:
        submission = SubmissionIn("SAMI", P2025, content_hash, f"{content_hash}.xlsx", status)
        diesel = None if value is None else Decimal(value)
        return record_submission(s, submission, observations({"env_diesel": diesel}, "环境", "D5"))


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
            submission = SubmissionIn(entity, P2025, entity.ljust(64, "0"), f"{entity}.xlsx", "accepted")
            record_submission(s, submission, observations({"env_diesel": Decimal(value)}))
        return sorted(accepted_observations(s, P2025)["observation_id"].to_list())


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
        replace_computed_figures(
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
        replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
        replace_computed_figures(s, P2024, _computed([("HQ", "env_diesel", "7", [])]))
        upsert_published(s, "HQ", [_Published("env_diesel", P2025, "published", Decimal("30.50"))])
    with db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, _computed([("HQ", "env_gasoline", "4", [sami])]))
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
        replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
    with db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, _computed([]))
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
            replace_computed_figures(s, P2025, _computed(figures))
        assert _figures(settings) == {(e, "2025", i, "computed"): (v, sorted(ids)) for e, i, v, ids in figures}
        assert (_count(settings, m.ConsolidatedFigure), _count(settings, m.FigureSource)) == (5, 8)
    _record_diesel(settings, "c" * 64, "11")  # a return after the run: its time compares as later, in SQL too
    with db.session_scope(settings.database_url) as s:
        assert len(set(s.scalars(select(m.ConsolidatedFigure.computed_at)))) == 1  # one run, one time
        computed = select(func.max(m.ConsolidatedFigure.computed_at)).scalar_subquery()
        later = select(m.Submission.content_hash).where(m.Submission.received_at > computed)
        assert s.scalars(later).all() == ["c" * 64]


def test_replace_computed_figures_takes_figures_in_batches(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # 33 figures and 50 sources: several batches, the last one short
    monkeypatch.setattr("esgflow.warehouse.db.BULK_ROWS", 4)
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        entities = sorted(code_ids(s, "entity"))
    figures = [(e, "env_diesel", f"{n}.25", [sami] if n % 2 else [sami, gami]) for n, e in enumerate(entities)]
    with db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, _computed(figures))
    assert _figures(settings) == {(e, "2025", i, "computed"): (v, sorted(ids)) for e, i, v, ids in figures}


def test_replace_computed_figures_refuses_an_unknown_scope_and_keeps_the_old_figures(settings: Settings) -> None:
    init_warehouse(settings)
    sami, gami = _observation_ids(settings)
    with db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, _computed([("HQ", "env_diesel", "30.5", [sami, gami])]))
    with pytest.raises(KeyError, match="NOPE"), db.session_scope(settings.database_url) as s:
        replace_computed_figures(s, P2025, _computed([("NOPE", "env_diesel", "1", [sami])]))
    assert _figures(settings) == {("HQ", "2025", "env_diesel", "computed"): ("30.5", [sami, gami])}


def _upsert(settings: Settings, rows: list[_Published]) -> tuple[int, int, int]:
    with db.session_scope(settings.database_url) as s:
        return upsert_published(s, "HQ", rows)


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
        replace_computed_figures(s, P2024, _computed([("HQ", "env_diesel", "99", [])]))
    assert _upsert(settings, [_Published("env_diesel", P2024, "published", Decimal("100"))]) == (1, 0, 0)
    figures = _figures(settings)
    assert figures[("HQ", "2024", "env_diesel", "computed")] == ("99", [])
    assert figures[("HQ", "2024", "env_diesel", "published")] == ("100", [])
