"""The flows, run for real under Prefect's test harness, with a real local SMTP server."""

from __future__ import annotations

import email
import io
import socket
from collections.abc import Iterator
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from prefect.artifacts import Artifact
from sqlalchemy import func, select

from esgflow.config import Settings, load_settings
from esgflow.demo.group import bundled_history
from esgflow.entities import load_registry
from esgflow.flows.collect import collect
from esgflow.flows.consolidate_and_report import consolidate_and_report
from esgflow.flows.distribute import distribute
from esgflow.flows.remind import remind
from esgflow.jobs import mailing
from esgflow.jobs.collection import period_statuses, write_templates
from esgflow.jobs.setup import import_history_file, init_warehouse, open_cycle
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import fill

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]  # a real (temporary) Prefect server
DEADLINE = date(2025, 1, 31)
SILENT = ["OS-VN", "OS-ID", "BR-YN"]  # these entities never reply


class Sink:
    """An SMTP server's inbox: every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: tuple[Sink, int]) -> Settings:
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ESGFLOW_DATABASE_URL", raising=False)
    monkeypatch.setenv("ESGFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ESGFLOW_SMTP_PORT", str(smtp[1]))
    monkeypatch.setenv("ESGFLOW_SMTP_SENDER", "esg-office@example.com")
    monkeypatch.setenv("ESGFLOW_SMTP_ALLOW_RESERVED", "1")  # the test server catches the placeholder contacts' mail
    settings = load_settings()
    init_warehouse(settings)
    import_history_file(settings, bundled_history(), [parse_period("2022"), parse_period("2023")])
    yield settings
    db.dispose(settings.database_url)


def _attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]


def test_the_cycle_end_to_end(cycle: Settings, smtp: tuple[Sink, int], tmp_path: Path) -> None:
    sink, _ = smtp
    registry, contacts = load_registry(), mailing.contacts(cycle)

    # distribute: one message per entity, to its reporters, with its own workbook
    assert distribute("2024", DEADLINE) == 33
    assert len(sink.messages) == 33
    for message in sink.messages:
        [(name, data)] = _attachments(message)
        entity = name.split("_")[0]
        assert name == f"{entity}_2024.xlsx" and message["To"] == ", ".join(contacts[entity])
        wb = load_workbook(io.BytesIO(data))
        ((sheet, cell),) = wb.defined_names["meta_entity"].destinations
        assert wb[sheet][cell.replace("$", "")].value == entity
        body = message.get_body().get_content()
        assert "2025-01-31" in body
        assert ("请于 2025-01-31 前" in body) if registry[entity].language == "zh" else ("by 2025-01-31" in body)

    # the reporters reply, into the inbox; SAMI's return has an error
    templates = cycle.home / "templates" / "2024"
    for entity in registry.codes:
        if entity not in SILENT:
            fill(templates / f"{entity}_2024.xlsx", cycle.inbox, {"env_diesel": -5} if entity == "SAMI" else {})
    sink.messages.clear()

    outcomes = collect()
    assert sorted(o.status for o in outcomes) == ["accepted"] * 29 + ["rejected"]
    assert len(sink.messages) == 30  # every judged return gets its letter
    letter = next(msg for msg in sink.messages if "沈阳院" in msg["Subject"])
    assert "未通过" in letter["Subject"] and "超出允许范围" in letter.get_body().get_content()
    assert [n for n, _ in _attachments(letter)] == ["SAMI_2024_v1.xlsx"]  # the annotated workbook
    assert not list(cycle.inbox.glob("*.xlsx"))  # the inbox is emptied into processed/

    # monitoring: a status table, a progress figure and links
    assert Artifact.get("esgflow-2024-progress").data == pytest.approx(100 * 29 / 33)
    assert "SAMI" in str(Artifact.get("esgflow-2024-status").data)
    assert "data_docs" in str(Artifact.get("esgflow-2024-links").data)
    assert "local_site/esgflow/index.html" in str(Artifact.get("esgflow-2024-links").data)  # the office's pages

    # reminders: only the entities still missing, and the rejected one
    sink.messages.clear()
    reminded = remind("2024", DEADLINE, date(2025, 1, 24))
    assert sorted(reminded) == sorted([*SILENT, "SAMI"])
    assert sorted(msg["To"] for msg in sink.messages) == sorted(", ".join(contacts[e]) for e in [*SILENT, "SAMI"])
    overseas = next(msg for msg in sink.messages if "Vietnam" in msg["Subject"])
    assert "The deadline is 2025-01-31.\r\nPlease send it by then." in overseas.get_body().get_content()  # as sent

    # consolidate and report
    findings = consolidate_and_report("2024", str(tmp_path / "report"))
    appendix = (tmp_path / "report" / "appendix.csv").read_text("utf-8")
    assert appendix.startswith("code,name_zh,name_en,unit,2022,2022_restated,2023,2024")
    assert isinstance(findings, list)
    assert "appendix.en.html" in str(Artifact.get("esgflow-2024-links").data)


def test_without_smtp_mail_goes_to_the_outbox(
    cycle: Settings, monkeypatch: pytest.MonkeyPatch, smtp: tuple[Sink, int]
) -> None:
    monkeypatch.delenv("ESGFLOW_SMTP_HOST")
    distribute("2024", DEADLINE)
    assert len(list(load_settings().outbox.glob("*.eml"))) == 33 and smtp[0].messages == []


def test_smtp_settings_from_a_prefect_block(
    cycle: Settings, monkeypatch: pytest.MonkeyPatch, smtp: tuple[Sink, int]
) -> None:
    from esgflow.mail.blocks import SmtpServer

    monkeypatch.delenv("ESGFLOW_SMTP_HOST")
    block = SmtpServer(host="127.0.0.1", port=smtp[1], sender="esg@example.com", allow_reserved=True)
    block.save("esgflow-test-smtp", overwrite=True)
    assert distribute("2024", DEADLINE, "esgflow-test-smtp") == 33
    assert len(smtp[0].messages) == 33 and smtp[0].messages[0]["From"] == "esg@example.com"


def _fill_all(settings: Settings) -> int:
    write_templates(settings, parse_period("2024"), settings.home / "templates" / "2024")
    for entity in load_registry().codes:
        fill(settings.home / "templates" / "2024" / f"{entity}_2024.xlsx", settings.inbox, {})
    return len(load_registry().codes)


def _loaded(settings: Settings) -> tuple[int, int]:
    with db.session_scope(settings.database_url) as s:
        submissions = s.scalar(select(func.count()).select_from(m.Submission))
        distinct = s.scalar(select(func.count(func.distinct(m.Submission.content_hash))))
    return submissions, distinct


def test_an_interrupted_collect_loads_each_file_exactly_once(cycle: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from esgflow.intake.ingest import Ingestor

    files = _fill_all(cycle)
    real_load, calls = Ingestor._load, {"n": 0}

    def crash_halfway(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 10:
            raise RuntimeError("worker lost")  # not a transient fault: no retry
        return real_load(self, *args, **kwargs)

    monkeypatch.setattr(Ingestor, "_load", crash_halfway)
    state = collect(return_state=True)
    assert state.is_failed() and "worker lost" in state.message
    assert _loaded(cycle) == (10, 10)
    monkeypatch.setattr(Ingestor, "_load", real_load)
    outcomes = collect(stale_after=0)  # takes over the stopped run's claim
    # the ten loaded before the crash were never answered: this run answers them, no duplicate
    assert {o.status for o in outcomes} == {"accepted"} and all(o.letter for o in outcomes)
    assert sum("answered now" in o.line() for o in outcomes) == 10
    assert _loaded(cycle) == (files, files)


def test_a_failed_run_shows_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv("ESGFLOW_DATABASE_URL", raising=False)
    state = consolidate_and_report("2024", return_state=True)
    assert state.is_failed() and "run 'esgflow init' first" in state.message


def test_the_demo_runs_the_cycle_through_the_flows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_dir: Path
) -> None:
    import csv
    from decimal import Decimal

    from esgflow.catalog import load_catalog
    from esgflow.flows.demo import demo

    monkeypatch.setenv("ESGFLOW_HOME", str(tmp_path / "home"))
    for name in ("ESGFLOW_DATABASE_URL", "ESGFLOW_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    findings = demo("2024", str(tmp_path / "out"))
    settings = load_settings()
    assert {s.status for s in period_statuses(settings, parse_period("2024"))} == {"accepted"}
    assert len(list(settings.outbox.glob("*.eml"))) == 33 * 2  # templates out, letters back
    catalog = load_catalog()
    published = {
        r["code"]: r["2024"] for r in csv.DictReader((seed_dir / "appendix_2022_2024.csv").open(encoding="utf-8"))
    }
    reported = {
        r["code"]: r["2024"] for r in csv.DictReader((tmp_path / "out" / "appendix.csv").open(encoding="utf-8"))
    }
    for code, value in published.items():
        if catalog[code].is_input and value:
            assert Decimal(reported[code]) == Decimal(value), code  # recomputed from entity workbooks
    differ = {f.indicators[0] for f in findings if f.rule == "published_vs_computed"}
    assert differ == {"env_energy_total", "env_energy_intensity_revenue", "env_energy_per_output_value"}
    page = (tmp_path / "out" / "appendix.zh.html").read_text("utf-8")
    assert "本期计算值与已发布值对比" in page and "能源消耗总量" in page.split('id="versus"')[1]
    # the demo office screens all fifteen Scope 3 categories: figures for those esgflow calculates, 8-15 not relevant
    assert reported["env_ghg_scope3_cat6"] and reported["env_ghg_scope3_total"]
    assert 'id="scope3"' in page and (tmp_path / "out" / "scope3_screening.csv").is_file()


def test_a_run_without_a_period_collects_the_year_before_its_scheduled_time_by_its_cycles_deadline(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import flow

    from esgflow.flows.cycle import run_deadline, run_period
    from esgflow.periods import reporting_year_of

    monkeypatch.setenv("ESGFLOW_HOME", str(sqlite_settings.home))
    monkeypatch.delenv("ESGFLOW_DATABASE_URL", raising=False)
    init_warehouse(sqlite_settings)

    @flow
    def which() -> tuple[str, date]:
        p = run_period(None)
        return p.code, run_deadline(p, None)

    expected = reporting_year_of(date.today())
    assert which() == (expected.code, date(expected.year + 1, 1, 31))  # no cycle opened: the default
    open_cycle(sqlite_settings, expected, date(expected.year + 1, 2, 20), by="Li Na")
    assert which() == (expected.code, date(expected.year + 1, 2, 20))  # the cycle's
    assert run_period("2024").code == "2024" and run_deadline(expected, date(2026, 2, 15)) == date(2026, 2, 15)


def test_distribute_and_remind_give_the_cycles_deadline_when_the_run_names_none(
    cycle: Settings, smtp: tuple[Sink, int]
) -> None:
    sink, _ = smtp
    open_cycle(cycle, parse_period("2024"), date(2025, 2, 20), by="Li Na")
    assert distribute("2024") == 33
    assert all("2025-02-20" in m.get_body().get_content() for m in sink.messages)
    sink.messages.clear()
    assert len(remind("2024", today=date(2025, 2, 13))) == 33
    assert all("2025-02-20" in m.get_body().get_content() for m in sink.messages)


def test_no_deployment_names_a_year() -> None:
    import re

    text = (Path(__file__).resolve().parents[1] / "prefect.yaml").read_text("utf-8")
    body = "\n".join(line.split("#")[0] for line in text.splitlines())  # comments may give examples
    assert not re.search(r"\b20\d\d\b", body.replace("prefect-version", ""))
