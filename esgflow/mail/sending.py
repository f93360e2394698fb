"""Outgoing mail: SMTP when configured (environment or a Prefect block), else the outbox folder."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from esgflow import EsgflowError
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
    # A mail that may be sent again (a letter whose run died after sending it) keeps one name:
    # its Message-ID, so mail programs show it once, and its outbox file, written over.
    key: str | None = None
    # An answer to a reporter's message (their return by mail): its Message-ID and the thread
    # before it, so mail programs show the answer under the message it answers.
    in_reply_to: str | None = None
    references: str | None = None


def to_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.split("@")[-1]
    msg["Message-ID"] = f"<{mail.key}@{domain}>" if mail.key else make_msgid(domain=domain)
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
        msg["References"] = " ".join((*(mail.references or "").split(), mail.in_reply_to))
    msg.set_content(mail.body)
    for a in mail.attachments:
        msg.add_attachment(a.data, maintype=a.mime[0], subtype=a.mime[1], filename=a.filename)
    return msg


Sent = Callable[[Mail], None]

# Names that can never be delivered (RFC 2606, RFC 6761): the registry's placeholders use them.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("test", "example", "invalid", "localhost")


def is_reserved(address: str) -> bool:
    """Whether an address is in a reserved domain, a placeholder that no real reporter has."""
    domain = address.rsplit("@", 1)[-1].strip().rstrip(".>").lower()
    return domain.rsplit(".", 1)[-1] in RESERVED_TLDS or any(
        domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS
    )


def refuse_reserved(mails: list[Mail]) -> None:
    """Refuse, before anything is sent, a batch with any placeholder address: no half-sent distribution."""
    found = sorted({(m.entity or "-", a) for m in mails for a in m.to if is_reserved(a)})
    if found:
        shown = ", ".join(f"{entity} {address}" for entity, address in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise EsgflowError(
            f"not sent: {len(found)} {'address is a placeholder' if len(found) == 1 else 'addresses are placeholders'}"
            f" in a reserved domain that no mail reaches ({shown}{more}); nothing was sent: load the real contacts "
            "with 'esgflow contacts import FILE'"
        )


class Mailer(Protocol):
    def send(self, mails: list[Mail], on_sent: Sent | None = None) -> list[str]:
        """Send the mails, calling `on_sent` after each; returns where each went (address list or outbox file)."""
        ...


@dataclass
class SmtpMailer:
    smtp: SmtpSettings

    def send(self, mails: list[Mail], on_sent: Sent | None = None) -> list[str]:
        """One connection for the batch; a connection fault raises, so the caller may retry."""
        if not self.smtp.allow_reserved:
            refuse_reserved(mails)
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
                if on_sent:
                    on_sent(mail)
        return sent


@dataclass
class OutboxMailer:
    """Writes each message as an .eml file: the embedded default when no SMTP server is configured."""

    folder: Path
    sender: str = "esg-office@example.com"

    def send(self, mails: list[Mail], on_sent: Sent | None = None) -> list[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        written = []
        for n, mail in enumerate(mails):
            path = self.folder / (f"{mail.key}.eml" if mail.key else f"{stamp}-{n:04d}-{mail.entity or 'mail'}.eml")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".writing-")
            with os.fdopen(fd, "wb") as f:
                f.write(bytes(to_message(mail, self.sender)))
            os.replace(tmp, path)  # whole or not at all, and a mail sent again replaces its copy
            written.append(str(path))
            if on_sent:
                on_sent(mail)
        return written


def smtp_from_block(name: str) -> SmtpSettings:
    """SMTP settings kept in a Prefect block (see esgflow.mail.blocks.SmtpServer)."""
    from esgflow.mail.blocks import SmtpServer

    block = SmtpServer.load(name)
    password = block.password.get_secret_value() if block.password else None
    return SmtpSettings(block.host, block.port, block.user, password, block.sender, block.allow_reserved)


def mailer_for(settings: Settings, smtp_block: str | None = None) -> Mailer:
    """SMTP from the environment, else from a named Prefect block, else the outbox folder."""
    if settings.smtp:
        return SmtpMailer(settings.smtp)
    if smtp_block:
        return SmtpMailer(smtp_from_block(smtp_block))
    return OutboxMailer(settings.outbox)
