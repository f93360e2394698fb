"""Reading a reporter's message: the sender's address only, thread ids only, bounded sizes and counts."""

from __future__ import annotations

from email.message import EmailMessage

from esgflow.mail import messages
from esgflow.mail.messages import read_message, safe_name, sender_of


def _message(sender: str = "a@b.example", attachments: int = 1, size: int = 10, name: str = "SAMI_2024.xlsx") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = "Re: template"
    msg["Date"] = "Mon, 20 Jan 2025 09:30:00 +0800"
    msg["Message-ID"] = "<m1@b.example>"
    msg["References"] = "<t1@office.example> junk <t2@office.example>"
    msg.set_content("attached")
    for n in range(attachments):
        msg.add_attachment(b"x" * size, maintype="application", subtype="octet-stream", filename=f"{n}{name}")
    return bytes(msg)


def test_the_sender_is_the_lower_case_address_and_the_display_name_is_ignored() -> None:
    assert sender_of(['"esg.sami@example.com" <Evil@Attacker.Example>']) == "evil@attacker.example"
    assert sender_of(["a@b.example, c@d.example"]) is None  # several senders: none
    assert sender_of(["not an address"]) is None


def test_a_return_keeps_its_workbook_date_and_thread() -> None:
    m = read_message(_message())
    assert m.kept is None and [w.filename for w in m.workbooks] == ["0SAMI_2024.xlsx"]
    assert m.message_id == "<m1@b.example>" and m.references == "<t1@office.example> <t2@office.example>"
    assert m.date is not None and m.date.isoformat() == "2025-01-20T09:30:00+08:00"


def test_messages_out_of_bounds_are_kept_with_the_reason() -> None:
    assert read_message(_message(attachments=0)).kept == messages.NO_WORKBOOK
    assert read_message(_message(name="notes.pdf")).kept == messages.NO_WORKBOOK
    assert read_message(_message(attachments=10)).kept == messages.TOO_MANY_ATTACHMENTS
    big = read_message(_message(size=messages.MAX_FILE_BYTES + 1))
    assert big.kept == messages.ATTACHMENT_TOO_LARGE and big.workbooks == ()
    assert read_message(_message(sender="x")).kept == messages.NO_SENDER


def test_attachment_names_lose_folders_and_hidden_names() -> None:
    assert safe_name("../../etc/SAMI_2024.xlsx", 1) == "SAMI_2024.xlsx"
    assert safe_name("C:\\Users\\x\\SAMI_2024.xlsx", 1) == "SAMI_2024.xlsx"
    assert safe_name(".hidden.xlsx", 2) == "attachment-2.xlsx"
