"""The raw archive (esgflow.intake.archive): hashing, storing once, the outcome log, expanding folders, receiving."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from esgflow.intake.archive import archive_raw, content_hash, expand, log_outcome, receive
from esgflow.workbooks.safe_zip import MAX_FILE_BYTES

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_content_hash_is_the_sha256_hex_digest() -> None:
    assert content_hash(b"abc") == ABC_SHA256
    assert content_hash(b"") == hashlib.sha256(b"").hexdigest()
    assert content_hash(b"abc") != content_hash(b"abd")


def test_archive_raw_stores_the_bytes_under_their_hash(tmp_path: Path) -> None:
    stored = archive_raw(tmp_path, b"abc", ABC_SHA256, "SAMI_2025.XLSX")
    assert stored == tmp_path / "ba" / f"{ABC_SHA256}.xlsx"  # a folder per first two hex digits, suffix lowered
    assert stored.read_bytes() == b"abc"


def test_archive_raw_names_a_file_without_suffix_bin(tmp_path: Path) -> None:
    assert archive_raw(tmp_path, b"abc", ABC_SHA256, "return").name == f"{ABC_SHA256}.bin"


def test_archive_raw_stores_the_same_bytes_once(tmp_path: Path) -> None:
    first = archive_raw(tmp_path, b"abc", ABC_SHA256, "a.xlsx")
    stamp = first.stat().st_mtime_ns
    again = archive_raw(tmp_path, b"something else", ABC_SHA256, "b.xlsx")  # same hash: never rewritten
    assert again == first
    assert first.read_bytes() == b"abc" and first.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["ba", f"{ABC_SHA256}.xlsx"]


def test_archive_raw_leaves_no_partial_file_behind(tmp_path: Path) -> None:
    data = b"x" * 1_000_000
    digest = content_hash(data)
    stored = archive_raw(tmp_path, data, digest, "big.xlsx")
    assert stored.read_bytes() == data
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # the temporary file was renamed into place


def test_log_outcome_appends_json_lines_beside_the_file(tmp_path: Path) -> None:
    stored = archive_raw(tmp_path, b"abc", ABC_SHA256, "a.xlsx")
    before = datetime.now(UTC).replace(microsecond=0)
    log_outcome(stored, {"status": "refused", "reason": "不是工作簿"})
    log_outcome(stored, {"status": "duplicate"})
    log = stored.with_name(stored.name + ".log.jsonl")
    text = log.read_text("utf-8")
    assert "不是工作簿" in text  # kept readable, not \\u-escaped
    entries = [json.loads(line) for line in text.splitlines()]
    assert [{k: v for k, v in e.items() if k != "at"} for e in entries] == [
        {"status": "refused", "reason": "不是工作簿"},
        {"status": "duplicate"},
    ]
    assert all(before <= datetime.fromisoformat(e["at"]) <= datetime.now(UTC) for e in entries)
    assert stored.read_bytes() == b"abc"  # the archived bytes are untouched


def test_expand_lists_folders_recursively_in_a_stable_order(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for rel in ("b.xlsx", "a.xlsx", "sub/z.xlsx", "sub/deeper/c.xlsx", ".DS_Store", "~$a.xlsx", "sub/.hidden.xlsx"):
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(b"x")
    single = tmp_path / "single.xlsx"
    single.write_bytes(b"x")
    assert expand([single, inbox]) == [
        single,
        inbox / "a.xlsx",
        inbox / "b.xlsx",
        inbox / "sub" / "deeper" / "c.xlsx",
        inbox / "sub" / "z.xlsx",
    ]
    assert expand([inbox, single])[-1] == single  # the order of the paths given is kept


def test_expand_keeps_a_file_named_outright(tmp_path: Path) -> None:
    lock = tmp_path / "~$named.xlsx"
    lock.write_bytes(b"x")
    assert expand([lock]) == [lock]  # only files found inside folders are filtered


def test_expand_an_empty_folder_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert expand([tmp_path / "empty"]) == []


def test_receive_reads_hashes_and_archives_a_file(tmp_path: Path) -> None:
    path = tmp_path / "SAMI_2025.xlsx"
    path.write_bytes(b"abc")
    received = receive(7, path, tmp_path / "archive")
    assert (received.key, received.path, received.data, received.digest) == (7, path, b"abc", ABC_SHA256)
    assert received.archived == tmp_path / "archive" / "ba" / f"{ABC_SHA256}.xlsx"
    assert received.archived.read_bytes() == b"abc"


def test_receive_reads_one_byte_past_the_size_limit_at_most(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    path.write_bytes(b"\0" * (MAX_FILE_BYTES + 1000))
    received = receive(0, path, tmp_path / "archive")
    assert len(received.data) == MAX_FILE_BYTES + 1  # enough to refuse it as too large
    assert received.digest == content_hash(received.data)


def test_a_file_name_is_logged_once_even_when_a_run_judges_it_again(tmp_path: Path) -> None:
    stored = archive_raw(tmp_path, b"x", content_hash(b"x"), "SAMI_2025.xlsx")
    assert log_outcome(stored, {"name": "SAMI_2025.xlsx", "status": "accepted"})
    log = stored.with_name(stored.name + ".log.jsonl")
    with log.open("a") as f:
        f.write('{"name": "cut sho')  # a line a killed run did not finish
    assert not log_outcome(stored, {"name": "SAMI_2025.xlsx", "status": "duplicate"})  # after a restart
    assert log_outcome(stored, {"name": "SAMI_2025 (copy).xlsx", "status": "duplicate"})  # another file
    names = [json.loads(line)["name"] for line in log.read_text().splitlines() if line.endswith("}")]
    assert names == ["SAMI_2025.xlsx", "SAMI_2025 (copy).xlsx"]
