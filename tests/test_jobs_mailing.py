"""The mailing jobs (esgflow.jobs.mailing): mail to the outbox, letters owed going out once."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings, load_settings
from esgflow.jobs.collection import (
    ingest_files,
)
from esgflow.jobs.mailing import contacts, send_letters, send_reminders, send_templates
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse.letters import claim_letter, letters_owed
from tests.returns_factory import fill, open_collection

P2024 = parse_period("2024")


def test_mail_goes_to_the_outbox_without_smtp(sqlite_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(EsgflowError, match="nothing to remind for 2024: its templates were never distributed"):
        send_reminders(sqlite_settings, P2024, date(2025, 1, 31), date(2025, 1, 24))
    assert not sqlite_settings.outbox.exists() or not list(sqlite_settings.outbox.glob("*.eml"))
    templates = open_collection(sqlite_settings, P2024, sqlite_settings.templates / "2024", ["SAMI", "OS-IN"])
    sent = send_templates(sqlite_settings, P2024, date(2025, 1, 31), list(templates.values()))
    assert len(sent) == 2
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    assert len(send_letters(sqlite_settings)) == 1
    reminded = send_reminders(sqlite_settings, P2024, date(2025, 1, 31), date(2025, 1, 24))
    assert "OS-IN" in reminded and "SAMI" not in reminded
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sqlite_settings.outbox.glob("*.eml")
    ]
    to_sami = [m for m in messages if m["To"] == ", ".join(contacts(sqlite_settings)["SAMI"])]
    assert len(to_sami) == 2  # the template, then the letter on its return
    to_os_in = ", ".join(contacts(sqlite_settings)["OS-IN"])
    [reminder] = [m for m in messages if "reminder" in m["Subject"] and m["To"] == to_os_in]  # OS-IN writes English
    assert [a.get_filename() for a in reminder.iter_attachments()] == ["OS-IN_2024.xlsx"]
    assert sqlite_settings.portal_url in reminder.get_body(("plain",)).get_content()


def _eml(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.outbox.glob("letter-*.eml"))


def test_a_letter_owed_goes_out_once_whichever_run_sends_it(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI", "GAMI"])
    by_mail = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})
    by_hand = fill(templates["GAMI"], tmp_path / "hand", {})
    [mailed] = ingest_files(sqlite_settings, [by_mail], letters_by_mail=True)
    ingest_files(sqlite_settings, [by_hand])  # ingested by the office: it answers the reporter itself
    assert send_letters(sqlite_settings) == [str(sqlite_settings.outbox / f"{_eml(sqlite_settings)[0]}")]
    [name] = _eml(sqlite_settings)
    assert name.startswith("letter-SAMI_2024_v1-")
    message = email.message_from_bytes((sqlite_settings.outbox / name).read_bytes(), policy=policy.default)
    assert message["Message-ID"].startswith("<letter-SAMI_2024_v1-")
    assert [a.get_filename() for a in message.iter_attachments()] == ["SAMI_2024_v1.xlsx"]  # the annotated copy
    assert mailed.status == "rejected"
    assert send_letters(sqlite_settings) == []  # gone out: the next run sends nothing


def test_a_letter_leased_by_a_live_run_waits_and_a_dead_runs_lease_ends(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    with db.session_scope(sqlite_settings.database_url) as s:
        [owed] = letters_owed(s)
        assert claim_letter(s, owed.submission_id, timedelta(minutes=10))  # a run is sending it
    assert send_letters(sqlite_settings) == []
    assert len(send_letters(sqlite_settings, lease=timedelta(0))) == 1  # that run died: its lease ended
    assert len(_eml(sqlite_settings)) == 1


def test_letters_that_could_not_be_sent_stay_owed(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    # nothing listens on port 1
    down = load_settings(
        {
            "ESGFLOW_HOME": str(sqlite_settings.home),
            "ESGFLOW_SMTP_HOST": "127.0.0.1",
            "ESGFLOW_SMTP_PORT": "1",
            "ESGFLOW_SMTP_ALLOW_RESERVED": "1",
        }
    )
    with pytest.raises(OSError):
        send_letters(down)
    assert len(send_letters(sqlite_settings)) == 1  # released at once: the retry sends it
