"""Verify an assurance pack from the pack alone: every file's hash, every input against the original return
it was typed in, and every figure recomputed from those returns with the pack's catalog, entity tree and
factors (the consolidation's own functions, never the warehouse).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from esgflow.assurance.pack import MANIFEST, MANIFEST_HASH, return_path, sha256_of
from esgflow.catalog import Catalog, load_catalog
from esgflow.decimals import VALUE_DTYPE
from esgflow.factors import registry_from
from esgflow.figures.consolidate import consolidate, storable
from esgflow.findings import Refused
from esgflow.intake.stage import stage, stage_splits, unit_factors
from esgflow.periods import parse_period
from esgflow.workbooks.returns import ParsedReturn, read_return

TOLERANCE = Decimal("1e-9")  # relative, as `explain` compares its recomputation (twelve significant digits)


@dataclass
class Verification:
    """What a verification found: each problem names the file or figure that differs."""

    folder: Path
    files: int = 0
    inputs: int = 0
    figures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _manifest(folder: Path, found: Verification) -> dict[str, Any] | None:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        found.problems.append(f"{MANIFEST}: missing, so nothing in {folder} can be checked")
        return None
    kept = folder / MANIFEST_HASH
    if not kept.is_file():
        found.problems.append(f"{MANIFEST_HASH}: missing")
    elif kept.read_text("utf-8").split()[:1] != [sha256_of(manifest)]:
        found.problems.append(f"{MANIFEST}: its SHA-256 is not the one {MANIFEST_HASH} records")
    try:
        data: dict[str, Any] = json.loads(manifest.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        found.problems.append(f"{MANIFEST}: not readable JSON ({exc})")
        return None
    return data


def check_hashes(folder: Path, found: Verification) -> set[str]:
    """Check every file the manifest lists; returns the paths whose bytes are as listed."""
    data = _manifest(folder, found)
    if data is None:
        return set()
    good = set()
    listed = {f["path"]: f["sha256"] for f in data.get("files", [])}
    for path, sha in sorted(listed.items()):
        target = folder / path
        if not target.is_file():
            found.problems.append(f"{path}: listed in the manifest but missing")
        elif sha256_of(target) != sha:
            found.problems.append(f"{path}: its SHA-256 differs from the manifest's (the file was changed)")
        else:
            good.add(path)
    extra = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - set(listed)
    for path in sorted(extra - {MANIFEST, MANIFEST_HASH}):
        found.problems.append(f"{path}: not in the manifest")
    found.files = len(listed)
    return good


def _read_returns(folder: Path, shas: set[str], catalog: Catalog, found: Verification) -> dict[str, ParsedReturn]:
    parsed = {}
    for sha in sorted(shas):
        path = return_path(sha)
        try:
            parsed[sha] = read_return((folder / path).read_bytes(), path, catalog)
        except Refused as exc:
            found.problems.append(f"{path}: cannot be read as a return ({exc.finding.message})")
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:  # a changed byte may break the compression
            found.problems.append(f"{path}: cannot be read ({exc})")
    return parsed


def _differs(pack: Decimal | None, recomputed: Decimal | None) -> bool:
    if pack is None or recomputed is None:
        return pack is not recomputed
    return abs(pack - recomputed) > TOLERANCE * max(abs(pack), Decimal(1))


def _decimal(text: Any) -> Decimal | None:
    try:
        return None if text is None else Decimal(str(text))
    except InvalidOperation:
        return None


def verify_pack(folder: Path) -> Verification:
    """Check a pack's hashes and recompute its figures from its returns; name everything that differs."""
    found = Verification(folder)
    check_hashes(folder, found)
    try:
        head = json.loads((folder / "pack.json").read_text("utf-8"))
        inputs = json.loads((folder / "inputs.json").read_text("utf-8"))
        figures = json.loads((folder / "figures.json").read_text("utf-8"))
        factors = registry_from(json.loads((folder / "factors.json").read_text("utf-8")))
        catalog = load_catalog(folder / "catalog.yaml")
    except Exception as exc:  # any unreadable part stops the recomputation, and is said
        found.problems.append(f"the pack cannot be recomputed: {exc}")
        return found
    parsed = _read_returns(folder, {i["sha256"] for i in inputs}, catalog, found)
    units = unit_factors(catalog)
    staged = {sha: stage([ret], units) for sha, ret in parsed.items()}
    rows, split_frames = [], []
    for i in inputs:
        frame = staged.get(i["sha256"])
        if frame is None:
            continue  # its return could not be read: said above, and its figures will differ
        match = frame.filter(pl.col("indicator") == i["indicator"])
        typed = _decimal(match["value"][0]) if match.height else None
        if _differs(_decimal(i["value"]), typed):
            found.problems.append(
                f"input {i['indicator']} of {i['entity']} v{i['version']} ({i['sheet']}!{i['cell']}): the pack says "
                f"{i['value']}, the return {return_path(i['sha256'])} says {typed}"
            )
        if typed is not None:
            rows.append((i["observation_id"], i["entity"], i["indicator"], typed))
            split_frames.append(
                stage_splits(parsed[i["sha256"]], units)
                .filter(pl.col("indicator") == i["indicator"])
                .with_columns(pl.lit(i["observation_id"]).alias("observation_id"), pl.lit(i["entity"]).alias("entity"))
            )
    found.inputs = len(inputs)
    observations = pl.DataFrame(
        rows,
        schema={"observation_id": pl.Int64, "entity": pl.Utf8, "indicator": pl.Utf8, "value": VALUE_DTYPE},
        orient="row",
    )
    splits = pl.concat(split_frames, how="diagonal") if split_frames else None
    period = parse_period(head["period"])
    recomputed = storable(
        consolidate(
            observations, head["parents"], head["root"], catalog, factors, period.ends_on, head["locations"], splits
        )
    )
    again = {(r["scope"], r["indicator"]): _decimal(r["value"]) for r in recomputed.iter_rows(named=True)}
    for f in figures:
        key = (f["scope"], f["indicator"])
        value = again.get(key)
        if _differs(_decimal(f["value"]), value):
            shown = "no figure" if value is None else value
            found.problems.append(
                f"figure {f['indicator']} of {f['scope']}: the pack says {f['value']}, "
                f"recomputed from its returns {shown}"
            )
    found.figures = len(figures)
    return found
