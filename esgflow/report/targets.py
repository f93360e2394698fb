"""Targets and the progress towards them (issue 28.3) in the report: `targets.csv` and a section of the page."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from pathlib import Path

from markupsafe import Markup

from esgflow.catalog import Catalog
from esgflow.display import MISSING, readable, written_places
from esgflow.figures.targets import Progress
from esgflow.report.page_sections import Cell, grid
from esgflow.report.page_text import TEXT

CSV_HEADERS = [
    "code",
    "scope",
    "kind",
    "base_year",
    "base_value",
    "target_year",
    "target_value",
    "year",
    "value",
    "progress_percent",
    "milestone",
    "on_track",
]


def write_targets_csv(progress: Sequence[Progress], path: Path) -> None:
    """One row per target and year; a year without a figure has empty value and progress, never zero."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADERS)
        for p in progress:
            row = p.to_json()
            on_track = row["on_track"]
            row["on_track"] = "" if on_track is None else ("yes" if on_track else "no")
            writer.writerow(["" if row[h] is None else row[h] for h in CSV_HEADERS])


def _plain(value: object, places: int | None = None) -> str:
    """A figure as the page shows figures (separators; a computed one at its published places, a value the office
    typed at the places it was typed with), a blank as the dash."""
    if value is None:
        return MISSING
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return readable(number, written_places(number) if places is None else places)


def targets_section(progress: Sequence[Progress], catalog: Catalog, lang: str) -> list[dict]:
    """A table per target for the page's partial (report_targets.html): each year's figure, the share of the
    way to the target, the milestone met or not."""
    if not progress:
        return []
    t = TEXT[lang]
    heads = [Cell(t["year"]), Cell(t["value"], "num"), Cell(t["progress"], "num"), Cell(t["milestone"], "num")]
    heads.append(Cell(""))
    seen: list[tuple[str, str, int]] = []
    for p in progress:
        key = (p.target.code, p.target.scope, p.target.target_year)
        if key not in seen:
            seen.append(key)
    shown = []
    for code, scope, target_year in seen:
        rows = [
            p for p in progress if (p.target.code, p.target.scope, p.target.target_year) == (code, scope, target_year)
        ]
        target = rows[0].target
        # the page's own words with the target's name escaped into them, as the page has always written it
        title = Markup(t["target_line"]).format(
            name=Markup(escape(catalog[code].name(lang) if code in catalog else code)),
            kind=Markup(t[target.kind]),
            base_year=target.base_year,
            base=_plain(target.base_value),
            year=target_year,
            value=_plain(target.target_value),
        )
        lines = []
        for p in rows:
            share = MISSING if p.share is None else f"{p.share} %"
            track = "" if p.on_track is None else t["on_track" if p.on_track else "off_track"]
            places = catalog[code].decimals if code in catalog else None
            cells = [Cell(str(p.year)), Cell(_plain(p.value, places), "num"), Cell(share, "num")]
            cells.append(Cell(_plain(p.milestone), "num"))
            lines.append(([], [*cells, Cell(track)]))
        shown.append({"title": title, "grid": grid(heads, lines, "targets")})
    return shown
