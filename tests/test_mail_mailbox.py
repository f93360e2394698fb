"""Returns by mail, against a real IMAP server (dovecot) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from esgflow.config import Settings, load_settings
from esgflow.jobs import mailing
from esgflow.jobs.collection import collect_inbox, period_statuses
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
AUTHSERV = "mx.office.test"  # the office's mail server, as its Authentication-Results headers name it


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
        "ESGFLOW_MAIL_AUTHSERV_ID": AUTHSERV,
        "ESGFLOW_SMTP_HOST": "127.0.0.1",
        "ESGFLOW_SMTP_PORT": str(smtp[1]),
        "ESGFLOW_SMTP_ALLOW_RESERVED": "1",  # the test server catches the placeholder contacts' mail
    }
    settings = load_settings(env)
    yield settings
    db.dispose(settings.database_url)


def passed(sender: str, server: str = AUTHSERV, dmarc: str = "pass") -> str:
    """An Authentication-Results header as Postfix with OpenDKIM, SPF and OpenDMARC writes it for `sender`."""
    address = getaddresses([sender])[0][1].lower()
    domain = address.rsplit("@", 1)[1]
    return (
        f"{server};\r\n\tdkim=pass (2048-bit key; unprotected) header.d={domain} header.i=@{domain}"
        f' header.a=rsa-sha256 header.s=s1 header.b="Jd8sK3mX";\r\n\tspf=pass ({server}: domain of {address}'
        f" designates 192.0.2.25 as permitted sender) smtp.mailfrom={address};\r\n\tdmarc={dmarc}"
        f" (p=reject dis={'none' if dmarc == 'pass' else 'reject'}) header.from={domain}"
    )


def reply(
    sender: str, files: list[Path], date: datetime, msgid: str, extra: int = 0, auth: list[str] | None = None
) -> bytes:
    """A reporter's answer to the template e-mail, with the files (and `extra` other attachments), as the
    office's mail server delivers it: with its Authentication-Results on top (`auth`, else a pass)."""
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
    # The server prepends its headers, folded as it writes them, above the sender's own.
    added = "".join(f"Authentication-Results: {h}\r\n" for h in ([passed(sender)] if auth is None else auth))
    return added.encode() + msg.as_bytes(policy=policy.SMTP)


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
    received = datetime(2025, 1, 20, 9, 30, tzinfo=UTC)
    dated_back = datetime(2024, 6, 1, tzinfo=UTC)  # the Date: its sender wrote says nothing of its arrival
    # The display name claims anything; the address is compared in lower case.
    sender = '"ESG Office (trust me)" <ESG.Sami@Example.COM>'
    imap.append(reply(sender, [workbook], dated_back, "<r1@sami.example.com>"), received)
    [outcome] = collect_inbox(mail_settings, "run-1")
    assert (outcome.status, outcome.entity, outcome.version) == ("rejected", "SAMI", 1)
    with db.session_scope(mail_settings.database_url) as s:
        arrived = s.scalar(select(m.Submission.arrived_at))
    assert arrived is not None and arrived.replace(tzinfo=arrived.tzinfo or UTC) == received  # its INTERNALDATE
    assert imap.flags()[0] >= {HANDLED, "\\Seen"}
    assert len(send_letters(mail_settings)) == 1
    [letter] = smtp[0].received
    assert letter.message["In-Reply-To"] == "<r1@sami.example.com>"
    assert letter.message["References"].split() == ["<template-SAMI-2024@example.com>", "<r1@sami.example.com>"]
    assert [a.get_filename() for a in letter.message.iter_attachments()] == ["SAMI_2024_v1.xlsx"]
    assert SAMI in letter.rcpt_tos
    assert collect_inbox(mail_settings, "run-2") == [] and send_letters(mail_settings) == []


def test_returns_from_an_unknown_sender_or_another_entitys_reporter_are_kept_aside_only_the_reporter_answered(
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
    assert len(send_letters(mail_settings)) == 1  # the unknown address is never written to
    answers = {r.rcpt_tos[0]: r.message for r in smtp[0].received}
    assert list(answers) == [GAMI] and answers[GAMI]["In-Reply-To"] == "<x2@gami.example.com>"
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
        "ESGFLOW_MAIL_AUTHSERV_ID": AUTHSERV,
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


def test_a_forged_sender_with_a_genuine_workbook_is_kept_aside_unanswered_and_the_office_told(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    genuine = fill(templates["SAMI"], tmp_path / "filled", {})  # signed: it proves the entity, not the sender
    when = datetime(2025, 1, 21, tzinfo=UTC)
    forged_pass = "mx.office.test; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
    foreign = "mail.attacker.example; dmarc=pass header.from=example.com; spf=pass smtp.mailfrom=esg.sami@example.com"
    cases = [
        [passed(SAMI, dmarc="fail"), forged_pass],  # the server's own verdict on top, a forged pass below
        [foreign],  # another server's word counts for nothing
        [],  # no verdict at all
        ["mx.office.test; spf=pass smtp.mailfrom=bounce@mailer.attacker.example; dkim=fail header.d=example.com"],
    ]
    for n, auth in enumerate(cases):
        imap.append(reply(SAMI, [genuine], when, f"<forged{n}@attacker.example>", auth=auth))
    outcomes = collect_inbox(mail_settings, "run-1")
    assert [o.status for o in outcomes] == ["kept"] * len(cases), [o.line() for o in outcomes]
    assert "did not authenticate esg.sami@example.com" in outcomes[0].line()  # what the office reads
    assert [k.reason for k in kept.kept_messages(mail_settings.home)] == ["unauthenticated"] * len(cases)
    assert _submissions(mail_settings) == []
    [sami] = [s for s in period_statuses(mail_settings, P2024) if s.entity == "SAMI"]
    assert sami.status == "not_submitted"
    assert send_letters(mail_settings) == [] and smtp[0].received == []  # nobody is written to


def test_without_the_mail_servers_authserv_id_no_return_by_mail_is_taken(
    mail_settings: Settings, imap: ImapServer, tmp_path: Path
) -> None:
    from dataclasses import replace

    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    imap.append(reply(SAMI, [fill(templates["SAMI"], tmp_path / "filled", {})], datetime.now(UTC), "<u1@x.example>"))
    [outcome] = collect_inbox(replace(mail_settings, mail_authserv_id=None), "run-1")
    assert outcome.status == "kept" and "ESGFLOW_MAIL_AUTHSERV_ID is not set" in outcome.line()
    assert _submissions(mail_settings) == []


def test_the_office_mailbox_answers_only_authenticated_senders_the_registry_knows(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    when = datetime(2025, 1, 22, tzinfo=UTC)
    spam = "BUY NOW " * 40  # a subject the office's sender must never repeat to a stranger
    for n, (sender, auth) in enumerate(
        [
            ("victim@elsewhere.example", None),  # authenticated, unknown: kept, not answered
            ("victim@elsewhere.example", []),  # unauthenticated, unknown
            (SAMI, [passed(SAMI, dmarc="fail")]),  # a reporter's address, forged
            ("new.colleague@example.com", None),  # authenticated, at a reporter's domain: answered
            (SAMI, None),  # the reporter, authenticated: answered
        ]
    ):
        raw = reply(sender, [], when, f"<s{n}@x.example>", auth=auth).replace(
            b"Subject: Re: [ESG data] template for 2024", f"Subject: {spam}".encode()
        )
        imap.append(raw)
    outcomes = collect_inbox(mail_settings, "run-1")
    assert [o.status for o in outcomes] == ["kept"] * 5
    assert len(send_letters(mail_settings)) == 2
    assert sorted(r.rcpt_tos[0] for r in smtp[0].received) == sorted(["new.colleague@example.com", SAMI])
    assert len(kept.kept_messages(mail_settings.home)) == 5  # every one is there for the office


def test_the_blank_template_beside_the_filled_return_is_set_aside_and_said_so_in_the_one_answer(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI", "OS-IN"])
    filled = fill(templates["SAMI"], tmp_path / "filled", {}, name="SAMI_2024_filled.xlsx")
    imap.append(reply(SAMI, [filled, templates["SAMI"]], datetime(2025, 1, 20, tzinfo=UTC), "<b1@sami.example.com>"))
    outcomes = collect_inbox(mail_settings, "run-1")
    assert sorted(o.status for o in outcomes) == ["accepted", "set_aside"], [o.line() for o in outcomes]
    [aside] = [o for o in outcomes if o.status == "set_aside"]
    assert aside.line() == (
        "SAMI_2024.xlsx: set aside, not a new version: a blank template beside SAMI_2024_filled.xlsx, "
        "the filled return of the same entity and period"
    )
    assert [v for _, v, _ in _submissions(mail_settings)] == [1]  # one version: the filled one
    [sami] = [s for s in period_statuses(mail_settings, P2024) if s.entity == "SAMI"]
    assert sami.status == "accepted"
    assert len(send_letters(mail_settings)) == 1  # one answer for one message
    [answer] = smtp[0].received
    assert "空白模板 SAMI_2024.xlsx 未填写任何数据，已放在一边，不作为新版本" in answer.message.get_body().get_content()  # type: ignore[union-attr]
    # a blank template alone is still judged as a return (and answered with what is missing)
    imap.append(reply(SAMI, [templates["SAMI"]], datetime(2025, 1, 21, tzinfo=UTC), "<b2@sami.example.com>"))
    assert [o.status for o in collect_inbox(mail_settings, "run-2")] != ["set_aside"]


def _tnef(files: dict[str, bytes]) -> bytes:
    """winmail.dat as Outlook writes it for a rich-text message: the TNEF signature, then per attachment
    its rendering, file name and data as attachment-level attributes, each with its checksum."""
    import struct

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    out += attribute(1, 0x9007, 0x0006, struct.pack("<II", 936, 0))  # OEM code page
    for name, data in files.items():
        out += attribute(2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)  # rendering
        out += attribute(2, 0x8010, 0x0001, name.encode() + b"\x00")  # file name
        out += attribute(2, 0x800F, 0x0006, data)  # data
    return out


def _outlook_rtf(sender: str, winmail: bytes, msgid: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "esg-returns@example.com"
    msg["Subject"] = "RE: [ESG data] template for 2024"
    msg["Message-ID"] = msgid
    msg.set_content("Please find attached.")
    msg.add_attachment(winmail, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return f"Authentication-Results: {passed(sender)}\r\n".encode() + msg.as_bytes(policy=policy.SMTP)


def test_a_return_inside_outlooks_winmail_dat_is_read_and_judged_like_any_other(
    mail_settings: Settings, imap: ImapServer, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI"])
    workbook = fill(templates["SAMI"], tmp_path / "filled", {"env_diesel": -5})
    imap.append(_outlook_rtf(SAMI, _tnef({"SAMI_2024.xlsx": workbook.read_bytes()}), "<t1@sami.example.com>"))
    imap.append(_outlook_rtf(SAMI, _tnef({"notes.txt": b"see you"}), "<t2@sami.example.com>"))
    outcomes = collect_inbox(mail_settings, "run-1")
    assert sorted(o.status for o in outcomes) == ["kept", "rejected"], [o.line() for o in outcomes]
    assert [(e, v) for e, v, _ in _submissions(mail_settings)] == [("SAMI", 1)]
    assert [k.reason for k in kept.kept_messages(mail_settings.home)] == ["tnef_without_workbook"]
    send_letters(mail_settings)
    bodies = [r.message.get_body().get_content() for r in smtp[0].received]  # type: ignore[union-attr]
    assert any("winmail.dat" in b and "HTML" in b for b in bodies)  # how to send plain attachments


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_documents_beside_a_return_by_mail_are_kept_as_its_evidence_only_from_its_vouched_sender(
    mail_settings: Settings, imap: ImapServer, tmp_path: Path
) -> None:
    from esgflow.jobs.evidence import period_evidence

    templates = open_collection(mail_settings, P2024, tmp_path / "tpl", ["SAMI", "GAMI"])
    bills = tmp_path / "bills"
    bills.mkdir()
    (bills / "env_electricity 2024年12月电费单.pdf").write_bytes(PDF)
    (bills / "发票.pdf").write_bytes(PDF.replace(b"1.4", b"1.7"))
    (bills / "active.pdf").write_bytes(PDF.replace(b"/Type /Catalog", b"/OpenAction << /S /JavaScript >>"))
    sami = [fill(templates["SAMI"], tmp_path / "s", {}), *sorted(bills.iterdir())]
    imap.append(reply(SAMI, sami, datetime(2025, 1, 20, tzinfo=UTC), "<e1@sami.example.com>"))
    forged = [fill(templates["GAMI"], tmp_path / "g", {}), bills / "发票.pdf"]
    imap.append(reply(GAMI, forged, datetime(2025, 1, 20, tzinfo=UTC), "<e2@x>", auth=[passed(GAMI, dmarc="fail")]))
    theirs = [fill(templates["GAMI"], tmp_path / "g2", {}, name="GAMI_2024_by_sami.xlsx"), bills / "发票.pdf"]
    imap.append(reply(SAMI, theirs, datetime(2025, 1, 20, tzinfo=UTC), "<e3@sami.example.com>"))  # not SAMI's to send
    outcomes = {o.entity: o for o in collect_inbox(mail_settings, "run-1") if o.entity and o.status != "refused"}
    kept_docs = period_evidence(mail_settings, "2024", "SAMI")
    assert sorted((d.file_name, d.indicator, d.channel, d.sent_by) for d in kept_docs) == [
        ("env_electricity 2024年12月电费单.pdf", "env_electricity", "mail", SAMI),
        ("发票.pdf", None, "mail", SAMI),
    ]
    note = outcomes["SAMI"].note or ""
    assert "kept as evidence of env_electricity" in note and "active.pdf not kept" in note
    assert period_evidence(mail_settings, "2024", "GAMI") == []  # forged, or another entity's: kept for nobody
