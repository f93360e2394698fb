"""Base years and targets (issue 28.3): progress towards a target, and when a restatement calls for a base-year
recalculation.

Progress is the share of the way from the base-year value to the target value covered by a year's figure
(a reduction and an increase alike); a year without a figure has no progress, never zero. The recalculation
policy: a restatement that moves a base-year figure by more than the significance threshold (5 %, the one
restatements flag with) from the figure recorded when the base year was set flags that base year for
recalculation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from esgflow import EsgflowError
from esgflow.figures.restatement import SIGNIFICANT, Change
from esgflow.records import BaselineRecord, TargetRecord

KINDS = ("absolute", "intensity")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Progress:
    """A target's standing in one year."""

    target: TargetRecord
    year: int
    value: Decimal | None  # the metric's figure of the year; None where there is none
    share: Decimal | None  # percent of the way from the base value to the target value
    milestone: Decimal | None  # the interim milestone of the year, if one was set
    on_track: bool | None  # whether the figure meets the milestone (None without either)

    def to_json(self) -> dict[str, Any]:
        t = self.target
        return {
            "code": t.code,
            "scope": t.scope,
            "kind": t.kind,
            "base_year": t.base_year,
            "base_value": str(t.base_value),
            "target_year": t.target_year,
            "target_value": str(t.target_value),
            "year": self.year,
            "value": None if self.value is None else str(self.value),
            "progress_percent": None if self.share is None else str(self.share),
            "milestone": None if self.milestone is None else str(self.milestone),
            "on_track": self.on_track,
        }


def check_target(target: TargetRecord) -> None:
    """Refuse a target that cannot be followed: unknown kind, target year not after the base year, no change
    asked, or a milestone outside the years between."""
    if target.kind not in KINDS:
        raise EsgflowError(f"a target is {' or '.join(KINDS)}, not {target.kind!r}")
    if target.target_year <= target.base_year:
        raise EsgflowError(f"the target year {target.target_year} must come after the base year {target.base_year}")
    if target.target_value == target.base_value:
        raise EsgflowError("the target value equals the base value: there is no way to make progress")
    outside = [y for y in target.milestones if not target.base_year < y < target.target_year]
    if outside:
        raise EsgflowError(
            f"milestone years {', '.join(map(str, outside))} are not between {target.base_year} "
            f"and {target.target_year}"
        )


def _share(target: TargetRecord, value: Decimal) -> Decimal:
    way = target.target_value - target.base_value
    return ((value - target.base_value) / way * HUNDRED).quantize(Decimal("0.1"))


def _meets(target: TargetRecord, value: Decimal, mark: Decimal) -> bool:
    """Whether a figure is at least as far along as a mark, in the target's direction."""
    return value <= mark if target.target_value < target.base_value else value >= mark


def progress(target: TargetRecord, year: int, value: Decimal | None) -> Progress:
    """A target's progress in a year from the metric's figure of that year."""
    milestone = target.milestones.get(year)
    if year == target.target_year:
        milestone = target.target_value
    share = None if value is None else _share(target, value)
    on_track = None if value is None or milestone is None else _meets(target, value, milestone)
    return Progress(target, year, value, share, milestone, on_track)


def yearly_progress(
    targets: Iterable[TargetRecord], figures: Mapping[tuple[str, int], Decimal | None], last_year: int
) -> list[Progress]:
    """Each target's progress in every year from its base year to `last_year` (or its target year)."""
    return [
        progress(t, year, figures.get((t.code, year)))
        for t in targets
        for year in range(t.base_year + 1, min(last_year, t.target_year) + 1)
    ]


def recalculations(baselines: Iterable[BaselineRecord], year: int, moved: Iterable[Change]) -> list[str]:
    """The metrics whose base year is `year` and whose restated figure is more than 5 % from the base-year
    figure recorded, one sentence each."""
    after = {c.indicator: c.after for c in moved}
    flagged = []
    for b in baselines:
        if b.year != year or b.code not in after or b.value is None:
            continue
        new = after[b.code]
        moved_by = None if new is None or b.value == 0 else abs(new - b.value) / abs(b.value)
        if moved_by is None or moved_by > SIGNIFICANT:
            how = "lost its figure" if new is None else f"moved {moved_by * HUNDRED:.1f} %" if moved_by else "moved"
            flagged.append(
                f"{b.code}: the base-year {year} figure {b.value} {how} (to {new}), more than the "
                f"{SIGNIFICANT * HUNDRED:.0f} % threshold: recalculate the base year and its targets"
            )
    return flagged
