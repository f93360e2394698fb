"""A part a formula takes away from its whole, given with that whole blank, is warned at the part's cell."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog, load_catalog
from esgflow.checks.gx_run import validator_for
from esgflow.checks.rules import wording
from esgflow.checks.submission import validate_returns
from esgflow.demo.group import demo_inputs
from esgflow.entities import EntityRegistry
from esgflow.figures.formulas import parts_needing_whole
from esgflow.findings import Finding
from esgflow.intake.stage import stage, unit_factors
from esgflow.periods import parse_period
from esgflow.workbooks.returns import ParsedReturn, ReportedValue

PARTS = ("env_diesel_mobile", "env_diesel_offroad", "env_electricity_green")
NO_PRIOR = pl.DataFrame(schema={"entity": pl.Utf8, "indicator": pl.Utf8, "prior": pl.Float64})


def _return(values: dict[str, str | None], notes: dict[str, str], catalog: Catalog) -> ParsedReturn:
    reported = [
        ReportedValue(
            code,
            None if text is None else Decimal(text),
            catalog[code].input_unit or catalog[code].unit,
            "Data",
            f"D{row}",
            text,
            notes.get(code),
        )
        for row, (code, text) in enumerate(values.items(), start=5)
    ]
    return ParsedReturn("SAMI_2024.xlsx", "SAMI", "2024", catalog.template_version, reported, [], {}, "")


@pytest.fixture(scope="module")
def judged(
    catalog: Catalog, registry: EntityRegistry, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[int, ParsedReturn], dict[int, list[Finding]]]:
    home: Path = tmp_path_factory.mktemp("home")
    validator_for(home, catalog)
    sami = {code: str(v) for code, v in demo_inputs(catalog, registry, parse_period("2024"))["SAMI"].items()}
    sami |= {"env_diesel_mobile": "800", "env_diesel_offroad": "300", "env_electricity_green": "1000"}
    notes = {c: "无 none" for c in ("env_diesel", "env_diesel_mobile", "env_electricity")}  # not 'required' findings
    returns = {
        1: _return(sami, {}, catalog),
        2: _return(sami | {"env_diesel": None}, notes, catalog),  # vehicles' diesel without all the diesel
        3: _return(sami | {"env_diesel_mobile": None, "env_electricity": None}, notes, catalog),
        4: _return(sami | dict.fromkeys(PARTS), {}, catalog),  # the wholes alone
        5: _return(sami | {"env_diesel": None}, {}, catalog),  # all the diesel missing, and not explained
    }
    staged = stage(list(returns.values()), unit_factors(catalog), keys=list(returns))
    kinds = {e.code: e.kind for e in registry.entities}
    return returns, validate_returns(returns, staged, kinds, NO_PRIOR, catalog, home)


def test_the_parts_a_formula_subtracts_from_a_typed_whole_are_read_from_the_catalog() -> None:
    assert parts_needing_whole(load_catalog()) == [
        "env_diesel_mobile",  # stationary = all diesel - the vehicles' diesel
        "env_diesel_offroad",  # the off-road litres swap the road CH4 and N2O of the mobile diesel
        "env_electricity_green",  # market-based Scope 2 = all electricity - green electricity
        "env_gasoline_mobile",
        "env_gasoline_offroad",
    ]  # not the water discharge: withdrawal is added up from its sources, complete only when all are given


def test_a_part_given_with_its_whole_blank_is_warned_at_the_parts_cell_and_nothing_else_is(
    judged: tuple[dict[int, ParsedReturn], dict[int, list[Finding]]],
) -> None:
    returns, found = judged
    rules = {key: [f for f in fs if f.rule == "part_without_whole"] for key, fs in found.items()}
    assert not rules.get(1) and not rules.get(4)  # both given, or the whole alone: nothing to say
    cells = {key: {r.code: r.cell for r in ret.reported} for key, ret in returns.items()}
    assert sorted((f.indicators, f.sheet, f.cell, f.severity) for f in rules[2]) == [
        (("env_diesel_mobile", "env_diesel"), "Data", cells[2]["env_diesel_mobile"], "warning"),
    ]
    assert sorted((f.indicators, f.sheet, f.cell, f.severity) for f in rules[3]) == [
        (("env_diesel_offroad", "env_diesel_mobile"), "Data", cells[3]["env_diesel_offroad"], "warning"),
        (("env_electricity_green", "env_electricity"), "Data", cells[3]["env_electricity_green"], "warning"),
    ]
    # a required whole left blank without a note is refused as missing already: said once, at the whole
    assert [(f.rule, f.indicators) for f in found[5]] == [("required", ("env_diesel",))]
    assert "env_diesel (Diesel" in rules[2][0].message
    assert wording("part_without_whole", "zh") == (
        "填写了分项但合计为空",
        "请填写合计（含该分项）；如确无此项，请将分项也留空。",
    )


def test_the_chinese_letter_names_the_blank_whole_beside_the_part(
    judged: tuple[dict[int, ParsedReturn], dict[int, list[Finding]]], catalog: Catalog, registry: EntityRegistry
) -> None:
    from esgflow.feedback.letter import Judged, render_letter

    [finding] = [f for f in judged[1][2] if f.rule == "part_without_whole"]
    text = render_letter(
        Judged(registry["SAMI"], "2024", 1, "SAMI_2024.xlsx", "accepted_with_warnings", [finding], {}), catalog
    )
    assert "问题：填写了分项但合计为空" in text
    assert f"合计（{catalog['env_diesel'].name_zh}）：未填写" in text
    assert "请填写合计（含该分项）；如确无此项，请将分项也留空。" in text
