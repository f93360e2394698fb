"""Settings from the environment (esgflow.config): defaults, SMTP, and the inbox as a folder or a URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import SmtpSettings, load_settings, record_served_url


def test_defaults_put_everything_under_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    home = tmp_path / "var"
    assert settings.home == home and settings.home.is_absolute()
    assert settings.database_url == f"sqlite:///{home / 'esgflow.sqlite3'}"
    assert settings.smtp is None and settings.inbox_location is None
    assert (settings.inbox, settings.outbox, settings.templates, settings.archive, settings.reports) == (
        home / "inbox",
        home / "outbox",
        home / "templates",
        home / "archive",
        home / "reports",
    )


def test_empty_variables_count_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    empty = {"ESGFLOW_HOME": "", "ESGFLOW_DATABASE_URL": "", "ESGFLOW_SMTP_HOST": "", "ESGFLOW_INBOX": ""}
    assert load_settings(empty) == load_settings({})


def test_home_and_database_url_come_from_the_environment(tmp_path: Path) -> None:
    url = "postgresql+psycopg://esgflow:pw@db-host:5432/esgflow"
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path / "h"), "ESGFLOW_DATABASE_URL": url})
    assert settings.home == tmp_path / "h" and settings.database_url == url
    assert settings.archive == tmp_path / "h" / "archive"
    assert load_settings({"ESGFLOW_HOME": str(tmp_path / "h")}).database_url == (
        f"sqlite:///{tmp_path / 'h' / 'esgflow.sqlite3'}"
    )


def test_settings_are_read_from_os_environ_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ESGFLOW_DATABASE_URL", "ESGFLOW_SMTP_HOST", "ESGFLOW_INBOX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "from-env"))
    assert load_settings().home == tmp_path / "from-env"


def test_smtp_host_alone_gets_the_defaults(tmp_path: Path) -> None:
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_SMTP_HOST": "mail.example.com"})
    assert settings.smtp == SmtpSettings("mail.example.com", 25, None, None, "esg-office@example.com")


def test_smtp_settings_are_read_in_full(tmp_path: Path) -> None:
    env = {
        "ESGFLOW_HOME": str(tmp_path),
        "ESGFLOW_SMTP_HOST": "mail.example.com",
        "ESGFLOW_SMTP_PORT": "587",
        "ESGFLOW_SMTP_USER": "esg",
        "ESGFLOW_SMTP_PASSWORD": "s3cret",
        "ESGFLOW_SMTP_SENDER": "esg@chalieco.example",
    }
    assert load_settings(env).smtp == SmtpSettings("mail.example.com", 587, "esg", "s3cret", "esg@chalieco.example")


def test_smtp_without_a_host_is_off(tmp_path: Path) -> None:
    env = {"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_SMTP_PORT": "587", "ESGFLOW_SMTP_USER": "esg"}
    assert load_settings(env).smtp is None


def test_an_inbox_folder_replaces_the_default_one(tmp_path: Path) -> None:
    settings = load_settings({"ESGFLOW_HOME": str(tmp_path / "h"), "ESGFLOW_INBOX": str(tmp_path / "shared")})
    assert settings.inbox == tmp_path / "shared"
    assert settings.inbox_location == str(tmp_path / "shared")


def test_an_inbox_url_keeps_the_folder_inbox_at_home(tmp_path: Path) -> None:
    settings = load_settings(
        {"ESGFLOW_HOME": str(tmp_path / "h"), "ESGFLOW_INBOX": "imap://esg@mail.example.com/INBOX"}
    )
    assert settings.inbox_location == "imap://esg@mail.example.com/INBOX"
    assert settings.inbox == tmp_path / "h" / "inbox"


@pytest.mark.parametrize("url", ["esg:s3cret@db-host/esgflow", "postgresql+psycopg//esg@db-host/esgflow"])
def test_an_unparsable_database_url_is_refused_naming_the_variable_not_the_text(tmp_path: Path, url: str) -> None:
    with pytest.raises(EsgflowError) as refused:
        load_settings({"ESGFLOW_HOME": str(tmp_path), "ESGFLOW_DATABASE_URL": url})
    assert str(refused.value).startswith("ESGFLOW_DATABASE_URL is not a database URL")
    assert "s3cret" not in str(refused.value) and "db-host" not in str(refused.value)


def test_sign_in_links_point_where_the_portal_listens(tmp_path: Path) -> None:
    env = {"ESGFLOW_HOME": str(tmp_path)}
    assert load_settings(env).portal_url == "http://127.0.0.1:8800"  # no portal started yet
    assert record_served_url(tmp_path, "0.0.0.0", 8931) == "http://127.0.0.1:8931"
    assert load_settings(env).portal_url == "http://127.0.0.1:8931"  # what `access grant` prints from now on
    configured = {**env, "ESGFLOW_PORTAL_URL": "https://esg.chalieco.example"}
    assert load_settings(configured).portal_url == "https://esg.chalieco.example"
