"""Findings (esgflow.findings): where they point, their line, their JSON, and refusing a file."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from esgflow import EsgflowError
from esgflow.findings import Finding, Refused, refuse


def _finding(**where: str | None) -> Finding:
    return Finding("range", "error", "diesel is negative", ("env_diesel",), **where)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"file": "SAMI_2025.xlsx", "sheet": "环境", "cell": "D5"}, "SAMI_2025.xlsx, '环境'!D5"),
        ({"sheet": "环境", "cell": "D5"}, "'环境'!D5"),
        ({"file": "SAMI_2025.xlsx", "sheet": "环境"}, "SAMI_2025.xlsx, 环境"),
        ({"file": "SAMI_2025.xlsx"}, "SAMI_2025.xlsx"),
        ({}, ""),
    ],
)
def test_where_says_file_sheet_and_cell_as_far_as_known(where: dict[str, str], expected: str) -> None:
    assert _finding(**where).where == expected


def test_line_puts_the_place_before_the_message_and_the_rule_after() -> None:
    placed = _finding(file="SAMI_2025.xlsx", sheet="环境", cell="D5")
    assert placed.line() == "SAMI_2025.xlsx, '环境'!D5: diesel is negative [range]"
    assert _finding().line() == "diesel is negative [range]"


def test_to_json_is_serialisable_and_complete() -> None:
    finding = Finding(
        "derived_recomputed",
        "warning",
        "the energy total differs",
        ("env_energy_total", "env_diesel"),
        entity="HQ",
        period="2024",
        sheet="环境",
        cell="D9",
        expected=Decimal("0.0175"),
        actual=Decimal("0.0192"),
        found="0.0192",
    )
    data = finding.to_json()
    assert data == {
        "period": "2024",
        "rule": "derived_recomputed",
        "severity": "warning",
        "indicators": ["env_energy_total", "env_diesel"],
        "entity": "HQ",
        "message": "the energy total differs",
        "expected": 0.0175,
        "actual": 0.0192,
        "file": None,
        "sheet": "环境",
        "cell": "D9",
    }
    assert json.loads(json.dumps(data)) == data


def test_to_json_keeps_missing_numbers_as_null() -> None:
    data = _finding().to_json()
    assert (data["expected"], data["actual"]) == (None, None)


def test_the_text_found_in_the_cell_does_not_tell_findings_apart() -> None:
    assert _finding(cell="D5", found="-1") == _finding(cell="D5", found="−1")
    assert _finding(cell="D5") != _finding(cell="D6")


def test_refuse_makes_an_error_to_raise_with_its_finding() -> None:
    refused = refuse("macro_workbook", "the workbook holds macros", file="SAMI_2025.xlsm", sheet="环境", cell="A1")
    assert isinstance(refused, Refused) and isinstance(refused, EsgflowError)
    assert refused.finding == Finding(
        "macro_workbook", "error", "the workbook holds macros", file="SAMI_2025.xlsm", sheet="环境", cell="A1"
    )
    assert str(refused) == "SAMI_2025.xlsm, '环境'!A1: the workbook holds macros [macro_workbook]"
    with pytest.raises(Refused, match=r"\[macro_workbook\]"):
        raise refused
