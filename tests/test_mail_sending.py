"""Outgoing mail: the message built, the outbox folder, and SMTP against a real local aiosmtpd server."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from esgflow import EsgflowError
from esgflow.config import SmtpSettings, load_settings
from esgflow.mail.sending import (
    TRANSIENT_SMTP_ERRORS,
    Attachment,
    Mail,
    OutboxMailer,
    SmtpMailer,
    mailer_for,
    to_message,
)

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SENDER = "esg-office@chalieco.example.com"
WORKBOOK = b"PK\x03\x04 not really a workbook \x00\xff\xfe bytes"


def _mail(entity: str | None = "SAMI", to: tuple[str, ...] = ("a@example.com", "b@example.com")) -> Mail:
    return Mail(
        to=to,
        subject="【ESG数据填报】沈阳院 2024 年度数据填报模板",
        body="沈阳院 ESG 数据填报人，您好：\n附件为模板。\n",
        attachments=(
            Attachment("SAMI_2024.xlsx", WORKBOOK),
            Attachment("说明.txt", "只填写黄色单元格".encode(), ("text", "plain")),
        ),
        entity=entity,
    )


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _attachments(message: EmailMessage) -> list[tuple[str | None, str, bytes]]:
    """(file name, content type, bytes) of each attachment, decoded from the transfer encoding."""
    return [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ]


# --- a real SMTP server on 127.0.0.1 -------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    session: Session  # kept alive, so `is` tells one connection from another


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts, with its envelope and SMTP session."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        assert envelope.mail_from is not None and isinstance(envelope.content, bytes)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), _parse(envelope.content), session))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


StartServer = Callable[..., tuple[Recorder, int]]


@pytest.fixture
def start_smtp() -> Iterator[StartServer]:
    """Starts real aiosmtpd servers (keyword arguments go to aiosmtpd's SMTP) and stops them after the test."""
    controllers: list[Controller] = []

    def start(**smtp_options: Any) -> tuple[Recorder, int]:
        recorder, port = Recorder(), _free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **smtp_options)
        controller.start()
        controllers.append(controller)
        return recorder, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp(start_smtp: StartServer) -> tuple[Recorder, int]:
    """A plain SMTP server: no STARTTLS, no AUTH."""
    return start_smtp()


def _smtp_settings(port: int, user: str | None = None, password: str | None = None) -> SmtpSettings:
    # the test server catches everything, as a staging server does: it may get the placeholder addresses
    return SmtpSettings(host="127.0.0.1", port=port, user=user, password=password, sender=SENDER, allow_reserved=True)


@dataclass
class Tls:
    ca_file: Path
    server_context: ssl.SSLContext


def _tls(folder: Path) -> Tls:
    """A private CA and a server certificate for 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "esgflow test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    return Tls(ca_file, server_context)


def _accept(user: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator that accepts one user name and password."""

    def authenticate(server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok, auth_data=data.login.decode() if ok else None)

    return authenticate


# --- to_message -------------------------------------------------------------------------------------------------------


def test_to_message_sets_from_to_subject_date_and_message_id() -> None:
    message = _parse(bytes(to_message(_mail(), SENDER)))

    assert message["From"] == SENDER
    assert [parseaddr(a.strip())[1] for a in str(message["To"]).split(",")] == ["a@example.com", "b@example.com"]
    assert message["Subject"] == "【ESG数据填报】沈阳院 2024 年度数据填报模板"
    sent = parsedate_to_datetime(str(message["Date"]))
    sent = sent if sent.tzinfo else sent.replace(tzinfo=dt.UTC)  # "-0000": UTC, zone not stated
    assert abs(dt.datetime.now(dt.UTC) - sent) < dt.timedelta(minutes=5)
    assert str(message["Message-ID"]).startswith("<") and str(message["Message-ID"]).endswith("@chalieco.example.com>")


def test_to_message_gives_each_message_its_own_message_id() -> None:
    assert to_message(_mail(), SENDER)["Message-ID"] != to_message(_mail(), SENDER)["Message-ID"]


def test_to_message_body_round_trips_through_email_parsing() -> None:
    message = _parse(bytes(to_message(_mail(), SENDER)))

    body = message.get_body(("plain",))
    assert body is not None and body.get_content() == "沈阳院 ESG 数据填报人，您好：\n附件为模板。\n"


def test_to_message_attachments_keep_filename_type_and_bytes() -> None:
    message = _parse(bytes(to_message(_mail(), SENDER)))

    assert _attachments(message) == [
        ("SAMI_2024.xlsx", "/".join(XLSX), WORKBOOK),
        ("说明.txt", "text/plain", "只填写黄色单元格".encode()),
    ]


def test_to_message_without_attachments_is_a_single_text_part() -> None:
    message = _parse(bytes(to_message(Mail(("a@example.com",), "reminder", "please send it"), SENDER)))

    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "please send it"


# --- the outbox -------------------------------------------------------------------------------------------------------


def test_outbox_mailer_writes_one_eml_per_mail(tmp_path: Path) -> None:
    outbox = tmp_path / "not" / "yet" / "there"
    mails = [_mail("SAMI"), _mail("OS-IN", ("esg.in@example.com",)), _mail(None)]

    written = OutboxMailer(outbox).send(mails)

    assert sorted(written) == sorted(str(p) for p in outbox.glob("*.eml")) and len(written) == 3
    tails = [Path(p).name.split("-", 1)[1] for p in written]  # after the time stamp
    assert tails == ["0000-SAMI.eml", "0001-OS-IN.eml", "0002-mail.eml"]


def test_outbox_mailer_files_read_back_as_mail_with_attachments(tmp_path: Path) -> None:
    written = OutboxMailer(tmp_path, sender="office@example.org").send([_mail("SAMI"), _mail("OS-IN", ("x@y.z",))])

    first, second = (_parse(Path(p).read_bytes()) for p in written)
    assert first["From"] == "office@example.org" and first["Subject"] == _mail().subject
    assert first["To"] == "a@example.com, b@example.com" and second["To"] == "x@y.z"
    assert (
        _attachments(first)
        == _attachments(second)
        == [
            ("SAMI_2024.xlsx", "/".join(XLSX), WORKBOOK),
            ("说明.txt", "text/plain", "只填写黄色单元格".encode()),
        ]
    )


def test_outbox_mailer_does_not_overwrite_earlier_batches(tmp_path: Path) -> None:
    first = OutboxMailer(tmp_path).send([_mail("SAMI")])
    second = OutboxMailer(tmp_path).send([_mail("SAMI")])

    assert first != second and len(list(tmp_path.glob("*.eml"))) == 2


# --- SMTP -------------------------------------------------------------------------------------------------------------


def test_smtp_mailer_delivers_recipients_subject_and_attachments(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    mails = [_mail("SAMI"), _mail("OS-IN", ("esg.in@example.com",))]

    sent = SmtpMailer(_smtp_settings(port)).send(mails)

    assert sent == ["a@example.com, b@example.com", "esg.in@example.com"]
    assert [(r.mail_from, r.rcpt_tos) for r in recorder.received] == [
        (SENDER, ["a@example.com", "b@example.com"]),
        (SENDER, ["esg.in@example.com"]),
    ]
    message = recorder.received[0].message
    assert message["Subject"] == "【ESG数据填报】沈阳院 2024 年度数据填报模板" and message["From"] == SENDER
    assert _attachments(message) == [
        ("SAMI_2024.xlsx", "/".join(XLSX), WORKBOOK),
        ("说明.txt", "text/plain", "只填写黄色单元格".encode()),
    ]


@pytest.mark.parametrize(
    "placeholder",
    ["esg.sami@example.com", "a@EXAMPLE.org", "b@sub.example.net", "c@esg.test", "d@x.invalid", "e@host.localhost"],
)
def test_smtp_mailer_refuses_a_batch_with_a_placeholder_address_before_sending_any(
    smtp: tuple[Recorder, int], placeholder: str
) -> None:
    recorder, port = smtp
    real = SmtpSettings(host="127.0.0.1", port=port, user=None, password=None, sender=SENDER)
    mails = [_mail("GAMI", ("li.wei@chalieco.com.cn",)), _mail("SAMI", ("wang@chalieco.com.cn", placeholder))]
    with pytest.raises(EsgflowError) as refused:
        SmtpMailer(real).send(mails)
    assert recorder.received == []  # not even the real address's mail: no half-sent distribution
    message = str(refused.value)
    assert f"SAMI {placeholder}" in message and "nothing was sent" in message and "contacts import" in message
    assert "\n" not in message
    SmtpMailer(real).send(mails[:1])  # real addresses go
    assert [r.rcpt_tos for r in recorder.received] == [["li.wei@chalieco.com.cn"]]


def test_placeholder_addresses_may_go_only_to_a_staging_server_said_so(tmp_path: Path) -> None:
    env = {"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_SMTP_HOST": "127.0.0.1"}
    assert load_settings(env).smtp.allow_reserved is False  # type: ignore[union-attr]
    assert load_settings({**env, "ESGFLOW_SMTP_ALLOW_RESERVED": "1"}).smtp.allow_reserved is True  # type: ignore[union-attr]


def test_smtp_mailer_sends_a_batch_over_one_connection(smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp

    SmtpMailer(_smtp_settings(port)).send([_mail("SAMI"), _mail("GAMI"), _mail("OS-IN")])

    assert len(recorder.received) == 3
    assert all(r.session is recorder.received[0].session for r in recorder.received)


def test_smtp_mailer_with_no_server_raises_a_transient_error() -> None:
    with pytest.raises(TRANSIENT_SMTP_ERRORS):
        SmtpMailer(_smtp_settings(_free_port())).send([_mail()])


def test_smtp_mailer_logs_in_with_user_and_password(start_smtp: StartServer) -> None:
    recorder, port = start_smtp(authenticator=_accept("esg", "s3cret"), auth_require_tls=False)

    SmtpMailer(_smtp_settings(port, "esg", "s3cret")).send([_mail()])

    assert len(recorder.received) == 1
    assert recorder.received[0].session.authenticated and recorder.received[0].session.auth_data == "esg"


def test_smtp_mailer_without_credentials_does_not_log_in(start_smtp: StartServer) -> None:
    recorder, port = start_smtp(authenticator=_accept("esg", "s3cret"), auth_require_tls=False)

    SmtpMailer(_smtp_settings(port)).send([_mail()])

    assert len(recorder.received) == 1 and not recorder.received[0].session.authenticated


def test_smtp_mailer_uses_starttls_when_offered_before_logging_in(
    start_smtp: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = _tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))  # the default context trusts the test CA
    recorder, port = start_smtp(
        tls_context=tls.server_context,
        require_starttls=True,
        authenticator=_accept("esg", "s3cret"),
        auth_require_tls=True,
    )

    SmtpMailer(_smtp_settings(port, "esg", "s3cret")).send([_mail()])

    assert len(recorder.received) == 1
    session = recorder.received[0].session
    assert session.ssl is not None and session.authenticated


def test_smtp_mailer_refuses_an_untrusted_starttls_certificate(
    start_smtp: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = _tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))  # the test CA is not trusted
    recorder, port = start_smtp(tls_context=tls.server_context)

    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpMailer(_smtp_settings(port, "esg", "s3cret")).send([_mail()])
    assert recorder.received == []


# --- mailer_for -------------------------------------------------------------------------------------------------------


def test_mailer_for_without_smtp_host_uses_the_outbox_under_home(tmp_path: Path) -> None:
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path / "home")})

    mailer = mailer_for(settings)

    assert isinstance(mailer, OutboxMailer) and mailer.folder == tmp_path / "home" / "outbox"
    written = mailer.send([_mail()])
    assert [Path(p).parent for p in written] == [tmp_path / "home" / "outbox"]


def test_mailer_for_with_smtp_host_uses_smtp_from_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ESGFLOW_HOME": str(tmp_path / "home"),
            "ESGFLOW_SMTP_HOST": "mail.example.com",
            "ESGFLOW_SMTP_PORT": "2525",
            "ESGFLOW_SMTP_USER": "esg",
            "ESGFLOW_SMTP_PASSWORD": "s3cret",
            "ESGFLOW_SMTP_SENDER": "esg@example.com",
        }
    )

    mailer = mailer_for(settings)

    assert isinstance(mailer, SmtpMailer)
    assert mailer.smtp == SmtpSettings("mail.example.com", 2525, "esg", "s3cret", "esg@example.com")


def test_mailer_for_prefers_smtp_settings_from_the_environment_over_a_block(tmp_path: Path) -> None:
    # the environment wins, so the (unregistered) block is never looked up: no Prefect server involved
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path / "home"), "ESGFLOW_SMTP_HOST": "mail.example.com"})

    mailer = mailer_for(settings, smtp_block="no-such-block")

    assert isinstance(mailer, SmtpMailer) and mailer.smtp.host == "mail.example.com" and mailer.smtp.port == 25


def test_mailer_for_smtp_settings_deliver_to_the_server(tmp_path: Path, smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    settings = load_settings(
        {"ESGFLOW_HOME": str(tmp_path / "home"), "ESGFLOW_SMTP_HOST": "127.0.0.1", "ESGFLOW_SMTP_PORT": str(port)}
    )

    mailer_for(settings).send([_mail(to=("li.wei@chalieco.com.cn",))])

    assert [r.message["From"] for r in recorder.received] == ["esg-office@example.com"]
    assert not settings.outbox.exists()


def test_an_answer_carries_the_thread_it_answers() -> None:
    mail = Mail(("a@b.example",), "s", "b", in_reply_to="<r1@b.example>", references="<t0@x> <t1@x>")
    msg = to_message(mail, SENDER)
    assert msg["In-Reply-To"] == "<r1@b.example>"
    assert msg["References"] == "<t0@x> <t1@x> <r1@b.example>"
    assert to_message(Mail(("a@b.example",), "s", "b"), SENDER)["In-Reply-To"] is None
