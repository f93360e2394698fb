"""Row conditions as masked columns: the figure on the rows a rule applies to, nothing elsewhere."""

from __future__ import annotations

import polars as pl
import pytest

from esgflow.checks.conditions import condition_expr, masked, only, with_conditions

FRAME = pl.DataFrame(
    {
        "row": ["figure", "figure", "breakdown", "figure"],
        "indicator": ["env_diesel", "soc_new_hires", "env_diesel", None],
        "value": [1.0, None, 3.0, 4.0],
        "text": ["1", None, "3", "x"],
        "has_note": [False, True, False, None],
    }
)


def test_each_kind_of_part_selects_the_rows_pandas_query_did() -> None:
    def rows(condition: str) -> list[bool]:
        return FRAME.select(condition_expr(condition))[:, 0].to_list()

    assert rows('row == "figure"') == [True, True, False, True]
    assert rows("not has_note") == [True, False, True, True]  # a missing flag is not a note
    assert rows("text == text") == [True, False, True, True]  # pandas' idiom for present
    assert rows("indicator in ['env_diesel']") == [True, False, True, False]
    assert rows('row == "figure" and not has_note and text == text') == [True, False, False, True]
    with pytest.raises(ValueError, match="does not know"):
        condition_expr("value > 3")


def test_a_masked_column_holds_the_figure_on_its_rows_and_nothing_or_zero_elsewhere() -> None:
    plain, zero = only("value", 'row == "figure"'), only("value", 'row == "figure"', filled=True)
    out = with_conditions(FRAME, [plain, zero, "value", plain])
    assert out[plain].to_list() == [1.0, None, None, 4.0]
    assert out[zero].to_list() == [1.0, None, 0.0, 4.0]  # a blank on its rows stays blank
    assert out.columns == [*FRAME.columns, plain, zero]
    assert masked("value") is None


def test_a_masked_column_over_a_missing_column_is_left_out_for_its_expectation_to_fail() -> None:
    name = only("text", "text == text")
    assert name not in with_conditions(FRAME.drop("text"), [name]).columns
