"""Ingest: round trip through templates, versions, duplicates, lineage, whole-or-nothing."""

import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.defined_name import DefinedName
from sqlalchemy import func, select

from esgflow import units
from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.entities import EntityRegistry, load_registry
from esgflow.intake.outcome import Outcome
from esgflow.jobs.collection import ingest_files, period_statuses, write_templates
from esgflow.jobs.figures import check_group, consolidate_period
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from tests.returns_factory import P2024, demo_inputs, fill, open_collection, run_demo


def _group_figures(settings: Settings, period: str) -> dict[str, Decimal]:
    with db.session_scope(settings.database_url) as s:
        return dict(
            s.execute(
                select(m.Indicator.code, m.ConsolidatedFigure.value)
                .join(m.Indicator)
                .join(m.Period)
                .join(m.Entity, m.Entity.id == m.ConsolidatedFigure.entity_id)
                .where(m.Entity.code == "HQ", m.Period.code == period, m.ConsolidatedFigure.basis == "computed")
            )
            .tuples()
            .all()
        )


def _expected_sums(catalog: Catalog, filled: dict[str, dict[str, Decimal]]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for values in filled.values():
        for code, value in values.items():
            ind = catalog[code]
            if ind.consolidation in ("sum", "group"):
                sums[code] += units.convert(value, ind.input_unit or ind.unit, ind.unit)
    return sums


def test_round_trip_every_entity(
    settings: Settings, catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    templates = open_collection(settings, "2024", tmp_path / "tpl")
    filled = demo_inputs(catalog, registry, P2024)
    for code, template in templates.items():
        fill(template, tmp_path / "returns", filled[code])
    outcomes = ingest_files(settings, [tmp_path / "returns"])
    assert [o.status for o in outcomes] == ["accepted"] * len(templates), [o.line() for o in outcomes]
    consolidate_period(settings, parse_period("2024"))
    figures = _group_figures(settings, "2024")
    for code, total in _expected_sums(catalog, filled).items():
        assert figures[code] == total, code


def test_lineage_and_units(sqlite_settings: Settings, catalog: Catalog, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["NFC6"])
    path = fill(
        templates["NFC6"],
        tmp_path / "in",
        {"env_electricity": 123456, "env_office_electricity": 0, "env_diesel": "12,000.5"},
        notes={"env_diesel": "新项目开工 new sites opened"},
    )
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "accepted" and outcome.version == 1
    with db.session_scope(sqlite_settings.database_url) as s:
        rows = {
            r.indicator.code: r
            for r in s.scalars(select(m.Observation).join(m.Indicator).where(m.Observation.value.is_not(None)))
        }
        sub = s.scalars(select(m.Submission)).one()
        elec, diesel = rows["env_electricity"], rows["env_diesel"]
        assert elec.value == Decimal("12.3456") and (elec.original_value, elec.original_unit) == ("123456", "kWh")
        assert diesel.value == Decimal("12000.5") and diesel.original_value == "12,000.5"
        assert diesel.note == "新项目开工 new sites opened"
        assert (diesel.sheet, diesel.source_file) == ("环境 Environmental", "NFC6_2025.xlsx")
        _, coord = next(iter(load_workbook(path).defined_names["env_diesel"].destinations))
        assert diesel.cell == coord.replace("$", "")
        assert sub.content_hash == outcome.content_hash and len(sub.content_hash) == 64
        assert Path(sub.archive_path).read_bytes() == path.read_bytes()  # the raw file, archived


def test_resubmission_versions_and_duplicates(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    first = fill(templates["SAMI"], tmp_path / "v1", {"env_diesel": 100})
    second = fill(templates["SAMI"], tmp_path / "v2", {"env_diesel": 120})
    [a] = ingest_files(sqlite_settings, [first])
    [b] = ingest_files(sqlite_settings, [first])
    [c] = ingest_files(sqlite_settings, [second])
    assert (a.status, a.version) == ("accepted", 1)
    assert (b.status, b.version) == ("duplicate", 1) and "nothing changed" in b.line()
    assert (c.status, c.version) == ("accepted", 2)
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Submission)) == 2
        by_version = dict(
            s.execute(
                select(m.Submission.version, m.Observation.value)
                .join(m.Submission)
                .join(m.Indicator)
                .where(m.Indicator.code == "env_diesel")
            )
            .tuples()
            .all()
        )
    assert by_version == {1: Decimal("100"), 2: Decimal("120")}  # the old version stays queryable
    consolidate_period(sqlite_settings, parse_period("2025"))
    assert _group_figures(sqlite_settings, "2025")["env_diesel"] == Decimal("120")


def test_a_return_with_an_error_is_rejected_whole(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 100, "env_gasoline": "lots", "env_natural_gas": "-"})
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "rejected"
    assert "env_gasoline" in outcome.line() and "'lots' is not a number" in outcome.line()
    sheet, coord = next(iter(load_workbook(path).defined_names["env_gasoline"].destinations))
    assert f"'{sheet}'!{coord.replace('$', '')}" in outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(m.Submission.status)) == "rejected"
        assert s.scalar(select(func.count()).select_from(m.Observation)) == 0  # never half loaded
        found = {(f.rule, f.indicators[0], f.cell) for f in s.scalars(select(m.Finding))}
        assert ("text_in_number_cell", "env_gasoline", coord.replace("$", "")) in found
        gas = next(iter(load_workbook(path).defined_names["env_natural_gas"].destinations))[1].replace("$", "")
        assert ("required", "env_natural_gas", gas) in found  # '-' is not reported, never a zero


def test_reordered_and_reformatted_workbook_reads_the_same(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 100, "env_natural_gas": 950})
    wb = load_workbook(path)
    wb.security.lockStructure = False
    wb.move_sheet("社会 Social", offset=-3)  # sheets in another order
    ws = wb["环境 Environmental"]
    ws.insert_rows(5, amount=3)  # rows moved down, as Excel would, with the names following them
    for name, dn in list(wb.defined_names.items()):
        ((sheet, coord),) = dn.destinations
        if sheet == ws.title and int(coord.split("$")[-1]) >= 5:
            col, row = coord.split("$")[1], int(coord.split("$")[2])
            wb.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!${col}${row + 3}")
    ws.column_dimensions["E"].width = 40
    moved = tmp_path / "moved" / "SAMI_2025.xlsx"
    moved.parent.mkdir()
    wb.save(moved)
    [outcome] = ingest_files(sqlite_settings, [moved])
    assert outcome.status == "accepted", outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        cells = dict(
            s.execute(
                select(m.Indicator.code, m.Observation.cell).join(m.Indicator).where(m.Observation.value.is_not(None))
            )
            .tuples()
            .all()
        )
        values = dict(
            s.execute(
                select(m.Indicator.code, m.Observation.value).join(m.Indicator).where(m.Observation.value.is_not(None))
            )
            .tuples()
            .all()
        )
    assert (values["env_diesel"], values["env_natural_gas"]) == (Decimal("100"), Decimal("950"))
    assert outcome.observation_count == len(values)
    original = next(iter(load_workbook(path).defined_names["env_diesel"].destinations))[1].replace("$", "")
    assert cells["env_diesel"] != original  # read where the name points now, not at a fixed coordinate


def test_ingest_cli_prints_a_line_per_file(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from esgflow.cli import main

    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI", "GAMI"])
    fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1})
    (tmp_path / "in" / "notes.pdf").write_bytes(b"%PDF-1.7 not a workbook")
    monkeypatch.setenv("ESGFLOW_HOME", str(sqlite_settings.home))
    assert main(["ingest", str(tmp_path / "in")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("SAMI_2025.xlsx: accepted as SAMI 2025 version 1")
    assert out[1].startswith("notes.pdf: refused: this is a PDF document")
    assert out[2] == "2 files judged: 1 accepted, 1 refused"


def test_a_file_another_run_takes_between_listing_and_reading_is_said_gone_and_the_rest_ingested(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`esgflow ingest var/inbox` by hand while a collection claims the same inbox: exit 0, nothing lost."""
    from esgflow.cli import main
    from esgflow.intake import ingest

    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI", "GAMI"])
    sami = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1})
    fill(templates["GAMI"], tmp_path / "in", {"env_diesel": 2})
    taken = tmp_path / "collection" / sami.name
    taken.parent.mkdir()
    listed = ingest.expand

    def listed_then_taken(paths: list[Path]) -> list[Path]:
        files = listed(paths)
        sami.rename(taken)  # as the collection's claim does, after this run listed the folder
        return files

    monkeypatch.setattr(ingest, "expand", listed_then_taken)
    monkeypatch.setenv("ESGFLOW_HOME", str(sqlite_settings.home))
    assert main(["ingest", str(tmp_path / "in")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("GAMI_2025.xlsx: accepted as GAMI 2025 version 1")
    assert out[1] == (
        "SAMI_2025.xlsx: gone before it was read (another run took it and answers for it); nothing changed"
    )
    assert out[2] == "2 files judged: 1 accepted, 1 gone"
    assert [s.entity for s in period_statuses(sqlite_settings, parse_period("2025")) if s.version] == ["GAMI"]
    assert taken.exists()  # the collection's to ingest


def test_an_error_blocks_and_a_warning_with_a_note_does_not(sqlite_settings: Settings, tmp_path: Path) -> None:
    run_demo(sqlite_settings, tmp_path / "demo")  # accepted 2024 returns: last period's figures
    templates = write_templates(sqlite_settings, parse_period("2025"), tmp_path / "tpl", ["SAMI"])
    template = templates[0]
    last = demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]["env_diesel"]
    jump = {"env_diesel": last * 3}
    [warned] = ingest_files(sqlite_settings, [fill(template, tmp_path / "a", jump)])
    assert warned.status == "accepted_with_warnings" and warned.version == 1
    assert [f.rule for f in warned.findings] == ["yoy_change_needs_note"]
    noted = fill(template, tmp_path / "b", jump, notes={"env_diesel": "三个新工地 three new sites"})
    [clean] = ingest_files(sqlite_settings, [noted])
    assert clean.status == "accepted" and clean.findings == []
    [blocked] = ingest_files(sqlite_settings, [fill(template, tmp_path / "c", {"env_diesel": -5})])
    errors = {f.rule for f in blocked.findings if f.severity == "error"}  # its mobile part is then above it
    assert blocked.status == "rejected" and errors == {"range", "part_not_above_whole"}
    with db.session_scope(sqlite_settings.database_url) as s:
        note = s.scalar(
            select(m.Observation.note)
            .join(m.Submission)
            .join(m.Indicator)
            .where(m.Submission.version == 2, m.Indicator.code == "env_diesel")
        )
        statuses = dict(
            s.execute(
                select(m.Submission.version, m.Submission.status)
                .join(m.Entity)
                .join(m.Period)
                .where(m.Entity.code == "SAMI", m.Period.code == "2025")
            )
            .tuples()
            .all()
        )
    assert note == "三个新工地 three new sites"  # stored with the value...
    shown = [f for f in check_group(sqlite_settings, parse_period("2025")) if f.rule == "reporter_note"]
    assert [(f.entity, f.indicators, f.severity) for f in shown] == [("SAMI", ("env_diesel",), "info")]
    assert "三个新工地 three new sites" in shown[0].message  # ...and shown to the ESG office
    assert statuses == {1: "accepted_with_warnings", 2: "accepted", 3: "rejected"}
    consolidate_period(sqlite_settings, parse_period("2025"))
    assert _group_figures(sqlite_settings, "2025")["env_diesel"] == last * 3  # the rejected version is not used


def test_marked_figures_are_stored_as_estimated_with_their_numbers_unchanged(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    marks = {"env_diesel__estimate": "估计", "env_electricity__estimate": "Estimated", "env_gasoline__estimate": "A"}
    path = fill(templates["SAMI"], tmp_path / "in", {"env_diesel": 1500.5, "env_electricity": 4094380.3, **marks})
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "accepted", outcome.line()
    with db.session_scope(sqlite_settings.database_url) as s:
        stored = {
            code: (estimated, value)
            for code, estimated, value in s.execute(
                select(m.Indicator.code, m.Observation.estimated, m.Observation.value).join(m.Indicator)
            )
        }
    assert stored["env_diesel"] == (True, Decimal("1500.5"))
    assert stored["env_electricity"] == (True, Decimal("409.43803"))  # kWh to 10k kWh, as unmarked figures
    assert {code for code, (estimated, _) in stored.items() if estimated} == {"env_diesel", "env_electricity"}


def test_a_bad_mark_rejects_the_return_and_its_letter_says_where_in_the_reporters_language(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI", "OS-GN"])
    sheet, coord = next(iter(load_workbook(templates["SAMI"]).defined_names["env_diesel__estimate"].destinations))
    cell = coord.replace("$", "")
    bad = {"env_diesel__estimate": "probably"}
    returned = [fill(templates[code], tmp_path / "in", bad) for code in ("SAMI", "OS-GN")]
    outcomes = ingest_files(sqlite_settings, returned)
    assert [o.status for o in outcomes] == ["rejected", "rejected"]
    assert f"SAMI_2025.xlsx: rejected as SAMI 2025 version 1: '{sheet}'!{cell}: env_diesel (Diesel consumption): " in (
        outcomes[0].line()
    )
    assert "[estimate_mark]" in outcomes[0].line()
    zh, en = (o.letter.read_text("utf-8") for o in outcomes if o.letter)
    assert f"'{sheet}'!{cell}" in zh and "实际/估算标记无法识别" in zh and "填报值：probably" in zh
    assert "Actual/estimated mark not recognised" in en and "Figure entered: probably" in en
    with db.session_scope(sqlite_settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Observation)) == 0  # rejected whole


def test_each_outcome_is_told_as_its_file_is_judged_not_at_the_end(sqlite_settings: Settings, tmp_path: Path) -> None:
    """The command prints a file's line while later files still wait: when the first is told,
    the others have no letter yet; a superseded return is told only once its successor is judged."""
    templates = open_collection(sqlite_settings, "2024", tmp_path / "t", ["SAMI", "CINF", "CSSI"])
    inbox = tmp_path / "in"
    files = [fill(templates[e], inbox, {}) for e in ("SAMI", "CINF", "CSSI")]
    later = fill(templates["SAMI"], inbox, {"env_diesel": Decimal("12.5")}, name="SAMI_2024_fixed.xlsx")
    for i, path in enumerate([*files, later]):  # arrival order: SAMI first, its correction last
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    letters = sqlite_settings.home / "letters"
    told: list[tuple[str, int, int, str | None]] = []

    def judged(outcome: Outcome, total: int) -> None:
        told.append((outcome.path.name, total, len(list(letters.glob("*.txt"))), outcome.superseded_by))

    outcomes = ingest_files(sqlite_settings, [inbox], docs=False, on_judged=judged)
    assert {o.status for o in outcomes} == {"accepted"} and len(told) == 4
    # CINF is told when two of the four letters are written (SAMI's first return, and its own)
    assert told[:2] == [("CINF_2024.xlsx", 4, 2, None), ("CSSI_2024.xlsx", 4, 3, None)]
    # SAMI's first return waited for its correction, and is told as superseded by it
    assert told[2:] == [
        ("SAMI_2024.xlsx", 4, 4, "SAMI_2024_fixed.xlsx"),
        ("SAMI_2024_fixed.xlsx", 4, 4, None),
    ]


@pytest.mark.parametrize(
    ("codes", "factor", "rule", "zh", "unit"),
    [  # electricity typed in 万千瓦时 into the kWh cells; gas in thousands of m3; a decimal point slipped
        (
            ("env_electricity", "env_electricity_green", "env_office_electricity"),
            Decimal("0.0001"),
            "unit_slip_x10000",
            "相差约1万倍",
            "kWh",
        ),
        (("env_natural_gas",), Decimal(1000), "unit_slip_x1000", "相差约1000倍", "m3"),
        (("env_natural_gas",), Decimal("10.5"), "unit_slip_x10", "相差约10倍", "m3"),
    ],
)
def test_a_figure_a_power_of_ten_off_its_previous_version_is_warned_as_a_unit_slip(
    settings: Settings, tmp_path: Path, codes: tuple[str, ...], factor: Decimal, rule: str, zh: str, unit: str
) -> None:
    """A figure about 10^k times the version before it is named as the likely unit mistake (issue 26, point 3)."""
    template = open_collection(settings, "2025", tmp_path / "tpl", ["SAMI"])["SAMI"]
    before = demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]
    [first] = ingest_files(settings, [fill(template, tmp_path / "v1", {})], docs=False)
    assert not [f for f in first.findings if f.rule.startswith("unit_slip")]
    slipped_values = {code: Decimal(before[code]) * factor for code in codes}
    [slipped] = ingest_files(settings, [fill(template, tmp_path / "v2", slipped_values)])
    assert slipped.status == "accepted_with_warnings" and slipped.version == 2, [f.line() for f in slipped.findings]
    found = {f.indicators[0]: f for f in slipped.findings if f.rule.startswith("unit_slip")}
    assert set(found) == set(codes)
    first_code = found[codes[0]]
    assert (first_code.rule, first_code.severity) == (rule, "warning") and first_code.cell and first_code.sheet
    assert "previous version" in first_code.message and f"the cell asks for {unit}" in first_code.message
    [letter] = (settings.home / "letters").rglob("SAMI_2025_v2.txt")
    assert zh in letter.read_text("utf-8")  # SAMI reports in Chinese: the likely mistake in its language


def test_a_figure_a_hundred_times_off_or_only_near_a_power_of_ten_is_no_unit_slip(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    template = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])["SAMI"]
    kwh = Decimal(demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]["env_electricity"])
    ingest_files(sqlite_settings, [fill(template, tmp_path / "v1", {})], docs=False)
    for n, factor in enumerate((Decimal(100), Decimal("1.5"), Decimal(700))):
        [o] = ingest_files(
            sqlite_settings, [fill(template, tmp_path / f"v{n + 2}", {"env_electricity": kwh * factor})], docs=False
        )
        assert not [f for f in o.findings if f.rule.startswith("unit_slip")], factor


def test_the_fy2026_scope3_inputs_are_checked_for_slips_bounds_and_head_counts(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """Spend typed in yuan where 10k CNY is asked is a unit slip; commuters cannot outnumber the employees, and
    a negative spend or a commuting distance past any working day's is refused (issue 28.2)."""
    template = open_collection(sqlite_settings, "2026", tmp_path / "tpl", ["SAMI"])["SAMI"]
    values = {"env_scope3_spend_steel": Decimal(850), "env_scope3_spend_capital_buildings": Decimal(3200)}
    [first] = ingest_files(sqlite_settings, [fill(template, tmp_path / "v1", values)], docs=False)
    assert first.status in ("accepted", "accepted_with_warnings"), [f.line() for f in first.findings]
    in_yuan = {"env_scope3_spend_steel": Decimal(8_500_000)}
    [slipped] = ingest_files(sqlite_settings, [fill(template, tmp_path / "v2", values | in_yuan)], docs=False)
    found = {f.indicators[0]: f.rule for f in slipped.findings if f.rule.startswith("unit_slip")}
    assert found == {"env_scope3_spend_steel": "unit_slip_x10000"}
    staff = Decimal(_complete_sami()["soc_employees_total"])
    wrong = {
        "env_scope3_spend_capital_buildings": Decimal(-5),
        "env_scope3_commuters_car": staff + 1,
        "env_scope3_commute_km": Decimal(900),
    }
    [bad] = ingest_files(sqlite_settings, [fill(template, tmp_path / "v3", values | wrong)], docs=False)
    errors = {f.indicators[0] for f in bad.findings if f.severity == "error"}
    assert bad.status == "rejected"
    assert {"env_scope3_spend_capital_buildings", "env_scope3_commuters_car", "env_scope3_commute_km"} <= errors


def test_a_batch_reads_the_documents_of_its_period_once_not_once_per_return(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """The letters' needs come from one read of the period's documents and waivers per batch; each letter
    still names its own entity's needs (SAMI's certificate is attached, the others' are not)."""
    from sqlalchemy import event

    from esgflow.jobs.evidence import attach_evidence

    entities = ["SAMI", "OS-GN", "OS-HK"]
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", entities)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    attach_evidence(sqlite_settings, "SAMI", "2025", "env_electricity_green", pdf, "绿证.pdf", "portal", "r@sami.cn")
    values = {"env_diesel": 80000, "env_electricity_green": 20000}
    paths = [fill(templates[c], tmp_path / "in", values) for c in entities]
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM EVIDENCE" in " ".join(statement.upper().split()):
            reads.append(statement)

    engine = db.engine_for(sqlite_settings.database_url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        outcomes = ingest_files(sqlite_settings, paths)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [o.status.startswith("accepted") for o in outcomes] == [True] * 3
    assert len(reads) == 1, reads
    needs = {o.entity: [n[0] for n in o.needs] for o in outcomes}
    assert "env_electricity_green" not in needs["SAMI"] and "env_diesel" in needs["SAMI"]
    assert all({"env_electricity_green", "env_diesel"} <= set(needs[e]) for e in ("OS-GN", "OS-HK"))


def _complete_sami() -> dict[str, Decimal]:
    return demo_inputs(load_catalog(), load_registry(), P2024)["SAMI"]


def test_the_letter_names_each_figure_that_needs_its_documents_in_the_reporters_language(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    """A warning under the findings, never a refusal: the return is accepted, and its letter names the figure and
    what to attach (Chinese for SAMI, English for OS-GN); a figure already documented is not named again."""
    from esgflow.jobs.evidence import attach_evidence

    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI", "OS-GN"])
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    attach_evidence(sqlite_settings, "SAMI", "2025", "env_electricity_green", pdf, "绿证.pdf", "portal", "r@sami.cn")
    values = {"env_diesel": 80000, "env_electricity_green": 20000}  # both above the size the catalog sets
    outcomes = ingest_files(sqlite_settings, [fill(templates[c], tmp_path / "in", values) for c in ("SAMI", "OS-GN")])
    assert all(o.status.startswith("accepted") for o in outcomes)
    zh, en = (o.letter.read_text("utf-8") for o in outcomes if o.letter)
    assert "以下数据需附证明材料" in zh and "柴油使用量：柴油采购发票或加油记录" in zh
    assert "绿色电力证书" not in zh  # SAMI's green electricity has its certificate already
    assert (
        "These figures need their documents" in en and "Diesel consumption: diesel invoices or fuelling records" in en
    )
    assert "green-power certificates" in en and "证明材料" not in en
