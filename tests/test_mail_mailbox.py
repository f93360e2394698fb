"""Returns by mail, against a real IMAP server (dovecot) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from esgflow.config import Settings, load_settings
from esgflow.jobs import mailing
from esgflow.jobs.collection import collect_inbox
from esgflow.jobs.mailing import send_letters
from esgflow.mail import kept
from esgflow.mail.mailbox import HANDLED, KEPT
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.imap_server import PASSWORD, ImapServer, start_imap
from tests.returns_factory import fill, open_collection
from tests.test_mail_sending import Recorder, _free_port

P2024 = parse_period("2024")
SAMI, GAMI = "esg.sami@example.com", "esg.gami@example.com"  # registered contacts (esgflow/data/contacts.csv)


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    server = start_imap()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def mail_settings(tmp_path: Path, imap: ImapServer, smtp: tuple[Recorder, int]) -> Iterator[Settings]:
    env = {
        "ESGFLOW_HOME": str(tmp_path / "home"),
        "ESGFLOW_INBOX": imap.url,
        "ESGFLOW_INBOX_PASSWORD": PASSWORD,
        "ESGFLOW_SMTP_HOST": "127.0.0.1",
        "ESGFLOW_SMTP_PORT": str(smtp[1]),
        "ESGFLOW_SMTP_ALLOW_RESERVED": "1",  # the test server catches the placeholder contacts' mail
    }
    settings = load_settings(env)
    yield settings
    db.dispose(settings.database_url)


def reply(sender: str, files: list[Path], date: datetime, msgid: str, extra: int = 0) -> bytes:
    """A reporter's answer to the template e-mail, with the files (and `extra` other attachments)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "esg-returns@example.com"
    msg["Subject"] = "Re: [ESG data] template for 2024"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msgid
    msg["References"] = "<template-SAMI-2024@example.com>"
    msg.set_content("Please find our return attached.")
    for f in files:
        msg.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream", filename=f.name)
    for n in range(extra):
        msg.add_attachment(b"\x89PNG logo", maintype="image", subtype="png", filename=f"logo{n}.png")
    return bytes(msg)


def _submissions(settings: Settings) -> list[tuple[str, int, str]]:
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(
            select(m.Entity.code, m.Submission.version, m.Submission.content_hash).join(
                m.Entity, m.Entity.id == m.Submission.entity_id
            )
        )
        return sorted((e, v, h) for e, v, h in rows)


def test_a_return_by_mail_from_its_reporter_is_ingested_and_answered_in_its_thread(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    workbook = fill(templates["SAMI"], tmp_path / "filled", {"env_diesel": -5})  # something to fix
    sent_at = datetime(2025, 1, 20, 9, 30, tzinfo=UTC)
    # The display name claims anything; the address is compared in lower case.
    imap.append(reply('"ESG Office (trust me)" <ESG.Sami@Example.COM>', [workbook], sent_at, "<r1@sami.example.com>"))
    [outcome] = collect_inbox(mail_settings, "run-1")
    assert (outcome.status, outcome.entity, outcome.version) == ("rejected", "SAMI", 1)
    with db.session_scope(mail_settings.database_url) as s:
        arrived = s.scalar(select(m.Submission.arrived_at))
    assert arrived is not None and arrived.replace(tzinfo=arrived.tzinfo or UTC) == sent_at  # arrival = its Date
    assert imap.flags()[0] >= {HANDLED, "\\Seen"}
    assert len(send_letters(mail_settings)) == 1
    [letter] = smtp[0].received
    assert letter.message["In-Reply-To"] == "<r1@sami.example.com>"
    assert letter.message["References"].split() == ["<template-SAMI-2024@example.com>", "<r1@sami.example.com>"]
    assert [a.get_filename() for a in letter.message.iter_attachments()] == ["SAMI_2024_v1.xlsx"]
    assert SAMI in letter.rcpt_tos
    assert collect_inbox(mail_settings, "run-2") == [] and send_letters(mail_settings) == []


def test_returns_from_an_unknown_sender_or_another_entitys_reporter_are_kept_aside_and_answered(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    workbook = fill(templates["SAMI"], tmp_path / "filled", {})
    when = datetime(2025, 1, 21, tzinfo=UTC)
    imap.append(reply("SAMI reporter <someone@elsewhere.example>", [workbook], when, "<x1@elsewhere.example>"))
    imap.append(reply(f"SAMI <{GAMI}>", [workbook], when, "<x2@gami.example.com>"))  # GAMI's reporter, SAMI's file
    outcomes = collect_inbox(mail_settings, "run-1")
    kept_lines = [o.line() for o in outcomes if o.status == "kept"]
    assert len(kept_lines) == 2, [o.line() for o in outcomes]
    assert "someone@elsewhere.example is not a registered ESG reporter" in kept_lines[0]
    assert f"{GAMI} is not a registered reporter of SAMI" in kept_lines[1]
    assert _submissions(mail_settings) == []  # the warehouse is unchanged
    assert [k.reason for k in kept.kept_messages(mail_settings.home)] == ["unknown_sender", "not_your_entity"]
    assert all(KEPT in f and HANDLED in f for f in imap.flags())
    assert len(send_letters(mail_settings)) == 2
    answers = {r.rcpt_tos[0]: r.message for r in smtp[0].received}
    assert answers["someone@elsewhere.example"]["In-Reply-To"] == "<x1@elsewhere.example>"
    assert "registered" in answers["someone@elsewhere.example"].get_body().get_content()  # type: ignore[union-attr]
    assert "不是 SAMI 的登记填报人" in answers[GAMI].get_body().get_content()  # type: ignore[union-attr]
    assert send_letters(mail_settings) == []  # answered once


def test_a_message_without_a_workbook_or_with_ten_attachments_is_kept_aside(
    mail_settings: Settings, imap: ImapServer, tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    workbook = fill(templates["SAMI"], tmp_path / "filled", {})
    when = datetime(2025, 1, 22, tzinfo=UTC)
    imap.append(reply(SAMI, [], when, "<n1@sami.example.com>"))
    imap.append(reply(SAMI, [workbook], when, "<n2@sami.example.com>", extra=9))
    outcomes = collect_inbox(mail_settings, "run-1")
    assert [o.status for o in outcomes] == ["kept", "kept"]
    assert [k.reason for k in kept.kept_messages(mail_settings.home)] == ["no_workbook", "too_many_attachments"]
    assert _submissions(mail_settings) == []
    for k in kept.kept_messages(mail_settings.home):
        assert (kept.folder(mail_settings.home) / f"{k.key}.eml").stat().st_size > 0  # the message, for the office


def _collect(env: dict[str, str]) -> None:
    collect_inbox(load_settings(env), f"run-{os.getpid()}")


def test_a_killed_collect_run_again_loads_every_message_exactly_once(
    mail_settings: Settings, imap: ImapServer, tmp_path: Path
) -> None:
    entities = ["SAMI", "GAMI", "CINF", "HQ", "NFC6"]
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", entities)
    contacts = mailing.contacts(mail_settings)
    for n, entity in enumerate(entities):
        workbook = fill(templates[entity], tmp_path / "filled", {})
        imap.append(reply(contacts[entity][0], [workbook], datetime(2025, 1, 10 + n, tzinfo=UTC), f"<k{n}@ex.com>"))
    env = {
        "ESGFLOW_HOME": str(mail_settings.home),
        "ESGFLOW_INBOX": mail_settings.inbox_location or "",
        "ESGFLOW_INBOX_PASSWORD": PASSWORD,
    }
    run = mp.get_context("spawn").Process(target=_collect, args=(env,))
    run.start()
    deadline = time.monotonic() + 120
    while not _submissions(mail_settings) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(run.pid, signal.SIGKILL)  # type: ignore[arg-type]  # midway: after its first return was stored
    run.join()
    first = _submissions(mail_settings)
    assert 1 <= len(first) < len(entities) or not any(HANDLED in f for f in imap.flags())
    assert not any(HANDLED in f for f in imap.flags())  # killed before it could mark any message handled
    outcomes = collect_inbox(mail_settings, "run-again")
    assert {o.status for o in outcomes} <= {"accepted", "accepted_with_warnings", "duplicate"}
    stored = _submissions(mail_settings)
    assert sorted(e for e, _, _ in stored) == sorted(entities) and {v for _, v, _ in stored} == {1}
    assert all(HANDLED in f for f in imap.flags())
    with db.session_scope(mail_settings.database_url) as s:
        owed = s.scalar(select(func.count()).select_from(m.Submission).where(m.Submission.letter_owed)) or 0
    assert owed == len(entities)  # every return answered, once
    assert collect_inbox(mail_settings, "run-3") == []


def test_a_return_sent_as_ods_or_csv_is_answered_with_how_to_send_it_in_the_senders_language(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI", "OS-IN"])
    corpus = Path(__file__).parent / "corpus" / "foreign"
    ods, csv = tmp_path / "SAMI_2024.ods", tmp_path / "OS-IN_2024.csv"
    ods.write_bytes((corpus / "calamine_issues.ods").read_bytes())  # LibreOffice's own format
    csv.write_text("code,value\nenv_diesel,100\n")
    when = datetime(2025, 1, 23, tzinfo=UTC)
    imap.append(reply(SAMI, [ods], when, "<f1@sami.example.com>"))
    imap.append(reply("esg.os-in@example.com", [csv], when, "<f2@os-in.example.com>"))  # writes English
    outcomes = collect_inbox(mail_settings, "run-1")
    assert sorted(o.status for o in outcomes) == ["kept", "kept", "refused", "refused"], [o.line() for o in outcomes]
    assert [k.reason for k in kept.kept_messages(mail_settings.home)] == ["refused", "refused"]
    assert _submissions(mail_settings) == []
    assert len(send_letters(mail_settings)) == 2
    answers = {r.rcpt_tos[0]: r.message.get_body().get_content() for r in smtp[0].received}  # type: ignore[union-attr]
    assert "这是 OpenDocument 电子表格（.ods）；请打开后另存为“Excel 工作簿（.xlsx）”后重新发送" in answers[SAMI]
    assert "OpenDocument spreadsheet" not in answers[SAMI]  # one language: the sender's
    english = answers["esg.os-in@example.com"]
    assert "this is a text or CSV file, not an Excel workbook (.xlsx)" in english and "CSV 会丢失" not in english
