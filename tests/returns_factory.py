"""Helpers for tests that need templates, filled returns and LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path

from esgflow import jobs, units
from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.demo import demo_returns
from esgflow.entities import EntityRegistry, load_registry
from esgflow.workbooks.fill import fill_template


def open_collection(settings: Settings, period: str, out: Path, entities: list[str] | None = None) -> dict[str, Path]:
    jobs.init_warehouse(settings)
    return {p.name.split("_")[0]: p for p in jobs.write_templates(settings, period, out, entities)}


def demo_inputs(catalog: Catalog, registry: EntityRegistry) -> dict[str, dict[str, Decimal]]:
    """Each entity's demo figures in the units its template asks for."""
    out: dict[str, dict[str, Decimal]] = {}
    for ret in demo_returns(catalog, registry):
        out[ret.entity] = {
            o.code: units.convert(o.value, catalog[o.code].unit, catalog[o.code].input_unit or catalog[o.code].unit)
            for o in ret.observations
            if o.value is not None
        }
    return out


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
