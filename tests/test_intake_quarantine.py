"""The quarantine of refused uploads: kept for a retention period, bounded in bytes and files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from esgflow.intake import quarantine


def _put(home: Path, name: str, size: int, age_days: float) -> Path:
    path = quarantine.folder(home) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    when = time.time() - age_days * 86400
    os.utime(path, (when, when))
    return path


def test_old_files_go_and_the_folder_stays_within_its_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _put(tmp_path, "a.xlsx", 10, quarantine.RETENTION_DAYS + 1)
    fresh = _put(tmp_path, "b.xlsx", 10, 1)
    assert quarantine.prune(tmp_path) == [old] and fresh.exists()
    monkeypatch.setattr(quarantine, "MAX_BYTES", 25)
    third, fourth = _put(tmp_path, "c.xlsx", 10, 0.5), _put(tmp_path, "d.xlsx", 10, 0.1)
    assert quarantine.prune(tmp_path) == [fresh]  # the oldest goes first
    monkeypatch.setattr(quarantine, "MAX_FILES", 1)
    assert quarantine.prune(tmp_path) == [third] and fourth.exists()


def test_a_refused_file_moves_from_the_archive_with_its_log(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    digest = "ab" + "0" * 62
    stored = archive / "ab" / f"{digest}.xlsx"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"junk")
    stored.with_suffix(".xlsx.log.jsonl").write_text('{"name": "x"}\n')
    moved = quarantine.quarantine(tmp_path, archive, digest)
    assert moved == quarantine.folder(tmp_path) / stored.name and moved.read_bytes() == b"junk"
    assert not stored.exists() and moved.with_suffix(".xlsx.log.jsonl").exists()
    assert quarantine.quarantine(tmp_path, archive, digest) is None
