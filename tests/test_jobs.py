"""The jobs: each reads from the warehouse, calls the library and writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
from datetime import date, timedelta
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esgflow import EsgflowError, jobs
from esgflow.catalog import load_catalog
from esgflow.config import Settings, load_settings
from esgflow.consolidate import consolidate
from esgflow.demo import bundled_history
from esgflow.entities import load_registry
from esgflow.factors import load_factors
from esgflow.inbox import Claim, FolderInbox
from esgflow.periods import parse_period
from esgflow.warehouse import db, load, queries
from esgflow.warehouse import models as m
from tests.returns_factory import fill, load_demo_returns, open_collection

P2024 = parse_period("2024")


def test_warehouse_url_hides_the_password() -> None:
    settings = load_settings({"ESGFLOW_DATABASE_URL": "postgresql+psycopg://esg:s3cret@db.example/esg"})
    assert jobs.warehouse_url(settings) == "postgresql+psycopg://esg:***@db.example/esg"


def test_a_job_before_init_says_to_run_init(sqlite_settings: Settings) -> None:
    with pytest.raises(EsgflowError, match="run 'esgflow init' first"):
        jobs.consolidate_period(sqlite_settings, P2024)


def test_init_counts_what_it_loaded_and_can_run_again(settings: Settings) -> None:
    first = jobs.init_warehouse(settings)
    again = jobs.init_warehouse(settings)
    assert first == again and (first.indicators, first.entities) == (133, 33)


def test_history_import_takes_only_the_periods_asked_for(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    result = jobs.import_history_file(settings, bundled_history(), [parse_period("2023")])
    assert result.years == ["2023"] and result.inserted > 0
    again = jobs.import_history_file(settings, bundled_history(), [parse_period("2023")])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, result.inserted)


def test_templates_open_the_period_and_refuse_unknown_entities(settings: Settings, tmp_path: Path) -> None:
    jobs.init_warehouse(settings)
    with pytest.raises(EsgflowError, match="not an entity of the group in 2025: NOPE"):
        jobs.write_templates(settings, parse_period("2025"), tmp_path, ["NOPE"])
    [path] = jobs.write_templates(settings, parse_period("2025"), tmp_path, ["SAMI"])
    assert path.name == "SAMI_2025.xlsx"
    assert [s.entity for s in jobs.period_statuses(settings, parse_period("2025"))][:2] == ["HQ", "SAMI"]


def test_ingest_consolidate_check_and_report_one_return(settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(settings, P2024, tmp_path / "tpl", ["SAMI"])
    [outcome] = jobs.ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1234})])
    assert outcome.status == "accepted" and outcome.letter and outcome.letter.is_file()
    result = jobs.consolidate_period(settings, P2024)
    assert result.observation_count == outcome.observation_count and result.group_figure_count > 0
    statuses = {s.entity: s.status for s in jobs.period_statuses(settings, P2024)}
    assert statuses["SAMI"] == "accepted" and statuses["HQ"] == "not_submitted"
    assert all(f.period == "2024" for f in jobs.check_group(settings, P2024))
    files = jobs.report_period(settings, P2024, tmp_path / "out", ["en"])
    row = next(r for r in files.table.rows if r.indicator.code == "env_diesel")
    assert row.cells["2024"] is not None and row.cells["2024"].value == 1234


def test_consolidation_stores_every_figure_as_computed_with_all_its_observations(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    load_demo_returns(settings, P2024)
    with db.session_scope(settings.database_url) as s:
        observations = queries.accepted_observations(s, P2024)
        parents = jobs._members(s, P2024)
    root = load_registry().root()
    places = load_registry().locations_on(P2024.ends_on)
    figures = consolidate(observations, parents, root, load_catalog(), load_factors(), P2024.ends_on, places)
    # as stored before figures went in bulk: a Decimal per figure (12 significant digits unless exact)
    expected = {
        (r["scope"], r["indicator"]): (
            str(r["exact"] if r["exact"] is not None else Decimal(f"{r['value']:.12g}")),
            r["method"],
            sorted(r["observation_ids"]),
        )
        for r in figures.iter_rows(named=True)
    }
    for _ in range(2):  # again: replaced, not added
        result = jobs.consolidate_period(settings, P2024)
        assert result.figure_count == len(expected) == _stored_count(settings)[0]
        assert _stored_count(settings)[1] == sum(len(ids) for _, _, ids in expected.values())
    assert _stored(settings) == expected


def _stored_count(settings: Settings) -> tuple[int, int]:
    with db.session_scope(settings.database_url) as s:
        return (
            s.scalar(select(func.count()).select_from(m.ConsolidatedFigure)) or 0,
            s.scalar(select(func.count()).select_from(m.FigureSource)) or 0,
        )


def _stored(settings: Settings) -> dict[tuple[str, str], tuple[str, str, list[int]]]:
    """(scope, indicator) -> (value as stored, method, ids of its observations) of the computed figures."""
    f = m.ConsolidatedFigure
    with db.session_scope(settings.database_url) as s:
        rows = s.execute(
            select(f.id, m.Entity.code, m.Indicator.code, f.value, f.method)
            .join(m.Entity, m.Entity.id == f.entity_id)
            .join(m.Indicator, m.Indicator.id == f.indicator_id)
            .where(f.basis == "computed")
        ).all()
        sources: dict[int, list[int]] = {}
        for figure_id, observation_id in s.execute(select(m.FigureSource.figure_id, m.FigureSource.observation_id)):
            sources.setdefault(figure_id, []).append(observation_id)
    return {(e, i): (str(v), method, sorted(sources.get(fid, []))) for fid, e, i, v, method in rows}


def test_report_refuses_an_unknown_language_before_touching_the_warehouse(sqlite_settings: Settings) -> None:
    with pytest.raises(EsgflowError, match="unknown language fr"):
        jobs.report_period(sqlite_settings, P2024, Path("unused"), ["fr"])


def test_ingest_names_missing_paths(sqlite_settings: Settings, tmp_path: Path) -> None:
    jobs.init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="no such file or folder"):
        jobs.ingest_files(sqlite_settings, [tmp_path / "nothing.xlsx"])


def test_mail_goes_to_the_outbox_without_smtp(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI", "OS-IN"])
    sent = jobs.send_templates(sqlite_settings, P2024, date(2025, 1, 31), list(templates.values()))
    assert len(sent) == 2
    jobs.ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    assert len(jobs.send_letters(sqlite_settings)) == 1
    reminded = jobs.send_reminders(sqlite_settings, P2024, date(2025, 1, 31), date(2025, 1, 24))
    assert "OS-IN" in reminded and "SAMI" not in reminded
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sqlite_settings.outbox.glob("*.eml")
    ]
    to_sami = [m for m in messages if m["To"] == ", ".join(jobs.contacts(sqlite_settings)["SAMI"])]
    assert len(to_sami) == 2  # the template, then the letter on its return


def test_collect_ingests_the_inbox_and_marks_the_files_done(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    fill(templates["SAMI"], sqlite_settings.inbox, {})
    outcomes = jobs.collect_inbox(sqlite_settings, "run-1", FolderInbox(sqlite_settings.inbox))
    assert [o.status for o in outcomes] == ["accepted"]
    assert not any(sqlite_settings.inbox.glob("*.xlsx"))
    assert jobs.collect_inbox(sqlite_settings, "run-2") == []


class _CopyFinishingLate(FolderInbox):
    """A copy into the inbox that was still being written when the run claimed it, and ends while it runs."""

    rest: bytes = b""

    def done(self, claim: Claim) -> list[Path]:
        with claim.files[0].open("ab") as f:
            f.write(self.rest)
        return super().done(claim)


def test_a_file_refused_while_half_copied_is_judged_again_when_complete(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    whole = fill(templates["SAMI"], tmp_path / "filled", {}).read_bytes()
    sqlite_settings.inbox.mkdir(parents=True, exist_ok=True)
    (sqlite_settings.inbox / "SAMI_2024.xlsx").write_bytes(whole[: len(whole) // 2])
    inbox = _CopyFinishingLate(sqlite_settings.inbox, settle=0)
    inbox.rest = whole[len(whole) // 2 :]
    [first] = jobs.collect_inbox(sqlite_settings, "run-1", inbox)
    assert first.status == "refused" and "back in the inbox" in first.line()
    assert (sqlite_settings.inbox / "SAMI_2024.xlsx").read_bytes() == whole
    [second] = jobs.collect_inbox(sqlite_settings, "run-2", FolderInbox(sqlite_settings.inbox, settle=0))
    assert second.status == "accepted"


def _eml(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.outbox.glob("letter-*.eml"))


def test_a_letter_owed_goes_out_once_whichever_run_sends_it(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI", "GAMI"])
    by_mail = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})
    by_hand = fill(templates["GAMI"], tmp_path / "hand", {})
    [mailed] = jobs.ingest_files(sqlite_settings, [by_mail], letters_by_mail=True)
    jobs.ingest_files(sqlite_settings, [by_hand])  # ingested by the office: it answers the reporter itself
    assert jobs.send_letters(sqlite_settings) == [str(sqlite_settings.outbox / f"{_eml(sqlite_settings)[0]}")]
    [name] = _eml(sqlite_settings)
    assert name.startswith("letter-SAMI_2024_v1-")
    message = email.message_from_bytes((sqlite_settings.outbox / name).read_bytes(), policy=policy.default)
    assert message["Message-ID"].startswith("<letter-SAMI_2024_v1-")
    assert [a.get_filename() for a in message.iter_attachments()] == ["SAMI_2024_v1.xlsx"]  # the annotated copy
    assert mailed.status == "rejected"
    assert jobs.send_letters(sqlite_settings) == []  # gone out: the next run sends nothing


def test_a_letter_leased_by_a_live_run_waits_and_a_dead_runs_lease_ends(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    jobs.ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    with db.session_scope(sqlite_settings.database_url) as s:
        [owed] = queries.letters_owed(s)
        assert load.claim_letter(s, owed.submission_id, timedelta(minutes=10))  # a run is sending it
    assert jobs.send_letters(sqlite_settings) == []
    assert len(jobs.send_letters(sqlite_settings, lease=timedelta(0))) == 1  # that run died: its lease ended
    assert len(_eml(sqlite_settings)) == 1


def test_letters_that_could_not_be_sent_stay_owed(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    jobs.ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {})], letters_by_mail=True)
    # nothing listens on port 1
    down = load_settings(
        {"ESGFLOW_HOME": str(sqlite_settings.home), "ESGFLOW_SMTP_HOST": "127.0.0.1", "ESGFLOW_SMTP_PORT": "1"}
    )
    with pytest.raises(OSError):
        jobs.send_letters(down)
    assert len(jobs.send_letters(sqlite_settings)) == 1  # released at once: the retry sends it


def test_a_cycle_is_opened_its_deadline_moved_and_both_audited(settings: Settings) -> None:
    jobs.init_warehouse(settings)
    p2025 = parse_period("2025")
    with pytest.raises(EsgflowError, match="before the end of 2025"):
        jobs.open_cycle(settings, p2025, date(2025, 6, 1), by="Li Na")
    assert jobs.cycle_records(settings) == [] and jobs.cycle_deadline(settings, p2025) == date(2026, 1, 31)

    assert jobs.open_cycle(settings, p2025, date(2026, 2, 15), by="Li Na").previous is None
    assert jobs.open_cycle(settings, p2025, date(2026, 2, 15), by="Li Na").action is None  # the same again
    moved = jobs.open_cycle(settings, p2025, date(2026, 3, 1), by="Wang Li")
    assert (moved.previous, moved.deadline) == (date(2026, 2, 15), date(2026, 3, 1))

    [record] = jobs.cycle_records(settings)
    assert (record.period, record.deadline, record.opened_by, record.signed_by) == (
        "2025",
        date(2026, 3, 1),
        "Li Na",
        None,
    )
    assert record.changed_at is not None
    assert jobs.cycle_deadline(settings, p2025) == date(2026, 3, 1)
    assert jobs.cycle_deadline(settings, p2025, date(2026, 4, 1)) == date(2026, 4, 1)  # a run's own wins
    assert jobs.cycle_deadline(settings, P2024) == date(2025, 1, 31)  # no cycle opened for 2024
    trail = [(r.action, r.actor, r.detail) for r in jobs.audit_trail(settings, p2025)]
    assert trail == [
        ("cycle_opened", "Li Na", {"deadline": "2026-02-15"}),
        ("deadline_changed", "Wang Li", {"deadline": "2026-03-01", "previous": "2026-02-15"}),
    ]


def _prior(template: Path, code: str) -> Decimal | None:
    from openpyxl import load_workbook

    from esgflow.workbooks import layout

    wb = load_workbook(template)
    sheet, coord = next(iter(wb.defined_names[code].destinations))
    value = wb[sheet][f"{layout.COL_PRIOR}{coord.split('$')[-1]}"].value
    return None if value is None else Decimal(str(value))


def test_templates_carry_last_years_signed_off_figures_not_a_later_correction(
    settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(settings, P2024, tmp_path / "tpl", ["SAMI", "KMSI"])
    blank = {"env_gasoline": None}, {"env_gasoline": "no petrol cars this year"}
    returns = [fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 111, **blank[0]}, blank[1])]
    returns.append(fill(templates["KMSI"], tmp_path / "in", {}))
    assert all(o.status.startswith("accepted") for o in jobs.ingest_files(settings, returns, docs=False))
    p2025 = parse_period("2025")

    def prior_2025(code: str) -> Decimal | None:
        [path] = jobs.write_templates(settings, p2025, tmp_path / f"t{len(list(tmp_path.iterdir()))}", ["SAMI"])
        return _prior(path, code)

    assert prior_2025("env_diesel") == 111  # 2024 never reviewed: its accepted return
    for status in jobs.period_statuses(settings, P2024):
        if status.entity in ("SAMI", "KMSI"):
            jobs.review_return(settings, P2024, status.entity, "approved", by="Wang Li")
        else:
            jobs.review_return(settings, P2024, status.entity, "excused", "not asked in this test", by="Wang Li")
    jobs.signoff_period(settings, P2024, "Zhang Wei")
    late = fill(templates["SAMI"], tmp_path / "late", {"env_diesel": 222, **blank[0]}, blank[1])
    [outcome] = jobs.ingest_files(settings, [late], docs=False)
    assert outcome.status.startswith("accepted") and outcome.version == 2

    assert prior_2025("env_diesel") == 111  # what was signed off, not the late correction
    assert prior_2025("env_gasoline") is None  # a blank stays blank, never zero
    jobs.restate_period(settings, P2024, "SAMI's late diesel correction", by="Zhang Wei")
    assert prior_2025("env_diesel") == 111  # the correction is not approved yet: left out
    jobs.review_return(settings, P2024, "SAMI", "approved", by="Wang Li", version=2)  # a late correction approved
    jobs.restate_period(settings, P2024, "SAMI's late diesel correction, approved", by="Zhang Wei")
    assert prior_2025("env_diesel") == 222  # restated: the figures now stand on the correction


def test_validation_index_lists_each_ingest_with_its_page(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    jobs.ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})])
    index = jobs.validation_index(sqlite_settings)
    [run] = index.parent.glob("ingest-1-*.html")
    assert f'href="{run.name}"' in index.read_text("utf-8") and "沈阳院" in run.read_text("utf-8")
    assert index.parent.parent == jobs.data_docs_index(sqlite_settings).parent  # served with the Data Docs
