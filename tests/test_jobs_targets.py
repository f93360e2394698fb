"""The base-year and target jobs (esgflow.jobs.targets), on SQLite and a real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.figures.restatement import Change
from esgflow.jobs.figures import consolidate_period, restate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import audit_trail, review_return
from esgflow.jobs.targets import (
    add_new_target,
    flag_recalculations,
    list_baselines,
    set_base_year,
    target_progress,
)
from esgflow.periods import parse_period
from esgflow.records import TargetRecord
from esgflow.warehouse import db
from tests.returns_factory import record_values, warehouse_with_history

P2022 = parse_period("2022")


def _diesel_history(settings: Settings, tmp_path: Path) -> None:
    warehouse_with_history(settings, tmp_path, "env_diesel,env,柴油,吨,t,100,110,90,\n")


def test_the_office_sets_a_base_year_with_its_figure_and_a_target_whose_progress_is_computed(
    settings: Settings, tmp_path: Path
) -> None:
    _diesel_history(settings, tmp_path)
    done, before = set_base_year(settings, "env_diesel", 2022, "Wang Li")
    assert before is None and (done.year, done.value) == (2022, Decimal(110))  # the restated figure stands
    _, before = set_base_year(settings, "env_diesel", 2023, "Zhang Wei")
    assert before is not None and before.year == 2022
    assert [(b.code, b.year, b.value) for b in list_baselines(settings)] == [("env_diesel", 2023, Decimal(90))]
    with pytest.raises(EsgflowError, match="env_nothing is not an indicator"):
        set_base_year(settings, "env_nothing", 2022, "Wang Li")
    trail = [(r.action, r.actor, r.period, r.reason) for r in audit_trail(settings) if r.action == "baseline_set"]
    assert trail == [
        ("baseline_set", "Wang Li", "2022", "env_diesel"),
        ("baseline_set", "Zhang Wei", "2023", "env_diesel"),
    ]

    target = TargetRecord(
        "env_diesel", "group", "absolute", 2022, Decimal(110), 2026, Decimal(70), {2024: Decimal(85)}, "Wang Li"
    )
    add_new_target(settings, target)
    with pytest.raises(EsgflowError, match="already has a target for group in 2026"):
        add_new_target(settings, target)
    with pytest.raises(EsgflowError, match="scope is 'group' or an entity's code"):
        add_new_target(settings, TargetRecord(**{**target.__dict__, "scope": "NOWHERE"}))
    kept, progress = target_progress(settings, parse_period("2024"))
    assert kept == [target]
    rows = {p.year: (p.value, p.share, p.on_track) for p in progress}
    assert rows == {2023: (Decimal(90), Decimal("50.0"), None), 2024: (None, None, None)}  # 2024: no figure
    assert [r.action for r in audit_trail(settings) if r.action == "target_added"] == ["target_added"]


def test_a_restatement_past_the_threshold_in_a_base_year_figure_is_flagged_and_audited(
    settings: Settings, tmp_path: Path
) -> None:
    _diesel_history(settings, tmp_path)
    set_base_year(settings, "env_diesel", 2022, "Wang Li")
    moved = [Change("env_diesel", "t", Decimal(110), Decimal(120), (), ("SAMI",), True)]
    with db.session_scope(settings.database_url) as s:
        assert flag_recalculations(s, parse_period("2023"), moved, "Chen Jing") == []  # another year
        [flag] = flag_recalculations(s, P2022, moved, "Chen Jing")
    assert "env_diesel: the base-year 2022 figure 110 moved 9.1 %" in flag
    [row] = [r for r in audit_trail(settings, P2022) if r.action == "baseline_recalculation"]
    assert (row.actor, row.reason) == ("Chen Jing", flag)


def test_restating_a_base_year_past_the_threshold_flags_it_end_to_end(sqlite_settings: Settings) -> None:
    init_warehouse(sqlite_settings)
    p2024 = parse_period("2024")
    record_values(sqlite_settings, "SAMI", "a", {"env_diesel": Decimal(100)}, period=p2024)
    consolidate_period(sqlite_settings, p2024)
    base, _ = set_base_year(sqlite_settings, "env_diesel", 2024, "Wang Li")
    record_values(sqlite_settings, "SAMI", "b", {"env_diesel": Decimal(120)}, period=p2024)
    review_return(sqlite_settings, p2024, "SAMI", "approved", by="Wang Li", version=2)
    result = restate_period(sqlite_settings, p2024, "SAMI corrected its diesel", by="Zhang Wei")
    [flag] = result.recalculate
    assert flag.startswith(f"env_diesel: the base-year 2024 figure {base.value} moved 20.0 %")
    assert [r.reason for r in audit_trail(sqlite_settings, p2024) if r.action == "baseline_recalculation"] == [flag]
