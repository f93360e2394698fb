"""The collection jobs (esgflow.jobs.collection): templates out, returns in through every channel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.demo.group import DEMO_PEOPLE
from esgflow.jobs.collection import (
    collect_inbox,
    data_docs_index,
    ingest_files,
    period_statuses,
    return_findings,
    validation_index,
    write_templates,
)
from esgflow.jobs.figures import restate_period
from esgflow.jobs.setup import init_warehouse
from esgflow.jobs.signoff import review_return, signoff_period
from esgflow.mail.inbox import Claim, FolderInbox
from esgflow.periods import parse_period
from esgflow.warehouse import db
from tests.returns_factory import fill, open_collection

P2024 = parse_period("2024")


def test_templates_open_the_period_and_refuse_unknown_entities(settings: Settings, tmp_path: Path) -> None:
    init_warehouse(settings)
    with pytest.raises(EsgflowError, match="not an entity of the group in 2025: NOPE"):
        write_templates(settings, parse_period("2025"), tmp_path, ["NOPE"])
    [path] = write_templates(settings, parse_period("2025"), tmp_path, ["SAMI"])
    assert path.name == "SAMI_2025.xlsx"
    assert [s.entity for s in period_statuses(settings, parse_period("2025"))][:2] == ["HQ", "SAMI"]


def test_a_template_names_every_office_address_given_for_questions(tmp_path: Path) -> None:
    """ESGFLOW_OFFICE_EMAIL with two addresses: both are in the written workbook, in the order given."""
    from openpyxl import load_workbook

    from esgflow.config import load_settings

    home = {"ESGFLOW_HOME": str(tmp_path / "home"), "ESGFLOW_SMTP_HOST": "mail.chalieco.test"}
    settings = load_settings({**home, "ESGFLOW_OFFICE_EMAIL": " esg@chalieco.test ,it-oncall@chalieco.test"})
    try:
        [path] = open_collection(settings, "2025", tmp_path / "tpl", ["SAMI"]).values()
        book = load_workbook(path, read_only=True)
        asked = [
            row[1] for ws in book for row in ws.iter_rows(values_only=True) if row and row[0] == "咨询 Questions to"
        ]
        assert asked == ["ESG 工作办公室 ESG office: esg@chalieco.test, it-oncall@chalieco.test"]
        no_office = load_settings({**home, "ESGFLOW_SMTP_SENDER": "esgflow@chalieco.test"})
        assert no_office.office_contact == "ESG 工作办公室 ESG office: esgflow@chalieco.test"  # else the sender
    finally:
        db.dispose(settings.database_url)


def test_ingest_names_missing_paths(sqlite_settings: Settings, tmp_path: Path) -> None:
    init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="no such file or folder"):
        ingest_files(sqlite_settings, [tmp_path / "nothing.xlsx"])


def test_collect_ingests_the_inbox_and_marks_the_files_done(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, P2024, tmp_path / "tpl", ["SAMI"])
    fill(templates["SAMI"], sqlite_settings.inbox, {})
    outcomes = collect_inbox(sqlite_settings, "run-1", FolderInbox(sqlite_settings.inbox))
    assert [o.status for o in outcomes] == ["accepted"]
    assert not any(sqlite_settings.inbox.glob("*.xlsx"))
    assert collect_inbox(sqlite_settings, "run-2") == []


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
    [first] = collect_inbox(sqlite_settings, "run-1", inbox)
    assert first.status == "refused" and "back in the inbox" in first.line()
    assert (sqlite_settings.inbox / "SAMI_2024.xlsx").read_bytes() == whole
    [second] = collect_inbox(sqlite_settings, "run-2", FolderInbox(sqlite_settings.inbox, settle=0))
    assert second.status == "accepted"


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
    assert all(o.status.startswith("accepted") for o in ingest_files(settings, returns, docs=False))
    p2025 = parse_period("2025")

    def prior_2025(code: str) -> Decimal | None:
        [path] = write_templates(settings, p2025, tmp_path / f"t{len(list(tmp_path.iterdir()))}", ["SAMI"])
        return _prior(path, code)

    assert prior_2025("env_diesel") == 111  # 2024 never reviewed: its accepted return
    for status in period_statuses(settings, P2024):
        if status.entity in ("SAMI", "KMSI"):
            review_return(settings, P2024, status.entity, "approved", by="Wang Li")
        else:
            review_return(settings, P2024, status.entity, "excused", "not asked in this test", by="Wang Li")
    signoff_period(settings, P2024, "Zhang Wei")
    late = fill(templates["SAMI"], tmp_path / "late", {"env_diesel": 222, **blank[0]}, blank[1])
    [outcome] = ingest_files(settings, [late], docs=False)
    assert outcome.status.startswith("accepted") and outcome.version == 2

    assert prior_2025("env_diesel") == 111  # what was signed off, not the late correction
    assert prior_2025("env_gasoline") is None  # a blank stays blank, never zero
    restate_period(settings, P2024, "SAMI's late diesel correction", by="Zhang Wei")
    assert prior_2025("env_diesel") == 111  # the correction is not approved yet: left out
    review_return(settings, P2024, "SAMI", "approved", by="Wang Li", version=2)  # a late correction approved
    restate_period(settings, P2024, "SAMI's late diesel correction, approved", by="Zhang Wei")
    assert prior_2025("env_diesel") == 222  # restated: the figures now stand on the correction


def test_validation_index_lists_each_ingest_with_its_page(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "in", {"env_diesel": -5})])
    index = validation_index(sqlite_settings)
    [run] = index.parent.glob("ingest-1-*.html")
    assert f'href="{run.name}"' in index.read_text("utf-8") and "沈阳院" in run.read_text("utf-8")
    assert index.parent.parent == data_docs_index(sqlite_settings).parent  # served with the Data Docs


def test_a_worker_without_the_signing_key_claims_nothing_and_says_so(sqlite_settings: Settings) -> None:
    db.upgrade(sqlite_settings.database_url)  # the schema is there, but this machine never got the key
    sqlite_settings.inbox.mkdir(parents=True)
    (sqlite_settings.inbox / "SAMI_2024.xlsx").write_bytes(b"a genuine return")
    with pytest.raises(EsgflowError, match=r"^no signing key: .*run 'esgflow init' once on the shared ESGFLOW_HOME"):
        collect_inbox(sqlite_settings, "run-1")
    assert [p.name for p in sqlite_settings.inbox.iterdir()] == ["SAMI_2024.xlsx"]  # left for a worker with the key
    assert not sqlite_settings.archive.exists()  # nothing judged, nothing refused
    with pytest.raises(EsgflowError, match=r"^no signing key"):
        ingest_files(sqlite_settings, [sqlite_settings.inbox])
    assert not sqlite_settings.archive.exists()


def test_who_stands_behind_a_return_is_kept_with_its_version_and_shown_in_status(
    settings: Settings, tmp_path: Path
) -> None:
    people = {"meta_preparer": "张填报", "meta_reviewer": "李审核", "meta_responsible": "王负责"}
    templates = open_collection(settings, "2025", tmp_path / "tpl", ["SAMI", "GAMI"])
    ingest_files(settings, [fill(templates["SAMI"], tmp_path / "in", people)], docs=False)
    ingest_files(settings, [fill(templates["GAMI"], tmp_path / "in", {})], docs=False)
    records = {s.entity: s.to_json() for s in period_statuses(settings, parse_period("2025"))}
    assert records["SAMI"]["signatories"] == people  # as typed, with the version they came in
    # GAMI's names are the demo's (the reader requires them); its telephone and e-mail, not given, are not made up
    assert records["GAMI"]["signatories"] == DEMO_PEOPLE


def test_return_findings_are_those_of_each_entitys_newest_version(settings: Settings, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: the findings `check` lists per return are the newest version's, as stored."""
    template = open_collection(settings, "2025", tmp_path / "tpl", ["SAMI"])["SAMI"]
    [first] = ingest_files(settings, [fill(template, tmp_path / "a", {"env_water_total": -5})])
    [second] = ingest_files(settings, [fill(template, tmp_path / "b", {"env_gasoline": "#DIV/0!"})])
    assert (first.version, second.version) == (1, 2)
    found = return_findings(settings, parse_period("2025"))
    assert {f.rule for f in found} == {f.rule for f in second.findings} and "error_value" in {f.rule for f in found}
    assert "range" not in {f.rule for f in found}  # version 1's finding is not the newest return's
    assert {(f.entity, f.version, f.file) for f in found} == {("SAMI", 2, template.name)}
    assert return_findings(settings, parse_period("2025"), "GAMI") == []
    with pytest.raises(EsgflowError, match="unknown entity"):
        return_findings(settings, parse_period("2025"), "NOPE")
