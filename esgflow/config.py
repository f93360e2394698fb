"""Settings read from the environment (INTERFACE.md, 'Configuration')."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from esgflow import EsgflowError

# The form SQLAlchemy parses, dialect[+driver]://...: checked here, where the variable is read,
# since only the warehouse may import SQLAlchemy.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z0-9_]+)?://")

# What `esgflow --help` lists: every variable the settings read, and what it sets.
ENVIRONMENT = (
    ("ESGFLOW_HOME", "the folder for the inbox, outbox, archive, letters, reports and validation results (./var)"),
    ("ESGFLOW_DATABASE_URL", "the warehouse (a SQLite file under ESGFLOW_HOME); e.g. postgresql+psycopg://..."),
    ("ESGFLOW_SMTP_HOST, _PORT, _USER, _PASSWORD, _SENDER", "the mail server (without it, mail goes to the outbox)"),
    ("ESGFLOW_SMTP_ALLOW_RESERVED", "1: a staging mail server may get placeholder addresses (example.com, .test)"),
    ("ESGFLOW_INBOX", "where returns arrive: a folder ($ESGFLOW_HOME/inbox) or an imaps:// mailbox"),
    ("ESGFLOW_INBOX_PASSWORD, ESGFLOW_INBOX_PASSWORD_BLOCK", "the mailbox's password, or its Prefect Secret block"),
    ("ESGFLOW_MAIL_AUTHSERV_ID", "the authserv-id of the office's mail server: returns by mail need its pass"),
    ("ESGFLOW_PORTAL_PROXY", "the TLS proxy's address: only its X-Forwarded-For is believed (unset: nobody's)"),
    ("ESGFLOW_SIGNIN_LINK_DAYS", "how long a sign-in link can be used, once (7)"),
    (
        "ESGFLOW_OFFICE_EMAIL",
        "the ESG office's address(es): named in every template for questions, and where alerts go (the SMTP sender)",
    ),
    ("ESGFLOW_PORTAL_URL", "where the portal's sign-in links point (http://127.0.0.1:8800)"),
    ("ESGFLOW_SECRET, ESGFLOW_SECRET_BLOCK", "the templates' signing key (else $ESGFLOW_HOME/.signing-key)"),
    ("ESGFLOW_FACTORS_FILE, ESGFLOW_FACTOR_CHOICES", "the ESG office's own factor registry, and its choices for a run"),
    ("ESGFLOW_DEMO_HOME", "the demo's own home ($ESGFLOW_HOME); the demo ignores every other setting above"),
    ("ESGFLOW_PROJECT_DIR", "a Prefect worker's checkout of the project (else the one esgflow runs from)"),
    ("ESGFLOW_DEBUG", "set to 1 to see a traceback instead of the one-line reason"),
)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    # A staging or test mail server that catches everything may be given the registry's
    # placeholder addresses (ESGFLOW_SMTP_ALLOW_RESERVED=1); a real one never is.
    allow_reserved: bool = False


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    smtp: SmtpSettings | None
    inbox_location: str | None = None  # ESGFLOW_INBOX: a folder or a URL of a registered inbox source
    portal_url: str = "http://127.0.0.1:8800"  # ESGFLOW_PORTAL_URL: where sign-in links point
    # A mailbox inbox's password: ESGFLOW_INBOX_PASSWORD, else the Prefect Secret block named
    # by ESGFLOW_INBOX_PASSWORD_BLOCK (read when the mailbox is opened, not here).
    inbox_password: str | None = field(default=None, repr=False)
    inbox_password_block: str | None = None
    # ESGFLOW_MAIL_AUTHSERV_ID: the receiving mail server's name in its Authentication-Results
    # headers; a return by mail is taken only when that server vouches for the sender (unset: none is).
    mail_authserv_id: str | None = None
    # ESGFLOW_PORTAL_PROXY: the address(es) of the TLS proxy in front of the portal, the only sender
    # whose X-Forwarded-For/-Proto is believed (unset: nobody's)
    portal_proxy: str | None = None
    signin_link_days: int = 7  # ESGFLOW_SIGNIN_LINK_DAYS: how long a sign-in link can be used (once)
    # ESGFLOW_OFFICE_EMAIL (comma-separated): where reporters send questions, named in every template,
    # and where alerts go (a failed run, no collection for a day, a mailbox away); else the SMTP sender
    office_email: tuple[str, ...] = ()

    @property
    def office_contact(self) -> str:
        """Whom a reporter asks about a template: the office's address, else the office in the portal."""
        address = ", ".join(self.office_email) or (self.smtp.sender if self.smtp else None)
        return f"ESG 工作办公室 ESG office: {address or self.portal_url}"

    @property
    def inbox(self) -> Path:
        """The folder inbox (the default source)."""
        if self.inbox_location and "://" not in self.inbox_location:
            return Path(self.inbox_location)
        return self.home / "inbox"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def templates(self) -> Path:
        """Where the distribution flow writes each period's templates (a folder per period)."""
        return self.home / "templates"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def reports(self) -> Path:
        return self.home / "reports"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment; defaults give an embedded SQLite warehouse under ./var."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("ESGFLOW_HOME") or "var").resolve()
    url = env.get("ESGFLOW_DATABASE_URL") or f"sqlite:///{home / 'esgflow.sqlite3'}"
    _check_url(url)
    smtp = None
    if env.get("ESGFLOW_SMTP_HOST"):
        smtp = SmtpSettings(
            host=env["ESGFLOW_SMTP_HOST"],
            port=int(env.get("ESGFLOW_SMTP_PORT") or 25),
            user=env.get("ESGFLOW_SMTP_USER") or None,
            password=env.get("ESGFLOW_SMTP_PASSWORD") or None,
            sender=env.get("ESGFLOW_SMTP_SENDER") or "esg-office@example.com",
            allow_reserved=env.get("ESGFLOW_SMTP_ALLOW_RESERVED") == "1",
        )
    return Settings(
        home=home,
        database_url=url,
        smtp=smtp,
        inbox_location=env.get("ESGFLOW_INBOX") or None,
        portal_url=env.get("ESGFLOW_PORTAL_URL") or _served_url(home) or "http://127.0.0.1:8800",
        inbox_password=env.get("ESGFLOW_INBOX_PASSWORD") or None,
        inbox_password_block=env.get("ESGFLOW_INBOX_PASSWORD_BLOCK") or None,
        mail_authserv_id=(env.get("ESGFLOW_MAIL_AUTHSERV_ID") or "").strip().lower() or None,
        signin_link_days=_days(env.get("ESGFLOW_SIGNIN_LINK_DAYS")),
        portal_proxy=(env.get("ESGFLOW_PORTAL_PROXY") or "").strip() or None,
        office_email=tuple(a.strip() for a in (env.get("ESGFLOW_OFFICE_EMAIL") or "").split(",") if a.strip()),
    )


# Where `esgflow portal` last said it serves (written only when ESGFLOW_PORTAL_URL is unset): a grant made
# while the portal runs on another port than 8800 then prints a link that opens it.
PORTAL_URL_FILE = "portal-url"


def _served_url(home: Path) -> str | None:
    try:
        text = (home / PORTAL_URL_FILE).read_text("utf-8").strip()
    except OSError:
        return None
    return text if text.startswith(("http://", "https://")) and len(text) < 300 else None


def record_served_url(home: Path, host: str, port: int) -> str:
    """Record where a portal without ESGFLOW_PORTAL_URL serves (a wildcard host is reached on this machine)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}"
    home.mkdir(parents=True, exist_ok=True)
    (home / PORTAL_URL_FILE).write_text(url + "\n", "utf-8")
    return url


def _days(text: str | None) -> int:
    if not text:
        return 7
    if not text.strip().isdigit() or not 1 <= int(text) <= 90:
        raise EsgflowError(f"ESGFLOW_SIGNIN_LINK_DAYS={text!r}: a whole number of days from 1 to 90")
    return int(text)


def _check_url(url: str) -> None:
    """A URL the warehouse cannot even parse is the variable's fault, so the message names the variable.

    The text itself is not repeated: it may hold a password.
    """
    if not _URL.match(url):
        raise EsgflowError(
            "ESGFLOW_DATABASE_URL is not a database URL: expected e.g. "
            "postgresql+psycopg://USER:PASSWORD@HOST:5432/DB or sqlite:////path/to/esgflow.sqlite3"
        )
