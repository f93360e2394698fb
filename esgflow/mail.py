"""Outgoing mail: SMTP when configured (environment or a Prefect block), else the outbox folder."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from esgflow.config import Settings, SmtpSettings

TRANSIENT_SMTP_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    smtplib.SMTPResponseException,
)


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: tuple[str, str] = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    entity: str | None = None  # for the outbox file name and the logs


def to_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    msg.set_content(mail.body)
    for a in mail.attachments:
        msg.add_attachment(a.data, maintype=a.mime[0], subtype=a.mime[1], filename=a.filename)
    return msg


class Mailer(Protocol):
    def send(self, mails: list[Mail]) -> list[str]:
        """Send the mails; returns where each went (address list or outbox file)."""
        ...


@dataclass
class SmtpMailer:
    smtp: SmtpSettings

    def send(self, mails: list[Mail]) -> list[str]:
        """One connection for the batch; a connection fault raises, so the caller may retry."""
        sent: list[str] = []
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=30) as client:
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.smtp.user and self.smtp.password:
                client.login(self.smtp.user, self.smtp.password)
            for mail in mails:
                client.send_message(to_message(mail, self.smtp.sender))
                sent.append(", ".join(mail.to))
        return sent


@dataclass
class OutboxMailer:
    """Writes each message as an .eml file: the embedded default when no SMTP server is configured."""

    folder: Path
    sender: str = "esg-office@example.com"

    def send(self, mails: list[Mail]) -> list[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        written = []
        for n, mail in enumerate(mails):
            path = self.folder / f"{stamp}-{n:04d}-{mail.entity or 'mail'}.eml"
            path.write_bytes(bytes(to_message(mail, self.sender)))
            written.append(str(path))
        return written


def smtp_from_block(name: str) -> SmtpSettings:
    """SMTP settings kept in a Prefect block (see esgflow.blocks.SmtpServer)."""
    from esgflow.blocks import SmtpServer

    block = SmtpServer.load(name)
    return SmtpSettings(
        block.host, block.port, block.user, block.password.get_secret_value() if block.password else None, block.sender
    )


def mailer_for(settings: Settings, smtp_block: str | None = None) -> Mailer:
    """SMTP from the environment, else from a named Prefect block, else the outbox folder."""
    if settings.smtp:
        return SmtpMailer(settings.smtp)
    if smtp_block:
        return SmtpMailer(smtp_from_block(smtp_block))
    return OutboxMailer(settings.outbox)
