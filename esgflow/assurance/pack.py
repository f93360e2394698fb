"""The assurance pack of a period: everything an assurer needs offline, with a manifest that proves it.

A pack is a folder: the standing figures with their formula or sum (`figures.json`), every input with its
entity, version, file hash, sheet, cell, value as typed and approver (`inputs.json`), the factor set the
figures were computed with and its citations (`factors.json`), the catalog (`catalog.yaml`), the entity
tree (`pack.json`), the review, sign-off and restatement trail (`trail.json`), the original returns by
hash (`returns/`), an index page per language, and `manifest.json` naming every file with its SHA-256
(itself hashed in `manifest.sha256`). Nothing in it depends on when it was written, so the same period
packed twice gives the same manifest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esgflow import EsgflowError
from esgflow.catalog import Catalog
from esgflow.pages import environment, stylesheet

MANIFEST, MANIFEST_HASH = "manifest.json", "manifest.sha256"
RETURNS = "returns"

# The index page's words, (zh, en): only the pack says them.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("鉴证资料包", "Assurance pack"),
    "period": ("报告期", "Period"),
    "basis": ("数据基础", "Basis"),
    "signed_off": ("签发", "Signed off"),
    "not_signed_off": ("尚未签发", "not signed off"),
    "figures": ("集团数据", "Group figures"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "method": ("计算方法", "How it was made"),
    "inputs": ("输入数据", "Inputs"),
    "returns": ("原始报表", "Original returns"),
    "entity": ("单位", "Entity"),
    "version": ("版本", "Version"),
    "file": ("文件", "File"),
    "approved_by": ("审批人", "Approved by"),
    "files": ("文件清单", "Files"),
    "verify": (
        "用 esgflow assurance verify 目录 复核：逐一核对文件的 SHA-256，并仅凭本资料包中的原始报表重新计算每个数据。",
        "Check it with esgflow assurance verify DIR: every file's SHA-256 is checked and every figure "
        "recomputed from the original returns in this pack alone.",
    ),
}


@dataclass(frozen=True)
class PackContents:
    """What the warehouse holds for a period's pack, gathered by esgflow.jobs.assurance."""

    period: str
    basis: str
    root: str
    parents: dict[str, str | None]
    locations: dict[str, str]
    figures: list[dict[str, Any]]  # scope, indicator, value, method, observation_ids
    inputs: list[dict[str, Any]]  # observation_id, entity, indicator, value, as_typed, version, file, sha256, ...
    splits: list[dict[str, Any]]
    factors: dict[str, Any]  # the pinned factor set's snapshot
    catalog_text: str
    trail: list[dict[str, Any]]
    returns: dict[str, Path]  # sha256 -> the archived original
    signoff: dict[str, Any] | None = None
    restatements: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # who attached which document to what, when
    documents: dict[str, Path] = field(default_factory=dict)  # "evidence/<sha256>.<suffix>" -> the stored bytes
    tests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # the auditor's samples and results
    # the data-quality results of each return version in the figures: what the checks found, as its letter said
    findings: list[dict[str, Any]] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def return_path(sha256: str) -> str:
    """Where a return is in a pack, by its hash (a return's own name may be anything a reporter typed)."""
    return f"{RETURNS}/{sha256}.xlsx"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str) + "\n"


def write_pack(contents: PackContents, out: Path, catalog: Catalog) -> list[dict[str, Any]]:
    """Write the pack into `out` (emptied of an earlier pack's files first); returns the manifest's files."""
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise EsgflowError(f"{out} holds other files: pack into an empty folder")
    if out.exists():
        shutil.rmtree(out)
    (out / RETURNS).mkdir(parents=True)
    head = {
        "period": contents.period,
        "basis": contents.basis,
        "root": contents.root,
        "parents": contents.parents,
        "locations": contents.locations,
        "signoff": contents.signoff,
    }
    texts = {
        "pack.json": _json(head),
        "figures.json": _json(contents.figures),
        "inputs.json": _json(contents.inputs),
        "splits.json": _json(contents.splits),
        "factors.json": _json(contents.factors),
        "trail.json": _json({"events": contents.trail, "restatements": contents.restatements}),
        "catalog.yaml": contents.catalog_text,
        "evidence.json": _json(contents.evidence),
        "findings.json": _json(contents.findings),
        "assurance.json": _json({"samples": [], "results": [], **contents.tests}),
    }
    for name, text in texts.items():
        (out / name).write_text(text, "utf-8")
    for sha, source in sorted(contents.returns.items()):
        if sha256_of(source) != sha:
            raise EsgflowError(f"the archived return {source} no longer has the hash {sha}: the archive was changed")
        shutil.copyfile(source, out / return_path(sha))
    for name, source in sorted(contents.documents.items()):
        (out / name).parent.mkdir(exist_ok=True)
        shutil.copyfile(source, out / name)
    for lang in ("zh", "en"):
        (out / f"index.{lang}.html").write_text(index_page(contents, catalog, lang), "utf-8")
    files = [
        {"path": p.relative_to(out).as_posix(), "sha256": sha256_of(p), "bytes": p.stat().st_size}
        for p in sorted(out.rglob("*"))
        if p.is_file()
    ]
    (out / MANIFEST).write_text(_json({"period": contents.period, "files": files}), "utf-8")
    (out / MANIFEST_HASH).write_text(f"{sha256_of(out / MANIFEST)}  {MANIFEST}\n", "utf-8")
    return files


def index_page(contents: PackContents, catalog: Catalog, lang: str) -> str:
    """The readable index of a pack in one language: the group figures, the returns and how to check them."""
    pick = 0 if lang == "zh" else 1

    def t(key: str) -> str:
        return WORDS[key][pick]

    def name(code: str) -> str:
        if code not in catalog:
            return code
        return catalog[code].name_zh if lang == "zh" else catalog[code].name_en

    group = [
        {**f, "name": name(f["indicator"]), "unit": catalog[f["indicator"]].unit if f["indicator"] in catalog else ""}
        for f in contents.figures
        if f["scope"] == contents.root
    ]
    returns: dict[str, dict[str, Any]] = {}
    for i in contents.inputs:
        returns.setdefault(i["sha256"], {**i, "path": return_path(i["sha256"])})
    return (
        environment()
        .get_template("pack_index.html")
        .render(
            t=t,
            lang=lang,
            css=stylesheet(),
            viewer=None,
            period=contents.period,
            basis=contents.basis,
            signoff=contents.signoff,
            figures=group,
            returns=sorted(returns.values(), key=lambda r: (r["entity"], r["version"])),
            input_count=len(contents.inputs),
        )
    )
