"""Writing a pack: every file in the manifest with its hash, the manifest hashed, an index page per language."""

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.assurance.pack import PackContents, return_path, write_pack
from esgflow.catalog import Catalog


def _contents(archived: Path, sha: str) -> PackContents:
    return PackContents(
        period="2024",
        basis="computed",
        root="HQ",
        parents={"HQ": None, "SAMI": "HQ"},
        locations={"HQ": "CN", "SAMI": "CN"},
        figures=[{"scope": "HQ", "indicator": "env_diesel", "value": "12.5", "method": "sum", "observation_ids": [1]}],
        inputs=[
            {
                "observation_id": 1,
                "entity": "SAMI",
                "indicator": "env_diesel",
                "value": "12.5",
                "version": 2,
                "file": "SAMI_2024.xlsx",
                "sha256": sha,
                "sheet": "环境",
                "cell": "E5",
                "approved_by": "王审核",
            }
        ],
        splits=[],
        factors={"factors": []},
        catalog_text="indicators: []\n",
        trail=[{"action": "approved", "actor": "王审核", "entity": "SAMI", "version": 2}],
        returns={sha: archived},
    )


@pytest.fixture
def archived(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "archive" / "ab.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"the bytes of a return")
    return path, hashlib.sha256(b"the bytes of a return").hexdigest()


def test_every_file_is_in_the_manifest_with_its_hash(
    tmp_path: Path, archived: tuple[Path, str], catalog: Catalog
) -> None:
    path, sha = archived
    files = write_pack(_contents(path, sha), tmp_path / "pack", catalog)
    pack = tmp_path / "pack"
    manifest = json.loads((pack / "manifest.json").read_text("utf-8"))
    assert manifest["files"] == files
    listed = {f["path"]: f["sha256"] for f in files}
    on_disk = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json", "manifest.sha256"}
    assert listed[return_path(sha)] == sha
    for name, digest in listed.items():
        assert hashlib.sha256((pack / name).read_bytes()).hexdigest() == digest
    kept = (pack / "manifest.sha256").read_text("utf-8").split()
    assert kept == [hashlib.sha256((pack / "manifest.json").read_bytes()).hexdigest(), "manifest.json"]


def test_evidence_is_packed_by_hash_with_who_sent_it(
    tmp_path: Path, archived: tuple[Path, str], catalog: Catalog
) -> None:
    path, sha = archived
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(b"%PDF-1.4 a bill")
    record = {"sha256": "cd" * 32, "indicator": "env_diesel", "sent_by": "a@sami.cn", "channel": "api"}
    contents = replace(_contents(path, sha), evidence=[record], documents={f"evidence/{'cd' * 32}.pdf": bill})
    files = {f["path"]: f["sha256"] for f in write_pack(contents, tmp_path / "pack", catalog)}
    assert files[f"evidence/{'cd' * 32}.pdf"] == hashlib.sha256(b"%PDF-1.4 a bill").hexdigest()
    assert json.loads((tmp_path / "pack" / "evidence.json").read_text("utf-8")) == [record]


def test_the_index_page_is_in_both_languages(tmp_path: Path, archived: tuple[Path, str], catalog: Catalog) -> None:
    write_pack(_contents(*archived), tmp_path / "pack", catalog)
    zh = (tmp_path / "pack" / "index.zh.html").read_text("utf-8")
    en = (tmp_path / "pack" / "index.en.html").read_text("utf-8")
    assert catalog["env_diesel"].name_zh in zh and "鉴证资料包" in zh and "王审核" in zh
    assert catalog["env_diesel"].name_en in en and "Assurance pack" in en and return_path(archived[1]) in en


def test_a_changed_archive_or_a_foreign_folder_is_refused(
    tmp_path: Path, archived: tuple[Path, str], catalog: Catalog
) -> None:
    path, sha = archived
    path.write_bytes(b"changed since it was received")
    with pytest.raises(EsgflowError, match="no longer has the hash"):
        write_pack(_contents(path, sha), tmp_path / "pack", catalog)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(EsgflowError, match="holds other files"):
        write_pack(_contents(path, sha), tmp_path / "other", catalog)
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"
