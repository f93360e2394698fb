import multiprocessing as mp
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import load_settings
from esgflow.mail.inbox import FolderInbox, inbox_for
from esgflow.mail.mailbox import MailboxInbox


def test_claims_are_exclusive_and_stale_claims_are_taken_over(tmp_path: Path) -> None:
    inbox = FolderInbox(tmp_path, settle=0)
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


def test_a_file_another_run_claims_between_listing_and_look_is_left_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = FolderInbox(tmp_path, settle=0)
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(name.encode())
    is_file = Path.is_file

    def taken_meanwhile(path: Path) -> bool:  # the other run's rename lands right after our listing saw b.xlsx
        seen = is_file(path)
        if path.name == "b.xlsx" and path.parent == tmp_path:
            path.unlink()
        return seen

    monkeypatch.setattr(Path, "is_file", taken_meanwhile)
    assert [p.name for p in inbox.claim("run-1").files] == ["a.xlsx"]


def test_the_source_comes_from_configuration(tmp_path: Path) -> None:
    assert isinstance(inbox_for(tmp_path), FolderInbox)
    assert inbox_for(f"file://{tmp_path}").root == tmp_path  # type: ignore[attr-defined]
    with pytest.raises(EsgflowError, match=r"no inbox source for s3://"):
        inbox_for("s3://esg-returns/inbox")
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_INBOX_PASSWORD": "pw"})
    mailbox = inbox_for("imaps://esg%40cie@mail.example.com/Returns%202025", settings)
    assert isinstance(mailbox, MailboxInbox)
    assert (mailbox.user, mailbox.host, mailbox.port, mailbox.mailbox) == (
        "esg@cie",
        "mail.example.com",
        993,
        "Returns 2025",
    )
    assert "pw" not in repr(mailbox)
    with pytest.raises(EsgflowError, match="in the clear"):
        inbox_for("imap://esg@mail.example.com/INBOX", settings)  # plain IMAP only on this machine


def _write_slowly(path: Path, data: bytes, chunks: int, pause: float) -> threading.Thread:
    """A copy in progress: the file grows a chunk at a time, like a network copy into the inbox."""

    def run() -> None:
        step = -(-len(data) // chunks)
        with path.open("wb") as f:
            for start in range(0, len(data), step):
                f.write(data[start : start + step])
                f.flush()
                time.sleep(pause)

    writer = threading.Thread(target=run)
    writer.start()
    return writer


def test_files_under_a_temporary_name_are_left_until_renamed(tmp_path: Path) -> None:
    inbox = FolderInbox(tmp_path, settle=0)
    for name in ("SAMI_2025.xlsx.part", "SAMI_2025.xlsx.crdownload", "CHALIECO.XLSX.TMP"):
        (tmp_path / name).write_bytes(b"half a workbook")
    assert inbox.claim("run-1").files == []
    (tmp_path / "SAMI_2025.xlsx.part").rename(tmp_path / "SAMI_2025.xlsx")
    assert [p.name for p in inbox.claim("run-2").files] == ["SAMI_2025.xlsx"]


def test_a_file_still_being_written_is_not_claimed_until_it_settles(tmp_path: Path) -> None:
    inbox = FolderInbox(tmp_path, settle=0.3)
    (tmp_path / "done.xlsx").write_bytes(b"complete")
    os.utime(tmp_path / "done.xlsx", (time.time() - 60, time.time() - 60))
    writer = _write_slowly(tmp_path / "growing.xlsx", b"x" * 40_000, chunks=20, pause=0.05)
    first = inbox.claim("run-1")
    assert [p.name for p in first.files] == ["done.xlsx"]  # the growing file changed during the wait
    writer.join()
    second = inbox.claim("run-2")
    assert [p.name for p in second.files] == ["growing.xlsx"]
    assert second.files[0].stat().st_size == 40_000


def test_a_file_written_to_after_its_claim_goes_back_to_the_inbox(tmp_path: Path) -> None:
    inbox = FolderInbox(tmp_path, settle=0)
    (tmp_path / "a.xlsx").write_bytes(b"first half")
    (tmp_path / "b.xlsx").write_bytes(b"whole")
    claim = inbox.claim("run-1")
    with claim.files[0].open("ab") as f:  # the writer still held the file open when it was claimed
        f.write(b", second half")
    back = inbox.done(claim)
    assert [p.name for p in back] == ["a.xlsx"]
    assert (tmp_path / "a.xlsx").read_bytes() == b"first half, second half"
    assert [p.name for p in (tmp_path / "processed" / "run-1").iterdir()] == ["b.xlsx"]
    assert [p.name for p in inbox.claim("run-2").files] == ["a.xlsx"]


def _claim_and_hang(root: str, claimed: mp.Queue) -> None:  # type: ignore[type-arg]
    inbox = FolderInbox(Path(root), settle=0)
    claimed.put([p.name for p in inbox.claim("run-hangs").files])
    time.sleep(600)  # a run stuck or about to be killed, holding its claims


def test_the_claims_of_a_killed_run_are_taken_over_at_once_and_a_live_runs_never(tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(name.encode())
    ctx = mp.get_context("fork")
    claimed: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    run = ctx.Process(target=_claim_and_hang, args=(str(tmp_path), claimed))
    run.start()
    assert claimed.get(timeout=30) == ["a.xlsx", "b.xlsx"]
    inbox = FolderInbox(tmp_path, settle=0)
    nothing = inbox.claim("run-2", stale_after=3600)
    assert nothing.files == []  # the run is alive: its claims are its own
    inbox.done(nothing)
    os.kill(run.pid, signal.SIGKILL)  # type: ignore[arg-type]
    run.join()
    taken = inbox.claim("run-3")  # default stale_after: an hour, yet the dead run's files are taken now
    assert [p.name for p in taken.files] == ["a.xlsx", "b.xlsx"]
    assert not (tmp_path / ".claimed" / "run-hangs").exists()
