from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.inbox import FolderInbox, inbox_for


def test_claims_are_exclusive_and_stale_claims_are_taken_over(tmp_path: Path) -> None:
    inbox = FolderInbox(tmp_path)
    for name in ("a.xlsx", "b.xlsx", ".hidden", "~$lock.xlsx"):
        (tmp_path / name).write_bytes(name.encode())
    first = inbox.claim("run-1")
    assert [p.name for p in first.files] == ["a.xlsx", "b.xlsx"]
    assert inbox.claim("run-2").files == []  # nothing left for a second run
    taken = inbox.claim("run-3", stale_after=0)  # run-1 stopped: its claim is taken over
    assert [p.name for p in taken.files] == ["a.xlsx", "b.xlsx"]
    inbox.done(taken)
    assert sorted(p.name for p in (tmp_path / "processed" / "run-3").iterdir()) == ["a.xlsx", "b.xlsx"]
    assert inbox.claim("run-4", stale_after=0).files == []


def test_the_source_comes_from_configuration(tmp_path: Path) -> None:
    assert isinstance(inbox_for(tmp_path), FolderInbox)
    assert inbox_for(f"file://{tmp_path}").root == tmp_path  # type: ignore[attr-defined]
    with pytest.raises(EsgflowError, match=r"no inbox source for imaps://"):
        inbox_for("imaps://esg@mail.example.com/INBOX")
