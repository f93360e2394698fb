"""Helpers for tests that need templates, filled returns and LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from esgflow import jobs
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.consolidate import ConsolidationResult
from esgflow.demo import bundled_history, demo_inputs, demo_returns
from esgflow.entities import load_registry
from esgflow.history import ImportResult, read_published
from esgflow.observations import record_submission
from esgflow.report import ReportFiles
from esgflow.workbooks.fill import fill_template
from warehouse import db


def open_collection(settings: Settings, period: str, out: Path, entities: list[str] | None = None) -> dict[str, Path]:
    jobs.init_warehouse(settings)
    return {p.name.split("_")[0]: p for p in jobs.write_templates(settings, period, out, entities)}


@cache
def _complete(entity: str) -> dict[str, Decimal]:
    return demo_inputs(load_catalog(), load_registry())[entity]


def fill(
    template: Path,
    out_dir: Path,
    values: dict,
    notes: dict | None = None,
    name: str | None = None,
    complete: bool = True,
) -> Path:
    """Fill a template: by default the entity's complete, consistent demo return with `values` on top."""
    base = dict(_complete(template.name.split("_")[0])) if complete else {}
    return fill_template(template, out_dir / (name or template.name), {**base, **values}, notes)


def libreoffice_resave(files: list[Path], out_dir: Path, fmt: str = "xlsx") -> list[Path]:
    """Re-save workbooks with headless LibreOffice (Calc), as a reporter using it would."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed (Debian: libreoffice-calc-nogui; .ci/run installs it)")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97"}
    env = {**os.environ, "HOME": str(profile)}
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            filters[fmt],
            "--outdir",
            str(out_dir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=600,
        env=env,
    )
    shutil.rmtree(profile, ignore_errors=True)
    return [out_dir / (f.stem + "." + fmt) for f in files]


# The demo cycle without workbooks or flows: demo returns recorded directly as accepted
# submissions. A quick way for tests to get a consolidated 2024 (the product's demo runs
# the flows, see flows/demo.py and tests/test_flows.py).
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
    jobs.init_warehouse(settings)
    history = jobs.import_history_file(settings, bundled_history(), {str(int(period) - 2), str(int(period) - 1)})
    loaded, duplicates = load_demo_returns(settings, period)
    consolidation = jobs.consolidate_period(settings, period)
    report = jobs.report_period(settings, period, out, ["zh", "en"])
    published = {
        f.code: f.value for f in read_published(bundled_history(), load_catalog(), {period}) if f.basis == "published"
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
