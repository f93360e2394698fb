"""The actual/estimated mark of a figure: every accepted spelling, blank as actual, anything else an error."""

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.rules import wording
from esgflow.workbooks.estimates import ACTUAL, CHOICES, ESTIMATED, read_mark
from esgflow.workbooks.reader import RawCell


def _cell(text: str | None, kind: str = "str") -> RawCell:
    return RawCell("环境 Environmental", "I12", kind, text, False)


@pytest.mark.parametrize(
    "text",
    ["actual", "Actual", " ACTUAL ", "A", "a", "实际", " 实际 ", ACTUAL, "实际/Actual", "ａｃｔｕａｌ"],
)
def test_each_spelling_of_actual_reads_as_actual(catalog: Catalog, text: str) -> None:
    assert read_mark(_cell(text), catalog["env_diesel"], "SAMI_2025.xlsx") == (False, None)


@pytest.mark.parametrize(
    "text",
    ["estimated", "Estimated", "ESTIMATED ", "E", " e", "估算", "估计", ESTIMATED, "估算/Estimated", "Ｅ"],
)
def test_each_spelling_of_estimated_reads_as_estimated(catalog: Catalog, text: str) -> None:
    assert read_mark(_cell(text), catalog["env_diesel"], "SAMI_2025.xlsx") == (True, None)


def test_the_drop_down_offers_actual_then_estimated() -> None:
    assert CHOICES == ("实际 Actual", "估算 Estimated")


@pytest.mark.parametrize("cell", [None, RawCell("环境 Environmental", "I12", "", None, False), _cell("   ")])
def test_a_missing_or_blank_mark_is_actual(catalog: Catalog, cell: RawCell | None) -> None:
    assert read_mark(cell, catalog["env_diesel"], "SAMI_2025.xlsx") == (False, None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("maybe", "str"),
        ("est.", "str"),
        ("A/E", "str"),
        ("实际 Estimated", "str"),
        ("1", "n"),
        ("1", "b"),
        ("#N/A", "e"),
    ],
)
def test_anything_else_is_an_error_naming_file_sheet_cell_and_rule(catalog: Catalog, text: str, kind: str) -> None:
    estimated, finding = read_mark(_cell(text, kind), catalog["env_diesel"], "SAMI_2025.xlsx")
    assert estimated is False and finding is not None
    assert (finding.rule, finding.severity, finding.indicators) == ("estimate_mark", "error", ("env_diesel",))
    assert (finding.file, finding.sheet, finding.cell, finding.found) == (
        "SAMI_2025.xlsx",
        "环境 Environmental",
        "I12",
        text,
    )
    assert finding.message.startswith(
        f"env_diesel (Diesel consumption): the mark {text!r} is neither actual nor estimated"
    )
    assert finding.line().startswith("SAMI_2025.xlsx, '环境 Environmental'!I12: env_diesel")


def test_a_bad_mark_is_worded_in_both_languages() -> None:
    assert wording("estimate_mark", "zh") == (
        "实际/估算标记无法识别",
        "请在“实际/估算”列选择“实际 Actual”或“估算 Estimated”（也可填写 实际、估算、估计、A、E）；实际数可留空。",
    )
    assert wording("estimate_mark", "en")[0] == "Actual/estimated mark not recognised"
