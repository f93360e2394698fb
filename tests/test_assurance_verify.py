"""Verifying a pack from its own files: an edited input, a missing or an added file, an edited manifest."""

import json
import shutil
from pathlib import Path

import pytest

from esgflow.assurance.verify import verify_pack
from esgflow.config import load_settings
from esgflow.jobs.assurance import pack_period
from esgflow.jobs.evidence import attach_evidence
from esgflow.warehouse import db
from tests.returns_factory import P2024, ingested_year


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two entities' returns of 2024 as real workbooks, packed."""
    home = tmp_path_factory.mktemp("verify") / "home"
    settings = load_settings({"ESGFLOW_HOME": str(home)})
    ingested_year(settings, ["HQ", "SAMI"])
    attach_evidence(settings, "SAMI", "2024", "env_diesel", b"%PDF-1.4 invoice", "env_diesel.pdf", "api", "a@sami.cn")
    pack_period(settings, P2024, home / "pack")
    db.dispose(settings.database_url)
    return home / "pack"


@pytest.fixture
def pack(small_pack: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(small_pack, tmp_path / "pack"))


def test_a_whole_pack_verifies_and_a_changed_document_is_named(pack: Path) -> None:
    found = verify_pack(pack)
    assert found.problems == [] and found.ok
    assert found.inputs > 50 and found.figures > found.inputs // 2
    [document] = json.loads((pack / "evidence.json").read_text("utf-8"))
    assert (document["indicator"], document["sent_by"], document["channel"]) == ("env_diesel", "a@sami.cn", "api")
    (pack / document["path"]).write_bytes(b"%PDF-1.4 another invoice")
    assert verify_pack(pack).problems == [
        f"{document['path']}: its SHA-256 differs from the manifest's (the file was changed)"
    ]


def test_an_input_edited_in_the_pack_is_named_with_what_its_return_says(pack: Path) -> None:
    inputs = json.loads((pack / "inputs.json").read_text("utf-8"))
    edited = next(i for i in inputs if i["entity"] == "SAMI" and i["indicator"] == "env_diesel")
    typed = edited["value"]
    edited["value"] = "1"
    (pack / "inputs.json").write_text(json.dumps(inputs), "utf-8")
    problems = verify_pack(pack).problems
    assert "inputs.json: its SHA-256 differs from the manifest's (the file was changed)" in problems
    line = next(p for p in problems if p.startswith("input "))
    assert line.startswith(f"input env_diesel of SAMI v1 ({edited['sheet']}!{edited['cell']}): the pack says 1,")
    assert line.endswith(f"says {typed}")


def test_missing_added_and_manifest_changes_are_named(pack: Path) -> None:
    (pack / "index.en.html").unlink()
    (pack / "extra.txt").write_text("slipped in")
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    manifest["period"] = "2023"
    (pack / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    problems = verify_pack(pack).problems
    assert problems == [
        "manifest.json: its SHA-256 is not the one manifest.sha256 records",
        "index.en.html: listed in the manifest but missing",
        "extra.txt: not in the manifest",
    ]


def test_a_folder_that_is_no_pack_says_so(tmp_path: Path) -> None:
    found = verify_pack(tmp_path)
    assert not found.ok and found.problems[0].startswith("manifest.json: missing")
