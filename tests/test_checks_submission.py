"""Checks on returns before anything of them is loaded: their metadata against what the warehouse knows,
and the submission suite over a whole batch."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from esgflow.catalog import Catalog, load_catalog
from esgflow.checks.gx_run import Validator, validator_for
from esgflow.checks.submission import Known, identity_findings, validate_returns
from esgflow.demo.group import demo_inputs
from esgflow.entities import EntityRegistry
from esgflow.findings import Finding, Refused
from esgflow.intake.stage import stage, unit_factors
from esgflow.periods import Period, parse_period
from esgflow.workbooks.formats import in_language
from esgflow.workbooks.returns import ParsedReturn, ReportedValue
from esgflow.workbooks.signing import signature

META_CELLS = {
    "meta_entity": ("Instructions", "C3"),
    "meta_period": ("Instructions", "C4"),
    "meta_signature": ("Instructions", "C6"),
}
KEY = b"a key for tests only"
KINDS = {"HQ": "headquarters", "SAMI": "design_institute", "GAMI": "design_institute", "BR-LY": "branch"}

CURRENT = load_catalog().template_version


def _return(
    entity: str,
    period: str,
    values: dict[str, str | None],
    file: str | None = None,
    notes: dict[str, str] | None = None,
    findings: list[Finding] | None = None,
    catalog: Catalog | None = None,
    signed_as: tuple[str, str] | None = None,
) -> ParsedReturn:
    """A parsed return: values as written in the template's units, each in its own cell of sheet 'Data'."""
    units = {} if catalog is None else {code: catalog[code].input_unit or catalog[code].unit for code in values}
    reported = [
        ReportedValue(
            code,
            None if text is None else Decimal(text),
            units.get(code, ""),
            "Data",
            f"D{row}",
            text,
            (notes or {}).get(code),
        )
        for row, (code, text) in enumerate(values.items(), start=5)
    ]
    signed = signature(KEY, *(signed_as or (entity, period)), CURRENT)
    return ParsedReturn(
        file or f"{entity}_{period}.xlsx", entity, period, CURRENT, reported, findings or [], META_CELLS, signed
    )


def _known(open_periods: set[str] | None = None, members: dict[str, set[str]] | None = None) -> Known:
    in_group = members if members is not None else {"2024": set(KINDS)}
    return Known(
        kinds=dict(KINDS),
        open_periods={"2024"} if open_periods is None else open_periods,
        members=lambda p: in_group.get(p.code, set()),
        key=KEY,
    )


def _refusal(ret: ParsedReturn, known: Known, catalog: Catalog) -> Finding:
    with pytest.raises(Refused) as refused:
        identity_findings(ret, known, catalog)
    return refused.value.finding


# --- identity_findings ---------------------------------------------------------------------------


def test_a_return_of_a_known_entity_for_an_open_period_has_no_identity_findings(catalog: Catalog) -> None:
    assert identity_findings(_return("SAMI", "2024", {"env_diesel": "5"}), _known(), catalog) == []


def test_a_return_of_an_unknown_entity_is_refused_at_its_meta_entity_cell(catalog: Catalog) -> None:
    finding = _refusal(_return("NOPE", "2024", {"env_diesel": "5"}), _known(), catalog)
    assert (finding.rule, finding.severity) == ("wrong_metadata", "error")
    assert (finding.file, finding.sheet, finding.cell) == ("NOPE_2024.xlsx", "Instructions", "C3")
    assert "'NOPE' is not an entity of the group" in finding.message


@pytest.mark.parametrize("signed_as", [("GAMI", "2024"), ("SAMI", "2023")])
def test_a_return_whose_identity_was_edited_is_refused_naming_its_cells(
    catalog: Catalog, signed_as: tuple[str, str]
) -> None:
    # GAMI's template (or SAMI's of last year) with meta_entity/meta_period typed over, e.g. after lifting protection
    finding = _refusal(_return("SAMI", "2024", {"env_diesel": "5"}, signed_as=signed_as), _known(), catalog)
    assert (finding.rule, finding.file, finding.sheet, finding.cell) == (
        "identity_not_signed",
        "SAMI_2024.xlsx",
        "Instructions",
        "C3",
    )
    assert "'Instructions'!C3" in finding.message and "'Instructions'!C4" in finding.message
    assert "the signature in 'Instructions'!C6" in finding.message


def test_a_return_without_a_signature_or_signed_with_another_key_is_refused(catalog: Catalog) -> None:
    unsigned = replace(_return("SAMI", "2024", {"env_diesel": "5"}), signature=None)
    assert "do not match any signature (meta_signature)" in _refusal(unsigned, _known(), catalog).message
    other_key = replace(_known(), key=b"another office's key")
    assert _refusal(_return("SAMI", "2024", {"env_diesel": "5"}), other_key, catalog).rule == "identity_not_signed"


def test_a_file_named_for_another_entity_is_refused(catalog: Catalog) -> None:
    finding = _refusal(_return("SAMI", "2024", {"env_diesel": "5"}, file="GAMI_2024.xlsx"), _known(), catalog)
    assert finding.rule == "wrong_metadata" and (finding.sheet, finding.cell) == META_CELLS["meta_entity"]
    assert finding.message == "the file name says GAMI but the workbook's meta_entity is SAMI"


@pytest.mark.parametrize("file", ["SAMI_2023.xlsx", "SAMI_2024-Q1.xlsx", "SAMI_2023 (1).xlsx"])
def test_a_file_named_for_another_period_is_refused(catalog: Catalog, file: str) -> None:
    finding = _refusal(_return("SAMI", "2024", {"env_diesel": "5"}, file=file), _known(), catalog)
    assert finding.rule == "wrong_metadata" and (finding.sheet, finding.cell) == META_CELLS["meta_period"]
    assert "but the workbook's meta_period is 2024" in finding.message


@pytest.mark.parametrize(
    "file",
    ["SAMI_2024 (1).xlsx", "SAMI_2024_v2.xlsx", "SAMI_final.xlsx", "SAMI.xlsx", "our return.xlsx", "return_2023.xlsx"],
)
def test_a_file_name_that_does_not_contradict_the_metadata_is_taken(catalog: Catalog, file: str) -> None:
    assert identity_findings(_return("SAMI", "2024", {"env_diesel": "5"}, file=file), _known(), catalog) == []


def test_a_return_for_a_period_not_open_is_refused(catalog: Catalog) -> None:
    finding = _refusal(_return("SAMI", "2025", {"env_diesel": "5"}), _known(), catalog)
    assert (finding.sheet, finding.cell) == META_CELLS["meta_period"]
    assert finding.message == (
        "this is the template of 2025, which is not open for collection; returns are collected now for 2024: "
        "fill in the template of 2024 (from the portal or the ESG office)"
    )
    # said to a Chinese-speaking reporter in Chinese, naming both years
    assert in_language(finding.message, "zh").startswith(
        "这是 2025 报告期的模板，该报告期目前不接收填报；现在接收的是 2024"
    )
    nothing_open = _refusal(_return("SAMI", "2025", {"env_diesel": "5"}), _known(open_periods=set()), catalog)
    assert "no period is open now" in nothing_open.message and "现在也没有" in in_language(nothing_open.message, "zh")


def test_a_return_of_an_entity_not_in_the_group_in_that_period_is_refused(catalog: Catalog) -> None:
    asked: list[Period] = []
    in_group = {"2023": {"HQ", "SAMI", "GAMI"}, "2024": {"HQ", "SAMI"}}

    def members(period: Period) -> set[str]:
        asked.append(period)
        return in_group[period.code]

    known = Known(kinds=dict(KINDS), open_periods={"2023", "2024"}, members=members, key=KEY)
    assert identity_findings(_return("GAMI", "2023", {"env_diesel": "5"}), known, catalog) == []
    finding = _refusal(_return("GAMI", "2024", {"env_diesel": "5"}), known, catalog)
    assert (finding.sheet, finding.cell) == META_CELLS["meta_entity"]
    assert finding.message == "GAMI is not part of the group in 2024"
    assert asked == [parse_period("2023"), parse_period("2024")]


def test_figures_not_for_the_entitys_kind_are_errors_at_their_cells(catalog: Catalog) -> None:
    # econ_revenue is reported by the group only; env_exhaust_gas by construction, equipment and engineering
    values = {"env_diesel": "5", "econ_revenue": "100", "env_exhaust_gas": "7"}
    found = identity_findings(_return("SAMI", "2024", values, file="SAMI_2024.xlsx"), _known(), catalog)
    assert [(f.rule, f.severity, f.indicators, f.file, f.sheet, f.cell) for f in found] == [
        ("indicator_not_for_entity", "error", ("econ_revenue",), "SAMI_2024.xlsx", "Data", "D6"),
        ("indicator_not_for_entity", "error", ("env_exhaust_gas",), "SAMI_2024.xlsx", "Data", "D7"),
    ]
    assert found[0].message == "econ_revenue is not reported by a design institute; this is another entity's template"


def test_what_one_kind_may_not_report_another_may(catalog: Catalog) -> None:
    assert identity_findings(_return("HQ", "2024", {"econ_revenue": "100"}), _known(), catalog) == []
    [branch] = identity_findings(_return("BR-LY", "2024", {"econ_rd_investment": "1"}), _known(), catalog)
    assert branch.indicators == ("econ_rd_investment",) and "a branch" in branch.message


# --- validate_returns ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def validator(home: Path, catalog: Catalog) -> Validator:
    """The home's validator, made once: validate_returns finds it by its home."""
    return validator_for(home, catalog)


@pytest.fixture(scope="module")
def demo(catalog: Catalog, registry: EntityRegistry) -> dict[str, dict[str, str]]:
    """Each entity's complete, consistent 2024 demo figures, as written in the template's units."""
    return {
        entity: {code: str(v) for code, v in values.items()}
        for entity, values in demo_inputs(catalog, registry, parse_period("2024")).items()
    }


@pytest.fixture(scope="module")
def kinds(registry: EntityRegistry) -> dict[str, str]:
    return {e.code: e.kind for e in registry.entities}


NO_PRIOR = pl.DataFrame(schema={"entity": pl.Utf8, "indicator": pl.Utf8, "prior": pl.Float64})


def _validate(
    returns: dict[int, ParsedReturn],
    kinds: dict[str, str],
    catalog: Catalog,
    home: Path,
    prior: pl.DataFrame = NO_PRIOR,
) -> dict[int, list[Finding]]:
    staged = stage(list(returns.values()), unit_factors(catalog), keys=list(returns))
    return validate_returns(returns, staged, kinds, prior, catalog, home)


def _places(findings: list[Finding]) -> set[tuple[str, str, str | None, str | None, str | None]]:
    return {(f.rule, f.indicators[0], f.file, f.sheet, f.cell) for f in findings}


def _cell(ret: ParsedReturn, code: str) -> str:
    return next(r.cell for r in ret.reported if r.code == code)


def test_complete_consistent_returns_have_no_findings(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    returns = {
        3: _return("SAMI", "2024", demo["SAMI"], catalog=catalog),
        8: _return("HQ", "2024", demo["HQ"], catalog=catalog),
    }
    assert _validate(returns, kinds, catalog, home) == {}


def test_findings_come_back_per_return_key_at_their_cells(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    broken = {
        **demo["GAMI"],
        "env_diesel": "-1",
        "env_gasoline": None,  # left blank
        "env_office_water": str(Decimal(demo["GAMI"]["env_water_total"]) + 10),  # more than all the water
    }
    returns = {
        10: _return("SAMI", "2024", demo["SAMI"], catalog=catalog),
        20: _return("GAMI", "2024", broken, file="GAMI_2024 (2).xlsx", catalog=catalog),
    }
    found = _validate(returns, kinds, catalog, home)
    assert set(found) == {20}
    gami = returns[20]
    assert _places(found[20]) == {
        ("range", "env_diesel", "GAMI_2024 (2).xlsx", "Data", _cell(gami, "env_diesel")),
        ("required", "env_gasoline", "GAMI_2024 (2).xlsx", "Data", _cell(gami, "env_gasoline")),
        ("part_not_above_whole", "env_office_water", "GAMI_2024 (2).xlsx", "Data", _cell(gami, "env_office_water")),
    }
    assert all(f.severity == "error" for f in found[20])


def test_a_required_figure_missing_from_the_workbook_has_no_cell(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    without = {code: v for code, v in demo["BR-LY"].items() if code != "env_natural_gas"}
    found = _validate({0: _return("BR-LY", "2024", without, catalog=catalog)}, kinds, catalog, home)
    assert _places(found[0]) == {("required", "env_natural_gas", "BR-LY_2024.xlsx", None, None)}


def test_a_note_explains_a_missing_figure(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    values = {**demo["BR-LY"], "env_natural_gas": None}
    ret = _return("BR-LY", "2024", values, notes={"env_natural_gas": "no gas supply 无天然气"}, catalog=catalog)
    assert _validate({0: ret}, kinds, catalog, home) == {}


def test_a_cell_that_could_not_be_read_is_not_also_reported_missing(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    unreadable = Finding(
        rule="text_in_number_cell",
        severity="error",
        message="'five' is not a number",
        indicators=("env_diesel",),
        sheet="Data",
        cell="D9",
    )
    values = {**demo["SAMI"], "env_diesel": None}
    ret = _return("SAMI", "2024", values, findings=[unreadable], catalog=catalog)
    assert _validate({0: ret}, kinds, catalog, home) == {}


def test_a_large_change_from_last_period_needs_a_note(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    diesel = float(demo["SAMI"]["env_diesel"])  # L, asked and reported alike
    prior = pl.DataFrame(
        [("SAMI", "env_diesel", diesel / 2), ("GAMI", "env_diesel", diesel / 2)],
        schema={"entity": pl.Utf8, "indicator": pl.Utf8, "prior": pl.Float64},
        orient="row",
    )
    ret = _return("SAMI", "2024", demo["SAMI"], catalog=catalog)
    [warning] = _validate({0: ret}, kinds, catalog, home, prior)[0]
    assert (warning.rule, warning.severity, warning.indicators) == ("yoy_change_needs_note", "warning", ("env_diesel",))
    assert warning.cell == _cell(ret, "env_diesel")
    noted = _return("SAMI", "2024", demo["SAMI"], notes={"env_diesel": "两个新工地 two new sites"}, catalog=catalog)
    assert _validate({0: noted}, kinds, catalog, home, prior) == {}


def test_returns_of_unknown_entities_are_left_to_the_identity_check(
    validator: Validator, demo: dict[str, dict[str, str]], kinds: dict[str, str], catalog: Catalog, home: Path
) -> None:
    returns = {
        1: _return("NOPE", "2024", {"env_diesel": "-1"}, catalog=catalog),
        2: _return("SAMI", "2024", {**demo["SAMI"], "env_diesel": "-1"}, catalog=catalog),
    }
    found = _validate(returns, kinds, catalog, home)
    assert set(found) == {2} and {f.rule for f in found[2]} == {"range"}


def test_a_batch_of_unknown_entities_runs_no_validation(
    kinds: dict[str, str], catalog: Catalog, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    returns = {0: _return("NOPE", "2024", {"env_diesel": "-1"}, catalog=catalog)}
    assert _validate(returns, kinds, catalog, fresh) == {}
    assert not fresh.exists()
