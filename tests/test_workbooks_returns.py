"""Reading a returned workbook into its figures, with their cells, or refusing it; and reading many in order."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName

from esgflow.catalog import Catalog
from esgflow.demo.group import demo_inputs
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding, Refused
from esgflow.periods import parse_period
from esgflow.workbooks import layout as L
from esgflow.workbooks.returns import PARALLEL_FROM, ParsedReturn, read_return, read_returns
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import P2024, RETIRED_IN_V2, fill

Value = Decimal | int | float | str | None


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    out = {}
    for code in ("SAMI", "GAMI", "OS-GN"):
        out[code] = folder / f"{code}_2025.xlsx"
        write_template(out[code], TemplateRequest(registry[code], parse_period("2025"), {}, "esg1-test"), catalog)
    return out


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory, templates: dict[str, Path]) -> Path:
    """SAMI's complete demo return, one figure with a note."""
    return fill(templates["SAMI"], tmp_path_factory.mktemp("complete"), {}, notes={"env_diesel": "新增运输车辆"})


def _where(path: Path, name: str) -> tuple[str, str]:
    ((sheet, coord),) = load_workbook(path).defined_names[name].destinations
    return sheet, coord.replace("$", "")


def _set(path: Path, out: Path, cells: dict[str, Value], names: dict[str, str] | None = None) -> Path:
    """A copy with the cells some names point at changed, and names added or re-pointed."""
    wb = load_workbook(path)
    for name, target in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=target)
    for name, value in cells.items():
        ((sheet, coord),) = wb.defined_names[name].destinations
        wb[sheet][coord.replace("$", "")] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _read(path: Path, catalog: Catalog) -> ParsedReturn:
    return read_return(path.read_bytes(), path.name, catalog)


def _refused(path: Path, catalog: Catalog) -> Finding:
    with pytest.raises(Refused) as caught:
        _read(path, catalog)
    assert caught.value.finding.file == path.name
    return caught.value.finding


def test_a_return_gives_its_identity_and_every_figure_asked(
    complete: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    ret = _read(complete, catalog)
    identity = ("SAMI_2025.xlsx", "SAMI", "2025", catalog.template_version)
    assert (ret.file, ret.entity, ret.period, ret.template_version) == identity
    assert ret.findings == []
    asked = {i.code for i in catalog.inputs_for_kind(registry["SAMI"].kind)}
    assert {r.code for r in ret.reported} == asked and len(ret.reported) == len(asked)
    assert ret.meta_cells == {
        "meta_entity": _where(complete, "meta_entity"),
        "meta_period": _where(complete, "meta_period"),
        "meta_signature": _where(complete, "meta_signature"),
        "meta_template_version": _where(complete, "meta_template_version"),
    }
    assert ret.signature == "esg1-test"  # read as written; the ingest verifies it against the key


def test_figures_are_read_exactly_in_the_unit_asked_with_their_cells(
    complete: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    expected = demo_inputs(catalog, registry, P2024)["SAMI"]
    reported = {r.code: r for r in _read(complete, catalog).reported}
    assert {code: r.value for code, r in reported.items()} == {code: expected.get(code) for code in reported}
    electricity = reported["env_electricity"]
    assert electricity.unit == "kWh" and catalog["env_electricity"].unit == "10k kWh"  # asked in kWh
    assert (electricity.sheet, electricity.cell) == _where(complete, "env_electricity")
    assert Decimal(electricity.found or "") == expected["env_electricity"]  # the stored text
    assert reported["env_diesel"].note == "新增运输车辆" and reported["env_gasoline"].note is None


def test_blank_cells_are_listed_as_not_reported(templates: dict[str, Path], catalog: Catalog, tmp_path: Path) -> None:
    path = fill(templates["SAMI"], tmp_path, {"env_diesel": 12.5, "env_gasoline": "-"}, complete=False)
    reported = {r.code: r for r in _read(path, catalog).reported}
    assert reported["env_diesel"].value == Decimal("12.5")
    assert (reported["env_gasoline"].value, reported["env_gasoline"].found) == (None, "-")
    assert (reported["env_natural_gas"].value, reported["env_natural_gas"].found) == (None, None)
    assert sum(r.value is not None for r in reported.values()) == 1


def test_a_cell_that_is_not_a_number_is_a_finding_and_its_figure_stays_listed(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    path = fill(templates["SAMI"], tmp_path, {"env_diesel": "about 300", "env_gasoline": "１２，３４５"})
    ret = _read(path, catalog)
    [finding] = ret.findings
    assert (finding.rule, finding.indicators, (finding.sheet, finding.cell)) == (
        "text_in_number_cell",
        ("env_diesel",),
        _where(path, "env_diesel"),
    )
    reported = {r.code: r for r in ret.reported}
    assert (reported["env_diesel"].value, reported["env_diesel"].found) == (None, "about 300")
    assert reported["env_gasoline"].value == Decimal("12345")


def test_a_return_with_no_figure_is_an_error(templates: dict[str, Path], catalog: Catalog, tmp_path: Path) -> None:
    empty = fill(templates["SAMI"], tmp_path, {}, notes={"env_diesel": "none this year"}, complete=False)
    [finding] = _read(empty, catalog).findings
    assert (finding.rule, finding.severity, finding.file) == ("empty_return", "error", "SAMI_2025.xlsx")
    bad_only = fill(templates["SAMI"], tmp_path / "bad", {"env_diesel": "abc"}, complete=False)
    assert [f.rule for f in _read(bad_only, catalog).findings] == ["text_in_number_cell"]  # one error is enough


def test_a_figure_esgflow_computes_cannot_be_reported(complete: Path, catalog: Catalog, tmp_path: Path) -> None:
    sheet, _ = _where(complete, "env_diesel")
    target = f"'{sheet}'!$K$7"
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"env_fuel_total": 99}, {"env_fuel_total": target})
    ret = _read(path, catalog)
    [finding] = ret.findings
    assert (finding.rule, finding.indicators, finding.sheet, finding.cell) == (
        "derived_not_input",
        ("env_fuel_total",),
        sheet,
        "K7",
    )
    assert "env_fuel_total" not in {r.code for r in ret.reported}


def test_names_of_the_reporters_own_are_left_alone(complete: Path, catalog: Catalog, tmp_path: Path) -> None:
    sheet, _ = _where(complete, "env_diesel")
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"my_check": "ok"}, {"my_check": f"'{sheet}'!$K$1"})
    ret = _read(path, catalog)
    assert ret.findings == [] and "my_check" not in {r.code for r in ret.reported}
    assert ret.reported == _read(complete, catalog).reported


def test_a_name_moved_off_its_cell_is_an_error(complete: Path, catalog: Catalog, tmp_path: Path) -> None:
    sheet, _ = _where(complete, "env_diesel")
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {}, {"env_diesel": f"'{sheet}'!$E$7:$E$8"})
    ret = _read(path, catalog)
    [finding] = ret.findings
    assert (finding.rule, finding.indicators) == ("defined_name_moved", ("env_diesel",))
    assert "points at" in finding.message and "$E$7:$E$8" in finding.message
    assert "env_diesel" not in {r.code for r in ret.reported}


def test_a_workbook_that_is_not_a_template_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "env_diesel"
    wb.active["B1"] = 100
    wb.save(tmp_path / "SAMI_2025.xlsx")
    finding = _refused(tmp_path / "SAMI_2025.xlsx", catalog)
    assert (finding.rule, finding.message) == (
        "missing_metadata",
        "the workbook has no defined name meta_template_version; it is not an esgflow template: "
        "fill in the Excel template you were sent (.xlsx) and send that file",
    )


@pytest.mark.parametrize("name", L.META_NAMES[:3])  # an empty signature is refused when it is verified
def test_empty_metadata_is_refused_with_its_cell(complete: Path, catalog: Catalog, tmp_path: Path, name: str) -> None:
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {name: None})
    finding = _refused(path, catalog)
    assert (finding.rule, finding.message) == ("missing_metadata", f"{name} is empty")
    assert (finding.sheet, finding.cell) == _where(complete, name)


@pytest.mark.parametrize("text", ["0", "v1", "1.5", "01", "two"])
def test_a_template_version_that_is_no_version_is_refused_with_its_cell(
    complete: Path, catalog: Catalog, tmp_path: Path, text: str
) -> None:
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"meta_template_version": text})
    finding = _refused(path, catalog)
    sheet, cell = _where(complete, "meta_template_version")
    assert finding.rule == "template_version" and (finding.sheet, finding.cell) == (sheet, cell)
    assert finding.message == (
        f"meta_template_version ('{sheet}'!{cell}) is {text!r}, "
        f"not a template version esgflow writes (versions 1 to {catalog.template_version}); "
        "fill in the template sent for this period"
    )


@pytest.mark.parametrize(("known", "version"), [("catalog", "5"), ("catalog_v2", "3"), ("catalog", "12")])
def test_a_template_version_newer_than_esgflow_knows_is_refused_as_such(
    complete: Path, tmp_path: Path, request: pytest.FixtureRequest, known: str, version: str
) -> None:
    catalog: Catalog = request.getfixturevalue(known)
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"meta_template_version": version})
    finding = _refused(path, catalog)
    sheet, cell = _where(complete, "meta_template_version")
    assert finding.rule == "template_version_newer" and (finding.sheet, finding.cell) == (sheet, cell)
    knows = "version 1" if catalog.template_version == "1" else f"versions 1 to {catalog.template_version}"
    assert finding.message.startswith(
        f"meta_template_version ('{sheet}'!{cell}) is template version {version}, "
        f"newer than this esgflow knows ({knows}): the template was written by a newer esgflow"
    )


def test_an_older_template_is_read_by_its_names(
    catalog: Catalog, catalog_v2: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    """A version 1 return read where version 2 is current: every figure version 1 asked for that
    version 2 still asks for is taken; the retired one is not read, and nothing is made up for the new one."""
    v1 = tmp_path / "SAMI_2025.xlsx"
    write_template(
        v1, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig", template_version="1"), catalog_v2
    )
    path = fill(v1, tmp_path / "filled", {RETIRED_IN_V2: 3})
    ret = _read(path, catalog_v2)
    assert (ret.template_version, ret.findings) == ("1", [])
    assert ret.meta_cells["meta_template_version"] == _where(path, "meta_template_version")
    asked_v1 = {i.code for i in catalog.inputs_for_kind(registry["SAMI"].kind)}
    assert {r.code for r in ret.reported} == asked_v1 - {RETIRED_IN_V2}
    as_before = {r.code: r for r in _read(path, catalog).reported if r.code != RETIRED_IN_V2}
    assert {r.code: r for r in ret.reported} == as_before  # the same values, units, sheets and cells


@pytest.mark.parametrize("text", ["next year", "2025-13", "FY2025"])
def test_a_period_that_is_not_a_period_is_refused(complete: Path, catalog: Catalog, tmp_path: Path, text: str) -> None:
    finding = _refused(_set(complete, tmp_path / "SAMI_2025.xlsx", {"meta_period": text}), catalog)
    assert (finding.rule, finding.message) == ("wrong_metadata", f"meta_period {text!r} is not a period")
    assert (finding.sheet, finding.cell) == _where(complete, "meta_period")


def test_metadata_a_spreadsheet_turned_into_numbers_reads_the_same(
    complete: Path, catalog: Catalog, tmp_path: Path
) -> None:
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"meta_period": 2025, "meta_template_version": 1})
    sheet_part = "xl/worksheets/sheet1.xml"  # the instructions sheet
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    _, version_cell = _where(complete, "meta_template_version")
    xml = parts[sheet_part].decode()
    assert f'<c r="{version_cell}" t="n"><v>1</v></c>' in xml
    parts[sheet_part] = xml.replace(
        f'<c r="{version_cell}" t="n"><v>1</v>', f'<c r="{version_cell}" t="n"><v>1.0</v>'
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    ret = read_return(buf.getvalue(), path.name, catalog)
    assert (ret.entity, ret.period, ret.template_version) == ("SAMI", "2025", "1")


def test_a_quarter_and_surrounding_spaces_are_read_as_the_period(
    complete: Path, catalog: Catalog, tmp_path: Path
) -> None:
    path = _set(complete, tmp_path / "SAMI_2025.xlsx", {"meta_period": " 2025-Q1 ", "meta_entity": " SAMI "})
    ret = _read(path, catalog)
    assert (ret.entity, ret.period) == ("SAMI", "2025-Q1")


def _items(templates: dict[str, Path], tmp_path: Path, count: int) -> list[tuple[bytes, str]]:
    """`count` returns of three entities, every fifth one a PDF or a CSV under a workbook's name."""
    items = []
    codes = list(templates)
    for n in range(count):
        code = codes[n % len(codes)]
        if n % 5 == 4:
            items.append((b"%PDF-1.7 not a workbook" if n % 10 == 4 else b"a,b\n1,2\n", f"{code}_2025 ({n}).xlsx"))
            continue
        path = fill(templates[code], tmp_path / str(n), {"env_diesel": n + 1})
        items.append((path.read_bytes(), path.name))
    return items


def _one_by_one(items: list[tuple[bytes, str]], catalog: Catalog) -> list[ParsedReturn | Finding]:
    out: list[ParsedReturn | Finding] = []
    for data, name in items:
        try:
            out.append(read_return(data, name, catalog))
        except Refused as exc:
            out.append(exc.finding)
    return out


def test_read_returns_reads_a_few_in_order_and_hands_back_refusals(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    items = _items(templates, tmp_path, 6)
    results = read_returns(items)
    assert isinstance(results, Iterator)  # results come as they are read
    got = list(results)
    assert got == _one_by_one(items, catalog)
    assert [r.rule if isinstance(r, Finding) else r.entity for r in got] == [
        "SAMI",
        "GAMI",
        "OS-GN",
        "SAMI",
        "not_xlsx",
        "OS-GN",
    ]
    assert [r.file for r in got] == [name for _, name in items]


def test_read_returns_reads_many_in_parallel_in_order(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    items = _items(templates, tmp_path, PARALLEL_FROM + 5)
    got = list(read_returns(items))
    assert got == _one_by_one(items, catalog)
    assert [r.file for r in got] == [name for _, name in items]
    diesel = [next(v.value for v in r.reported if v.code == "env_diesel") for r in got if isinstance(r, ParsedReturn)]
    assert diesel == [Decimal(n + 1) for n in range(len(items)) if n % 5 != 4]
    assert sum(isinstance(r, Finding) for r in got) == 4


def test_read_returns_of_nothing_is_nothing() -> None:
    assert list(read_returns([])) == []


# --- a split of electricity by place -----------------------------------------------------------
ELECTRICITY = "env_electricity"
LOC1, AMT1 = L.split_location_name(ELECTRICITY, 1), L.split_amount_name(ELECTRICITY, 1)
LOC2, AMT2 = L.split_location_name(ELECTRICITY, 2), L.split_amount_name(ELECTRICITY, 2)
# SAMI's demo return reports 5,955,400 kWh; 60 % of it in Yunnan, 40 % in Liaoning
SPLIT_60_40: dict[str, Value] = {LOC1: "CN-YN 云南 Yunnan", AMT1: 3573240, LOC2: "cn-ln", AMT2: "2,382,160"}


def test_a_split_is_read_by_its_names_with_codes_and_cells(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    path = fill(templates["SAMI"], tmp_path, SPLIT_60_40)
    ret = _read(path, catalog)
    assert not [f for f in ret.findings if f.severity == "error"], [f.line() for f in ret.findings]
    assert [(s.code, s.location, s.value, s.unit) for s in ret.splits] == [
        (ELECTRICITY, "CN-YN", Decimal(3573240), "kWh"),
        (ELECTRICITY, "CN-LN", Decimal(2382160), "kWh"),
    ]
    assert [(s.sheet, s.cell) for s in ret.splits] == [_where(path, AMT1), _where(path, AMT2)]
    assert ret.splits[0].location_cell == _where(path, LOC1)[1]
    assert not _read(fill(templates["SAMI"], tmp_path, {}, name="plain.xlsx"), catalog).splits


def test_a_split_reads_the_same_after_libreoffice(templates: dict[str, Path], catalog: Catalog, tmp_path: Path) -> None:
    from tests.returns_factory import libreoffice_resave

    [resaved] = libreoffice_resave([fill(templates["SAMI"], tmp_path / "in", SPLIT_60_40)], tmp_path / "lo")
    ret = _read(resaved, catalog)
    assert [(s.location, s.value) for s in ret.splits] == [("CN-YN", 3573240), ("CN-LN", 2382160)]


@pytest.mark.parametrize(
    ("values", "rule", "at"),
    [
        ({LOC1: "CN-YN", AMT1: 5955400, LOC2: "CN-LN"}, "split_incomplete", AMT2),
        ({AMT1: 5955400}, "split_incomplete", LOC1),
        ({LOC1: "CN-XX", AMT1: 5955400}, "split_unknown_location", LOC1),
        ({LOC1: "Yunnan", AMT1: 5955400}, "split_unknown_location", LOC1),
        ({LOC1: "CN-YN", AMT1: 3000000, LOC2: "CN-YN 云南 Yunnan", AMT2: 2955400}, "split_duplicate_location", LOC2),
        ({LOC1: "CN-YN", AMT1: "much"}, "text_in_number_cell", AMT1),
        ({LOC1: "CN-YN", AMT1: -1, LOC2: "CN-LN", AMT2: 5955401}, "range", AMT1),
        ({LOC1: "CN-YN", AMT1: 3000000, LOC2: "CN-LN", AMT2: 2000000}, "split_sum", ELECTRICITY),
        ({ELECTRICITY: None, LOC1: "CN-YN", AMT1: 5955400}, "split_without_total", ELECTRICITY),
    ],
)
def test_split_errors_name_their_cells(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path, values: dict[str, Value], rule: str, at: str
) -> None:
    path = fill(templates["SAMI"], tmp_path, values)
    ret = _read(path, catalog)
    found = [f for f in ret.findings if f.rule == rule]
    assert len(found) == 1, [f.line() for f in ret.findings]
    assert (found[0].sheet, found[0].cell) == _where(path, at) and found[0].severity == "error"
    assert found[0].indicators == (ELECTRICITY,) and not ret.splits
    if rule == "split_sum":
        assert _where(path, AMT1)[1] in found[0].message and _where(path, AMT2)[1] in found[0].message


def test_a_split_within_the_rounding_of_the_figures_adds_up(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    # 5955400 (written to the unit) against 3573240.4 + 2382160: within half a unit of each
    near = {**SPLIT_60_40, AMT1: "3573240.4"}
    assert not [f for f in _read(fill(templates["SAMI"], tmp_path, near), catalog).findings if f.severity == "error"]


# -- actual/estimated marks -------------------------------------------------------------------------------


def _mark(code: str) -> str:
    return code + L.ESTIMATE_SUFFIX


def test_marks_are_read_beside_their_figures_and_change_no_number(
    complete: Path, catalog: Catalog, tmp_path: Path
) -> None:
    marks = {_mark("env_diesel"): "估算 Estimated", _mark("env_gasoline"): "E", _mark("env_electricity"): "实际 Actual"}
    marked = _set(complete, tmp_path / "SAMI_2025.xlsx", marks)
    plain, read = _read(complete, catalog), _read(marked, catalog)
    assert read.findings == []
    assert {r.code for r in read.reported if r.estimated} == {"env_diesel", "env_gasoline"}
    assert not any(r.estimated for r in plain.reported)  # blank marks: every figure actual
    assert [(r.code, r.value, r.found, r.cell) for r in read.reported] == [
        (r.code, r.value, r.found, r.cell) for r in plain.reported
    ]


def test_a_mark_that_is_neither_is_an_error_at_its_cell(complete: Path, catalog: Catalog, tmp_path: Path) -> None:
    marked = _set(complete, tmp_path / "SAMI_2025.xlsx", {_mark("env_diesel"): "roughly"})
    ret = _read(marked, catalog)
    [finding] = ret.findings
    assert (finding.rule, finding.severity, finding.indicators) == ("estimate_mark", "error", ("env_diesel",))
    assert (finding.file, finding.sheet, finding.cell) == ("SAMI_2025.xlsx", *_where(complete, _mark("env_diesel")))
    assert _where(complete, _mark("env_diesel"))[1].startswith(L.COL_ESTIMATE)
    diesel = next(r for r in ret.reported if r.code == "env_diesel")
    assert diesel.value is not None and not diesel.estimated


def test_a_mark_beside_a_blank_figure_marks_nothing(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    path = fill(
        templates["SAMI"],
        tmp_path,
        {"env_diesel": 5, "env_gasoline": None, _mark("env_gasoline"): "估算"},
        complete=False,
    )
    ret = _read(path, catalog)
    assert ret.findings == []
    gasoline = next(r for r in ret.reported if r.code == "env_gasoline")
    assert (gasoline.value, gasoline.estimated) == (None, False)


def test_a_return_on_the_template_before_marks_reads_every_figure_as_actual(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    """Version 2 had no actual/estimated column: its returns read as before, nothing marked, no finding."""
    v2 = tmp_path / "v2" / "SAMI_2025.xlsx"
    write_template(
        v2, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig", template_version="2"), catalog
    )
    assert not [n for n in load_workbook(v2).defined_names if n.endswith(L.ESTIMATE_SUFFIX)]
    ret = _read(fill(v2, tmp_path / "filled", {}), catalog)
    assert ret.template_version == "2" and ret.findings == []
    asked = [i for i in catalog.inputs_for_kind(registry["SAMI"].kind) if i.in_template("2")]
    assert len(ret.reported) == len(asked)
    assert not any(r.estimated for r in ret.reported)


PEOPLE = {
    "meta_preparer": "张填报",
    "meta_reviewer": "李审核",
    "meta_responsible": "王负责",
    "meta_contact_phone": "024-12345678",
    "meta_contact_email": "esg@sami.example",
}


def test_the_template_asks_who_stands_behind_the_return_and_the_reader_reads_it(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    wb = load_workbook(templates["SAMI"])
    for name in L.PEOPLE_NAMES:
        [(sheet, ref)] = list(wb.defined_names[name].destinations)
        assert sheet == L.INSTRUCTIONS_SHEET and not wb[sheet][ref.replace("$", "")].protection.locked
    filled = fill(templates["SAMI"], tmp_path, PEOPLE)
    assert read_return(filled.read_bytes(), filled.name, catalog).people == PEOPLE
    blank = fill(templates["SAMI"], tmp_path, dict.fromkeys(L.PEOPLE_NAMES), name="blank.xlsx")
    assert read_return(blank.read_bytes(), blank.name, catalog).people == {}


def test_a_return_without_who_prepared_reviewed_or_answers_for_it_is_warned_at_the_cell(
    templates: dict[str, Path], catalog: Catalog, tmp_path: Path
) -> None:
    from esgflow.checks.rules import wording

    wb = load_workbook(templates["SAMI"])
    [(sheet, ref)] = list(wb.defined_names["meta_reviewer"].destinations)
    unreviewed = fill(templates["SAMI"], tmp_path, {"meta_reviewer": None}, name="unreviewed.xlsx")
    parsed = read_return(unreviewed.read_bytes(), unreviewed.name, catalog)
    found = [f for f in parsed.findings if f.rule.startswith("meta_")]
    assert [f.severity for f in found] == ["warning"]  # never plainly accepted, never lost from the figures
    assert [(f.rule, f.sheet, f.cell) for f in found] == [("meta_reviewer_missing", sheet, ref.replace("$", ""))]
    assert wording("meta_reviewer_missing", "zh") == ("未填写审核人", "请在所示单元格填写审核人姓名后重新发送。")
    nobody = fill(templates["SAMI"], tmp_path, dict.fromkeys(L.PEOPLE_NAMES), name="nobody.xlsx")
    rules = {f.rule for f in read_return(nobody.read_bytes(), nobody.name, catalog).findings}
    assert rules == {"meta_preparer_missing", "meta_reviewer_missing", "meta_responsible_missing"}  # phone and
    # e-mail help but are not required: the office has the entity's registered contacts
    older = load_workbook(nobody)  # a template made before it asked who stands behind a return
    for name in L.PEOPLE_NAMES:
        del older.defined_names[name]
    older.save(tmp_path / "older.xlsx")
    parsed = read_return((tmp_path / "older.xlsx").read_bytes(), "SAMI_2024.xlsx", catalog)
    assert not parsed.findings and parsed.people == {}
