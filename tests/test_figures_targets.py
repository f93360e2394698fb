"""Progress towards targets and the base-year recalculation policy (esgflow.figures.targets)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from esgflow import EsgflowError
from esgflow.figures.restatement import Change
from esgflow.figures.targets import check_target, progress, recalculations, yearly_progress
from esgflow.records import BaselineRecord, TargetRecord

CUT = TargetRecord(
    "env_ghg_total", "group", "absolute", 2022, Decimal(1000), 2030, Decimal(600), {2025: Decimal(850)}, "Wang Li"
)


def test_progress_is_the_share_of_the_way_and_a_year_without_a_figure_has_none() -> None:
    figures = {("env_ghg_total", 2023): Decimal(900), ("env_ghg_total", 2025): Decimal(860)}
    rows = {p.year: p for p in yearly_progress([CUT], figures, 2025)}
    assert sorted(rows) == [2023, 2024, 2025]
    assert rows[2023].share == Decimal("25.0") and rows[2023].on_track is None  # no milestone in 2023
    assert (rows[2024].value, rows[2024].share) == (None, None)  # blank, never zero
    assert (rows[2025].share, rows[2025].milestone, rows[2025].on_track) == (Decimal("35.0"), Decimal(850), False)
    assert progress(CUT, 2030, Decimal(590)).on_track is True  # the target year's mark is the target
    rise = TargetRecord(
        "env_renewable_energy_share", "group", "intensity", 2024, Decimal(10), 2030, Decimal(40), {}, "x"
    )
    assert progress(rise, 2026, Decimal(25)).share == Decimal("50.0")


def test_a_target_that_cannot_be_followed_is_refused() -> None:
    with pytest.raises(EsgflowError, match="must come after the base year"):
        check_target(TargetRecord("c", "group", "absolute", 2030, Decimal(1), 2030, Decimal(0), {}, "x"))
    with pytest.raises(EsgflowError, match="no way to make progress"):
        check_target(TargetRecord("c", "group", "absolute", 2022, Decimal(1), 2030, Decimal(1), {}, "x"))
    with pytest.raises(EsgflowError, match="milestone years 2031 are not between"):
        check_target(
            TargetRecord("c", "group", "absolute", 2022, Decimal(1), 2030, Decimal(0), {2031: Decimal(0)}, "x")
        )
    with pytest.raises(EsgflowError, match="absolute or intensity"):
        check_target(TargetRecord("c", "group", "relative", 2022, Decimal(1), 2030, Decimal(0), {}, "x"))


def _change(code: str, after: Decimal | None) -> Change:
    return Change(code, "tCO2e", Decimal(1), after, (), (), False)


def test_a_restatement_moving_a_base_year_figure_more_than_5_percent_flags_it() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    bases = [
        BaselineRecord("env_ghg_total", 2022, Decimal(1000), "Wang Li", at),
        BaselineRecord("env_diesel", 2022, Decimal(200), "Wang Li", at),
        BaselineRecord("env_gasoline", 2023, Decimal(50), "Wang Li", at),
    ]
    moved = [
        _change("env_ghg_total", Decimal(1051)),
        _change("env_diesel", Decimal(209)),
        _change("env_gasoline", Decimal(1)),
    ]
    [flag] = recalculations(bases, 2022, moved)  # 5.1 % flags; 4.5 % does not; 2023 is another base year
    assert flag.startswith("env_ghg_total: the base-year 2022 figure 1000 moved 5.1 %")
    assert recalculations(bases, 2022, [_change("env_diesel", None)])[0].startswith(
        "env_diesel: the base-year 2022 figure 200 lost its figure"
    )
