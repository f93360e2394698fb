"""Messages kept aside: which, with what reason, kept once, and answered once under a lease."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from esgflow.findings import Finding
from esgflow.intake.outcome import Outcome
from esgflow.mail import kept
from esgflow.mail.messages import NO_WORKBOOK, NOT_YOUR_ENTITY, UNAUTHENTICATED, UNKNOWN_SENDER, Arrived, Message

SERVER = "mx.office.example"


def _arrived(tmp_path: Path, uid: str, sender: str, kept_reason: str | None = None, dmarc: str = "pass") -> Arrived:
    raw = tmp_path / f"{uid}.eml"
    raw.write_bytes(f"From: {sender}\r\n\r\nbody {uid}".encode())
    files = () if kept_reason else (tmp_path / f"{uid}.xlsx",)
    auth = (f"{SERVER}; dmarc={dmarc} header.from={sender.rsplit('@', 1)[1]}",)
    message = Message(sender, f"<{uid}@x>", "", "Re: template", None, (), kept_reason, "", auth)
    return Arrived(uid, message, raw, files, datetime.now(UTC))


def test_only_a_reporters_workbooks_are_ingested_and_for_their_own_entities(tmp_path: Path) -> None:
    reporters = {"esg.sami@example.com": {"SAMI"}}
    mine = _arrived(tmp_path, "1", "esg.sami@example.com")
    stranger = _arrived(tmp_path, "2", "who@else.example")
    empty = _arrived(tmp_path, "3", "esg.sami@example.com", NO_WORKBOOK)
    forged = _arrived(tmp_path, "4", "esg.sami@example.com", dmarc="fail")
    origins, reasons = kept.before_ingest((mine, stranger, empty, forged), reporters, SERVER)
    assert list(origins) == list(mine.files) and origins[mine.files[0]].allowed == {"SAMI"}
    assert reasons == {"2": (UNKNOWN_SENDER, ""), "3": (NO_WORKBOOK, ""), "4": (UNAUTHENTICATED, SERVER)}
    assert kept.before_ingest((mine,), reporters, None)[1] == {"1": (UNAUTHENTICATED, "")}  # no server named
    answered = [kept.answerable(a.message, reporters, SERVER) for a in (mine, stranger, empty, forged)]
    assert answered == [True, False, True, False]

    not_theirs = Outcome(
        mine.files[0], "refused", "h", "GAMI", "2024", findings=[Finding(NOT_YOUR_ENTITY, "error", "x")]
    )
    assert kept.after_ingest((mine,), [not_theirs], {}) == {"1": (NOT_YOUR_ENTITY, "GAMI")}
    assert kept.sender_language("esg.sami@example.com", reporters, {"SAMI": "zh"}) == "zh"
    assert kept.sender_language("who@else.example", reporters, {"SAMI": "zh"}) == "both"


def test_a_kept_message_is_kept_once_and_answered_once(tmp_path: Path) -> None:
    a = _arrived(tmp_path, "7", "who@else.example")
    first, eml = kept.keep(tmp_path, a, UNKNOWN_SENDER, "", "both")
    again, _ = kept.keep(tmp_path, a, UNKNOWN_SENDER, "", "both")  # judged again after a run died
    assert first == again and eml.read_bytes() == a.raw.read_bytes()
    assert [k.key for k in kept.answers_owed(tmp_path)] == [first.key]
    assert kept.claim_answer(tmp_path, first.key, lease=600)
    assert not kept.claim_answer(tmp_path, first.key, lease=600)  # another run is sending it
    assert kept.claim_answer(tmp_path, first.key, lease=0)  # that run died: its lease ended
    kept.mark_answered(tmp_path, first.key)
    assert kept.answers_owed(tmp_path) == []
