"""The jobs behind the commands: each opens its own transaction on the configured warehouse.

The CLI and the Prefect tasks call these; they hold no logic of their own beyond wiring
the library to the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.consolidate import ConsolidationResult, run_consolidation
from esgflow.demo import bundled_history, demo_returns
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.history import ImportResult, import_history, read_published
from esgflow.observations import record_submission
from esgflow.reference_data import LoadCounts, load_reference_data
from esgflow.report import ReportFiles, write_report
from warehouse import db


def init_warehouse(settings: Settings) -> LoadCounts:
    """Create or upgrade the schema and load the reference data."""
    settings.home.mkdir(parents=True, exist_ok=True)
    try:
        db.upgrade(settings.database_url)
    except Exception as exc:  # the driver's own message is the useful part
        raise EsgflowError(
            f"cannot reach or upgrade the warehouse at {db.display_url(settings.database_url)}: {exc}"
        ) from exc
    with db.session_scope(settings.database_url) as session:
        return load_reference_data(session, load_catalog(), load_registry(), load_factors())


def _require_schema(settings: Settings) -> None:
    try:
        ready = db.has_schema(settings.database_url)
    except Exception as exc:
        raise EsgflowError(
            f"cannot reach the warehouse at {db.display_url(settings.database_url)}: {exc}"
        ) from exc
    if not ready:
        raise EsgflowError("the warehouse has no schema yet: run 'esgflow init' first")


def import_history_file(settings: Settings, path: Path, years: set[str] | None = None) -> ImportResult:
    if not path.is_file():
        raise EsgflowError(f"{path}: no such file")
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return import_history(session, path, load_catalog(), load_registry().root(), years)


def consolidate_period(settings: Settings, period: str) -> ConsolidationResult:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return run_consolidation(session, period, load_catalog(), load_factors(), load_registry().root())


def report_period(settings: Settings, period: str, out: Path, langs: list[str]) -> ReportFiles:
    _require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return write_report(session, load_catalog(), period, out, load_registry().root(), langs)


@dataclass(frozen=True)
class DemoResult:
    history: ImportResult
    loaded: int
    duplicates: int
    consolidation: ConsolidationResult
    report: ReportFiles
    differences: list[tuple[str, Decimal, Decimal]]


def load_demo_returns(settings: Settings, period: str) -> tuple[int, int]:
    """Record the demo group's returns as accepted submissions; a second run finds duplicates."""
    loaded = duplicates = 0
    with db.session_scope(settings.database_url) as session:
        for ret in demo_returns(load_catalog(), load_registry(), period):
            recorded = record_submission(
                session,
                entity=ret.entity,
                period=period,
                content_hash=ret.content_hash,
                file_name=f"demo:{ret.entity}_{period}",
                status="accepted",
                observations=ret.observations,
            )
            duplicates += recorded.duplicate
            loaded += not recorded.duplicate
    return loaded, duplicates


def run_demo(settings: Settings, out: Path, period: str = "2024") -> DemoResult:
    """The demo cycle: history for the two years before, entity returns for `period`, report."""
    init_warehouse(settings)
    history = import_history_file(settings, bundled_history(), {str(int(period) - 2), str(int(period) - 1)})
    loaded, duplicates = load_demo_returns(settings, period)
    consolidation = consolidate_period(settings, period)
    report = report_period(settings, period, out, ["zh", "en"])
    published = {
        f.code: f.value
        for f in read_published(bundled_history(), load_catalog(), {period})
        if f.basis == "published"
    }
    differences = []
    for row in report.table.rows:
        cell = row.cells[period]
        code = row.indicator.code
        if cell and code in published:
            shown = Decimal(cell.text(max(row.indicator.decimals, -published[code].as_tuple().exponent)))
            if shown.quantize(published[code]) != published[code]:
                differences.append((code, published[code], cell.value))
    return DemoResult(history, loaded, duplicates, consolidation, report, differences)
