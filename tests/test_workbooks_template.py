"""Templates are generated from the catalog, one per entity, with names, units, rules and protection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from esgflow import EsgflowError, glossary
from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.demo.group import demo_returns
from esgflow.entities import EntityRegistry, load_registry
from esgflow.jobs.collection import write_templates
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.workbooks import fit
from esgflow.workbooks import layout as L
from esgflow.workbooks.registers import CHOICES_SHEET
from esgflow.workbooks.signing import signature, signing_key
from esgflow.workbooks.template import INPUT_FILL, OPTIONAL_FILL, SUM_FILL, TemplateRequest, write_template
from tests.libreoffice import artefacts, picture, print_workbook
from tests.returns_factory import NEW_IN_V2, P2024, RETIRED_IN_V2, open_collection, run_demo

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def templates(sqlite_settings: Settings, tmp_path: Path) -> dict[str, Path]:
    return open_collection(sqlite_settings, "2025", tmp_path / "tpl")


def test_one_template_per_entity_named_as_the_interface_says(
    templates: dict[str, Path], registry: EntityRegistry
) -> None:
    assert set(templates) == set(registry.codes)
    assert all(p.name == f"{code}_2025.xlsx" for code, p in templates.items())


def test_each_template_asks_exactly_what_its_entity_reports(
    templates: dict[str, Path], catalog: Catalog, registry: EntityRegistry
) -> None:
    for code, path in templates.items():
        wb = load_workbook(path)
        names = set(wb.defined_names)
        expected = {i.code for i in catalog.inputs_for_kind(registry[code].kind)}
        assert {n for n in names if n in catalog} == expected, code
        assert {n[: -len(L.NOTE_SUFFIX)] for n in names if n.endswith(L.NOTE_SUFFIX)} == expected
        assert set(L.META_NAMES) <= names
        assert "econ_revenue" in names if code == "HQ" else "econ_revenue" not in names


def test_cells_carry_units_labels_validation_and_protection(
    templates: dict[str, Path], catalog: Catalog, sqlite_settings: Settings
) -> None:
    wb = load_workbook(templates["NFC6"])
    meta = {n: wb[s][c.replace("$", "")].value for n in L.META_NAMES for s, c in wb.defined_names[n].destinations}
    signed = signature(signing_key(sqlite_settings.home), "NFC6", "2025", catalog.template_version)
    assert meta == {
        "meta_entity": "NFC6",
        "meta_period": "2025",
        "meta_template_version": catalog.template_version,
        "meta_signature": signed,
    }
    sheet, coord = next(iter(wb.defined_names["env_electricity"].destinations))
    ws = wb[sheet]
    row = int(coord.split("$")[-1])
    assert ws[f"{L.COL_UNIT}{row}"].value == "千瓦时 kWh"  # asked in kWh, reported in 10k kWh
    assert (
        ws[f"{L.COL_NAME_ZH}{row}"].value == "用电量" and ws[f"{L.COL_NAME_EN}{row}"].value == "Electricity consumption"
    )
    assert ws.protection.sheet and not ws[f"{L.COL_VALUE}{row}"].protection.locked
    assert not ws[f"{L.COL_NOTE}{row}"].protection.locked and ws[f"{L.COL_NAME_ZH}{row}"].protection.locked
    rules = {str(dv.sqref): (dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert any(f"{L.COL_VALUE}{row}" in ref and rule == ("decimal", "0") for ref, rule in rules.items())
    sheet, coord = next(iter(wb.defined_names["soc_employees_total"].destinations))
    soc = wb[sheet]
    assert any(
        coord.replace("$", "") in str(dv.sqref) and dv.type == "whole" for dv in soc.data_validations.dataValidation
    )
    assert wb[L.INSTRUCTIONS_SHEET]["A1"].value.startswith("中铝国际")


def test_breakdowns_show_the_sum_they_must_equal(templates: dict[str, Path]) -> None:
    wb = load_workbook(templates["HQ"])
    _, total = next(iter(wb.defined_names["soc_employees_total"].destinations))
    ws = wb["社会 Social"]
    sums = [c.value for c in ws[L.COL_VALUE] if isinstance(c.value, str) and c.value.startswith("=")]
    female = next(iter(wb.defined_names["soc_employees_female"].destinations))[1].replace("$", "")
    male = next(iter(wb.defined_names["soc_employees_male"].destinations))[1].replace("$", "")
    assert f'=IF(COUNT({female},{male})=0,"",{female}+{male})' in sums  # blank, not 0, until a part is entered
    checks = [c.value for c in ws[L.COL_RULE] if isinstance(c.value, str) and c.value.startswith("=IF(")]
    assert any(total.replace("$", "") in check and check.startswith("=IF(COUNT(") for check in checks)
    env = wb["环境 Environmental"]
    assert any(c.value == "燃油使用量（自动合计）" for c in env[L.COL_NAME_ZH])


def test_last_periods_accepted_values_sit_beside_the_cells(sqlite_settings: Settings, tmp_path: Path) -> None:
    run_demo(sqlite_settings, tmp_path / "demo")  # accepted 2024 returns for every entity
    paths = write_templates(sqlite_settings, parse_period("2025"), tmp_path / "tpl", ["NFC6"])
    wb = load_workbook(paths[0])
    sheet, coord = next(iter(wb.defined_names["env_electricity"].destinations))
    row = int(coord.split("$")[-1])
    prior = wb[sheet][f"{L.COL_PRIOR}{row}"].value

    nfc6 = next(r for r in demo_returns(load_catalog(), load_registry(), P2024) if r.entity == "NFC6")
    wan_kwh = nfc6.values["env_electricity"]
    assert Decimal(str(prior)) == wan_kwh * 10000  # shown in the kWh the template asks for
    assert isinstance(prior, int | float)  # a number, never text that could become a formula


def test_unknown_entity_is_refused(sqlite_settings: Settings, tmp_path: Path) -> None:
    init_warehouse(sqlite_settings)
    with pytest.raises(EsgflowError, match="not an entity of the group in 2025: NOPE"):
        write_templates(sqlite_settings, parse_period("2025"), tmp_path, ["NOPE"])


def _meta_and_names(path: Path) -> tuple[dict[str, str], set[str]]:
    wb = load_workbook(path)
    meta = {n: wb[s][c.replace("$", "")].value for n in L.META_NAMES for s, c in wb.defined_names[n].destinations}
    return meta, set(wb.defined_names)


def test_a_template_of_an_older_version_asks_what_that_version_asked(
    catalog_v2: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    written = {}
    for version in ("1", "2", None):
        path = tmp_path / f"v{version}" / "SAMI_2025.xlsx"
        req = TemplateRequest(
            registry["SAMI"], parse_period("2025"), {}, f"sig-{version or 2}", template_version=version
        )
        written[version] = (write_template(path, req, catalog_v2), *_meta_and_names(path))
    asked_v1, meta_v1, names_v1 = written["1"]
    asked_v2, meta_v2, names_v2 = written["2"]
    assert written[None] == written["2"]  # the current version unless told otherwise
    assert (meta_v1["meta_template_version"], meta_v1["meta_signature"]) == ("1", "sig-1")
    assert meta_v2["meta_template_version"] == "2"
    assert set(asked_v2) - set(asked_v1) == {NEW_IN_V2} and set(asked_v1) - set(asked_v2) == {RETIRED_IN_V2}
    assert NEW_IN_V2 in names_v2 and NEW_IN_V2 + L.NOTE_SUFFIX in names_v2 and NEW_IN_V2 not in names_v1
    assert RETIRED_IN_V2 in names_v1 and RETIRED_IN_V2 not in names_v2


def test_a_template_version_the_catalog_does_not_know_is_not_written(
    catalog_v2: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    for version in ("3", "0", "x"):
        req = TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig", template_version=version)
        with pytest.raises(EsgflowError, match=r"template version .* is not one of 1 to 2"):
            write_template(tmp_path / "SAMI_2025.xlsx", req, catalog_v2)


def test_the_electricity_split_block_has_named_cells_and_a_list_of_places(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "SAMI_2025.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig"), catalog)
    wb = load_workbook(path)
    rows = catalog["env_electricity"].split.rows  # type: ignore[union-attr]
    ((sheet, _),) = wb.defined_names["env_electricity"].destinations
    ws = wb[sheet]
    for n in range(1, rows + 1):
        ((s1, where),) = wb.defined_names[L.split_location_name("env_electricity", n)].destinations
        ((s2, amount),) = wb.defined_names[L.split_amount_name("env_electricity", n)].destinations
        assert s1 == s2 == sheet
        assert not ws[where.replace("$", "")].protection.locked and not ws[amount.replace("$", "")].protection.locked
        row = amount.replace("$", "")[1:]
        assert ws[f"{L.COL_UNIT}{row}"].value.endswith("kWh")  # the unit asked is printed beside it
    assert int(amount.replace("$", "")[1:]) > ws.max_row - 3  # under every figure: no version-1 cell moved
    places = wb[L.LOCATIONS_SHEET]
    assert "CN-LN 辽宁 Liaoning" in [c.value for c in places["A"]] and places.protection.sheet
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list" and "!" in (dv.formula1 or "")]
    assert len(lists) == 1 and lists[0].formula1.startswith(f"'{L.LOCATIONS_SHEET}'!$A$2")
    assert where.replace("$", "") in str(lists[0].sqref).split()


def test_a_version_1_template_has_no_split(catalog: Catalog, registry: EntityRegistry, tmp_path: Path) -> None:
    path = tmp_path / "SAMI_2025.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig", "1"), catalog)
    wb = load_workbook(path)
    assert not [n for n in wb.defined_names if L.SPLIT_MARK in n] and L.LOCATIONS_SHEET not in wb.sheetnames


def _named_cells(path: Path, suffix: str) -> dict[str, tuple[str, str]]:
    wb = load_workbook(path)
    return {
        n: (sheet, coord.replace("$", ""))
        for n in wb.defined_names
        if n.endswith(suffix) or (suffix == "" and "__" not in n)
        for sheet, coord in wb.defined_names[n].destinations
    }


def test_every_input_row_has_an_actual_estimated_drop_down(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "SAMI_2025.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig"), catalog)
    wb = load_workbook(path)
    asked = {i.code for i in catalog.inputs_for_kind(registry["SAMI"].kind)}
    marks = _named_cells(path, L.ESTIMATE_SUFFIX)
    assert {n.removesuffix(L.ESTIMATE_SUFFIX) for n in marks} == asked
    for code in asked:
        ((sheet, value),) = wb.defined_names[code].destinations
        mark_sheet, mark = marks[code + L.ESTIMATE_SUFFIX]
        row = value.replace("$", "")[1:]
        assert (mark_sheet, mark) == (sheet, f"{L.COL_ESTIMATE}{row}")  # the figure's own row
        ws = wb[sheet]
        assert ws[f"{L.COL_ESTIMATE}{L.HEADER_ROW}"].value == "实际/估算 Actual/Estimated"
        assert not ws[mark].protection.locked and ws[mark].value is None  # blank: actual
        [choices] = [dv for dv in ws.data_validations.dataValidation if mark in str(dv.sqref).split()]
        assert (choices.type, choices.formula1, choices.allow_blank) == ("list", '"实际 Actual,估算 Estimated"', True)
        assert choices.errorStyle == "warning"  # a typed 'E' or '估计' is let through; esgflow reads it
    instructions = [c.value for c in wb[L.INSTRUCTIONS_SHEET]["A"] if c.value]
    assert any(str(v).startswith("8. “实际/估算”列") for v in instructions)


def test_the_mark_column_moves_no_cell_of_the_template_before_it(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    """Version 2 (sent before marks existed) is written as it was: no mark column, every other cell where it was."""
    written = {}
    for version in ("2", "3"):
        path = tmp_path / version / "SAMI_2025.xlsx"
        write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "sig", version), catalog)
        written[version] = path
    v2, v3 = (load_workbook(written[v]) for v in ("2", "3"))
    assert _named_cells(written["2"], L.ESTIMATE_SUFFIX) == {}
    for suffix in ("", L.NOTE_SUFFIX):
        old = {n: c for n, c in _named_cells(written["2"], suffix).items() if n not in L.META_NAMES}
        assert old and old == {n: c for n, c in _named_cells(written["3"], suffix).items() if n in old}
    assert v2.sheetnames == v3.sheetnames
    for sheet in v2.sheetnames[1:-1]:  # the pillars, between the instructions and the list of places
        for old_row, new_row in zip(v2[sheet].iter_rows(max_col=8), v3[sheet].iter_rows(max_col=8), strict=True):
            assert [c.value for c in old_row] == [c.value for c in new_row]
        assert v2[sheet].max_column == 8 and v3[sheet].max_column == 9
    assert not any(str(c.value).startswith("8.") for c in v2[L.INSTRUCTIONS_SHEET]["A"])


@pytest.fixture(scope="module")
def hq_template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    """The headquarters' template (every pillar, breakdowns, fuels, the split), nothing entered."""
    path = tmp_path_factory.mktemp("hq") / "HQ_2025.xlsx"
    write_template(path, TemplateRequest(registry["HQ"], parse_period("2025"), {}, "esg1-test"), catalog)
    return path


def _pillars(wb: Workbook) -> list[Worksheet]:
    registers = {t.sheet_title for t in load_catalog().tables} | {CHOICES_SHEET}  # tests/test_workbooks_registers
    return [ws for ws in wb.worksheets if ws.title not in (L.INSTRUCTIONS_SHEET, L.LOCATIONS_SHEET, *registers)]


def test_rows_are_tall_enough_for_their_wrapped_names_units_and_rules(hq_template: Path) -> None:
    for ws in _pillars(load_workbook(hq_template)):
        widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGH"}
        for row in ws.iter_rows(min_row=L.HEADER_ROW):
            wrapped = [c for c in row[:8] if c.alignment.wrap_text and isinstance(c.value, str) and c.value[:1] != "="]
            needed = max((fit.lines(c.value, widths[c.column_letter]) for c in wrapped), default=1)
            assert (ws.row_dimensions[row[0].row].height or 15) >= needed * fit.LINE_POINTS, (ws.title, row[0].row)
        tall = [r for r in ws.iter_rows(min_row=L.FIRST_ROW) if (ws.row_dimensions[r[0].row].height or 0) > 30]
        assert ws.title.startswith("治理") or tall  # some names do wrap, and their rows grew


def test_computed_rows_show_their_unit_and_stay_blank_until_a_part_is_entered(hq_template: Path) -> None:
    wb = load_workbook(hq_template)
    seen = 0
    for ws in _pillars(wb):
        for row in ws.iter_rows(min_row=L.FIRST_ROW):
            value = row[4].value
            if isinstance(value, str) and value.startswith("="):
                seen += 1
                assert value.startswith("=IF(COUNT(") and ',"",' in value, value
                assert row[3].value, (ws.title, row[0].row)  # its unit
                rule = row[7].value
                assert rule is None or rule.startswith("=IF(COUNT("), rule
    assert seen >= 4
    env = wb["环境 Environmental"]
    fuel = next(r for r in env.iter_rows(min_row=L.FIRST_ROW) if r[1].value == "燃油使用量（自动合计）")
    assert fuel[3].value == "升 L"
    social = wb["社会 Social"]
    parts = next(r for r in social.iter_rows(min_row=L.FIRST_ROW) if r[1].value == "分项合计（应等于上方合计）")
    assert parts[3].value == "人 person"


def test_required_and_optional_cells_look_different_and_a_legend_says_which_is_which(hq_template: Path) -> None:
    wb = load_workbook(hq_template)
    ws = wb["环境 Environmental"]
    _, value = next(iter(wb.defined_names["env_diesel"].destinations))
    row = int(value.split("$")[-1])
    required = ws[value.replace("$", "")].fill.fgColor.rgb
    optional = {ws[f"{col}{row}"].fill.fgColor.rgb for col in (L.COL_NOTE, L.COL_ESTIMATE)}
    assert required.endswith(INPUT_FILL.fgColor.rgb[-6:]) and optional == {OPTIONAL_FILL.fgColor.rgb}
    _, where = next(iter(wb.defined_names["env_electricity__split_1"].destinations))
    assert ws[where.replace("$", "")].fill.fgColor.rgb == OPTIONAL_FILL.fgColor.rgb  # a split is optional too
    legend = {ws[f"{c}2"].value: ws[f"{c}2"].fill.fgColor.rgb for c in "ABC"}
    assert legend == {
        "必填 Required": INPUT_FILL.fgColor.rgb,
        "选填 Optional": OPTIONAL_FILL.fgColor.rgb,
        "自动计算 Computed": SUM_FILL.fgColor.rgb,
    }
    instructions = " ".join(str(c.value) for c in wb[L.INSTRUCTIONS_SHEET]["A"] if c.value)
    assert "淡紫色单元格为选填" in instructions and "pale lilac cells are optional" in instructions


def test_every_sheet_prints_on_a4_one_page_wide_with_its_header_row_repeated(hq_template: Path) -> None:
    wb = load_workbook(hq_template)
    for ws in _pillars(wb):
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, ws.title
        assert int(ws.page_setup.fitToWidth) == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == f"${L.HEADER_ROW}:${L.HEADER_ROW}", ws.title
    instructions = wb[L.INSTRUCTIONS_SHEET]
    assert int(instructions.page_setup.fitToWidth) == 1
    assert any(str(r).startswith("A") and ":B" in str(r) for r in instructions.merged_cells.ranges)


def test_last_periods_figure_shows_with_separators_and_all_its_digits(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    prior = {"env_diesel": Decimal("297617.26"), "env_natural_gas": Decimal("5211"), "soc_employees_total": Decimal(76)}
    path = tmp_path / "HQ_2025.xlsx"
    write_template(path, TemplateRequest(registry["HQ"], parse_period("2025"), prior, "esg1-test"), catalog)
    wb = load_workbook(path)
    formats = {}
    for code in prior:
        sheet, coord = next(iter(wb.defined_names[code].destinations))
        formats[code] = wb[sheet][f"{L.COL_PRIOR}{coord.split('$')[-1]}"].number_format
    assert formats == {"env_diesel": "#,##0.00", "env_natural_gas": "#,##0", "soc_employees_total": "#,##0"}


def test_libreoffice_prints_the_template_with_every_label_whole_and_no_zero_sums(
    hq_template: Path, catalog: Catalog, registry: EntityRegistry, tmp_path: Path
) -> None:
    printed = print_workbook(hq_template, tmp_path / "pdf")
    lines = printed.lines()
    for ind in catalog.inputs_for_kind(registry["HQ"].kind):
        row = next((line for line in lines if line.startswith(ind.code + " ")), "")
        assert row, ind.code
        # a wrapped name continues on the next printed line; each piece of it is whole
        assert ind.name_zh in printed.text.replace("\n", "") or all(
            part in printed.text for part in ind.name_zh.split("（")
        ), ind.code
        assert all(word in printed.text for word in ind.name_en.split()), ind.code
    sums = [line for line in lines if "分项合计" in line or "自动合计" in line]
    assert len(sums) >= 4
    assert all("0" not in line.replace("2025", "") and "✓" not in line for line in sums), sums
    assert "必填 Required 选填 Optional 自动计算 Computed" in printed.text.replace("  ", " ") or all(
        word in printed.text for word in ("必填 Required", "选填 Optional", "自动计算 Computed")
    )
    page = next(n for n, text in enumerate(printed.pages, 1) if "env_diesel" in text)
    picture(printed, page, artefacts(tmp_path) / "template.png")


def test_the_layout_is_read_from_the_templates_folder(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """templates/layout.yaml gives the instructions and the widths: changing them needs no Python."""
    layout = yaml.safe_load((ROOT / "templates" / "layout.yaml").read_text("utf-8"))
    path = tmp_path / "SAMI_2025.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    wb = load_workbook(path)
    lines = [c.value for row in wb[L.INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value]
    assert all(i["zh"] in lines and i["en"] in lines for i in layout["instructions"])
    assert wb[L.INSTRUCTIONS_SHEET].column_dimensions["B"].width == layout["instructions_widths"]["B"]
    pillar = wb[L.sheet_title(catalog, "env")]
    assert [pillar.column_dimensions[c].width for c in "ABC"] == layout["pillar_widths"][:3]
    assert pillar[f"{L.COL_VALUE}{L.FIRST_ROW}"].fill.fgColor.rgb.endswith(layout["fills"]["input"])


@pytest.fixture
def edited_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of templates/layout.yaml that a test edits; the template reads it instead, no Python changed."""
    layout = yaml.safe_load((ROOT / "templates" / "layout.yaml").read_text("utf-8"))

    def use(edit) -> None:
        edit(layout)
        copy = tmp_path / "layout.yaml"
        copy.write_text(yaml.safe_dump(layout, allow_unicode=True), "utf-8")
        monkeypatch.setattr(L, "LAYOUT_FILE", copy)
        L.assets.cache_clear()

    yield use
    L.assets.cache_clear()


def test_a_heading_a_width_a_label_and_the_print_set_up_change_with_the_data_alone(
    catalog: Catalog, registry: EntityRegistry, tmp_path: Path, edited_layout
) -> None:
    def edit(layout: dict) -> None:
        layout["pillar_columns"][6] = {"zh": "备注", "en": "Remark"}
        layout["pillar_widths"][1] = 52
        layout["labels"]["deadline"] = {"zh": "交回日期", "en": "Due"}
        layout["legend"][0] = {"zh": "必须填写", "en": "Must fill"}
        layout["print"]["margins"]["left"] = 0.7
        layout["print"]["orientation"]["pillars"] = "portrait"
        layout["sheets"] = ["pillars", "instructions"]

    edited_layout(edit)
    path = tmp_path / "SAMI_2025.xlsx"
    req = TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test", deadline=date(2026, 1, 31))
    write_template(path, req, catalog)
    wb = load_workbook(path)
    pillar = wb[L.sheet_title(catalog, "env")]
    assert pillar[f"{L.COL_NOTE}{L.HEADER_ROW}"].value == "备注 Remark"
    assert pillar.column_dimensions["B"].width == 52 and pillar["A2"].value == "必须填写 Must fill"
    assert pillar.page_margins.left == 0.7 and pillar.page_setup.orientation == "portrait"
    assert wb.sheetnames[-1] == L.INSTRUCTIONS_SHEET and L.LOCATIONS_SHEET not in wb.sheetnames
    assert ["交回日期 Due", "2026-01-31"] in [list(r[:2]) for r in wb[L.INSTRUCTIONS_SHEET].iter_rows(values_only=True)]


def test_the_templates_column_headings_are_the_glossarys_words(hq_template: Path) -> None:
    pillar = _pillars(load_workbook(hq_template))[0]
    headings = [c.value for c in pillar[L.HEADER_ROW]]
    for key in ("code", "unit", "note", "requirement"):
        assert " ".join(glossary.COLUMNS[key]) in headings
    source = (ROOT / "esgflow" / "workbooks" / "template.py").read_text("utf-8")
    assert not [zh for zh, _ in glossary.COLUMNS.values() if f'"{zh}' in source]  # no heading is a literal there


def test_the_template_names_its_deadline_and_whom_to_ask(templates: dict[str, Path], sqlite_settings: Settings) -> None:
    wb = load_workbook(templates["SAMI"])
    rows = {str(r[0]): r[1] for r in wb[L.INSTRUCTIONS_SHEET].iter_rows(values_only=True) if r[0]}
    assert rows["截止日期 Deadline"] == "2026-01-31"  # no cycle opened: 31 January after the period
    assert rows["咨询 Questions to"] == sqlite_settings.office_contact
    assert sqlite_settings.portal_url in sqlite_settings.office_contact  # no mail server: the office in the portal


def test_the_four_waste_routes_say_beside_their_names_that_they_exclude_construction_waste(
    hq_template: Path, catalog: Catalog
) -> None:
    wb = load_workbook(hq_template)
    routes = ("env_waste_recycled", "env_waste_landfilled", "env_waste_incinerated", "env_waste_hazardous_licensed")
    zh_word, en_word = glossary.EXCLUDING
    for code in routes:
        sheet, coord = next(iter(wb.defined_names[code].destinations))
        row = int(coord.split("$")[-1])
        zh, en = wb[sheet][f"{L.COL_NAME_ZH}{row}"].value, wb[sheet][f"{L.COL_NAME_EN}{row}"].value
        assert zh == f"{catalog[code].name_zh}（{zh_word}建筑垃圾）", zh
        assert en == f"{catalog[code].name_en} ({en_word} construction waste)", en
    # construction waste is asked on its own row, under its own name
    sheet, coord = next(iter(wb.defined_names["env_waste_construction"].destinations))
    assert wb[sheet][f"{L.COL_NAME_ZH}{coord.split('$')[-1]}"].value == "建筑垃圾"
