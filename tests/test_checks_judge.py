"""The polars judge gives the failures Great Expectations gives, row by row, on the suites' own
expectations and on edge cases of every expectation type the suites use."""

from __future__ import annotations

import math
import os
from typing import Any

import polars as pl
import pytest

from esgflow.catalog import Catalog
from esgflow.checks.conditions import Expectation, with_conditions
from esgflow.checks.gx_run import _to_pandas, failures_of
from esgflow.checks.judge import CannotJudge, Failure, judge
from esgflow.checks.suites import gx_expectation, plain_suites

NAN, INF = math.nan, math.inf

# Edge values: None and NaN, infinities, bounds met exactly, a regex that matches inside the text.
EDGE = pl.DataFrame(
    {
        "row_id": list(range(10)),
        "row": ["figure", "figure", "breakdown", "figure", "figure", "figure", "derived", "figure", "figure", "x"],
        "has_note": [False, True, None, False, False, False, False, True, False, False],
        "value": [0.0, 100.0, None, NAN, -0.5, INF, 100.000001, -INF, 50.0, 3.0],
        "bound": [1.0, None, None, 2.0, NAN, INF, 5.0, 1.0, 50.0, None],
        "slip": [3.0, -3.0, None, 1.0, NAN, 0.0, 4.0, -1.0, None, 3.0],
        "text": ["12", "12abc", None, "", "1e5", "-3", " 7", "x9", "1.5", "٣"],
    },
    schema_overrides={"row_id": pl.Int64},
)


def _e(kind: str, rule: str, **kwargs: Any) -> Expectation:
    return Expectation(f"expect_column_{kind}", kwargs, {"rule": rule, "severity": "error"})


EDGE_SUITE = [
    _e("values_to_not_be_null", "not_null", column="value"),
    _e("values_to_not_be_null", "not_null_masked", column='value where row == "figure" and not has_note else 0'),
    _e("values_to_be_null", "be_null", column='value where row == "figure"'),
    _e("values_to_be_between", "between", column="value", min_value=0, max_value=100),
    _e("values_to_be_between", "between_low", column="value", min_value=0.0, max_value=None),
    _e("values_to_be_between", "between_strict", column="value", min_value=0, max_value=100, strict_min=True),
    _e("values_to_be_between", "between_strict_max", column="value", min_value=None, max_value=100, strict_max=True),
    _e("values_to_match_regex", "regex", column="text", regex=r"\d+"),
    _e("values_to_match_regex", "regex_whole", column="text", regex=r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$"),
    _e("values_to_match_regex", "regex_masked", column='text where row == "figure" and text == text', regex=r"^\d"),
    _e("values_to_not_be_in_set", "not_in_set", column='slip where row == "figure"', value_set=[3.0, -3.0]),
    _e("values_to_not_be_in_set", "not_in_set_plain", column="slip", value_set=[1.0, -1.0, 4.0]),
    _e("pair_values_a_to_be_greater_than_b", "pair_default", column_A="bound", column_B="value"),
    _e("pair_values_a_to_be_greater_than_b", "pair_or_equal", column_A="bound", column_B="value", or_equal=True),
    _e(
        "pair_values_a_to_be_greater_than_b",
        "pair_either",
        column_A="bound",
        column_B='value where row == "figure"',
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    ),
    _e(
        "pair_values_a_to_be_greater_than_b",
        "pair_neither",
        column_A="bound",
        column_B="value",
        ignore_row_if="neither",
    ),
]


@pytest.fixture(scope="module")
def gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx.get_context(mode="ephemeral")


def gx_failures(context: Any, plain: list[Expectation], frame: pl.DataFrame, name: str) -> list[Failure]:
    """What Great Expectations finds: one real validation of the same expectations on the same frame."""
    import great_expectations as gx

    asset = context.data_sources.add_pandas(name).add_dataframe_asset(name)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[gx_expectation(e) for e in plain]))
    definition = gx.ValidationDefinition(
        name=name, data=asset.add_batch_definition_whole_dataframe("whole"), suite=suite
    )
    batch = _to_pandas(with_conditions(frame, [c for e in plain for c in e.columns]))
    result = definition.run(
        batch_parameters={"dataframe": batch},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    )
    return failures_of(result)


def _key(failures: list[Failure]) -> list[tuple[str, int]]:
    return sorted((f.rule, f.row_id) for f in failures)


def test_the_judge_gives_great_expectations_failures_on_edge_values_of_every_type(gx_context: Any) -> None:
    found = judge(EDGE_SUITE, EDGE)
    assert _key(found) == _key(gx_failures(gx_context, EDGE_SUITE, EDGE, "edge"))
    by_rule = {r: sorted(f.row_id for f in found if f.rule == r) for r in {e.rule for e in EDGE_SUITE}}
    # the semantics the judge must share, spelled out so that a change in either engine shows here
    assert by_rule == {
        "not_null": [2, 3],  # NaN is missing, as pandas has it
        "not_null_masked": [3],
        "be_null": [0, 1, 4, 5, 7, 8],
        "between": [4, 5, 6, 7],  # missing skipped; bounds inclusive; infinities out
        "between_low": [4, 7],
        "between_strict": [0, 4, 5, 6, 7],
        "between_strict_max": [1, 5, 6],
        "regex": [3],  # searched anywhere ("x9", "12abc" pass), Unicode digits are digits
        "regex_whole": [1, 3, 6, 7],
        "regex_masked": [3, 5, 7],
        "not_in_set": [0, 1],
        "not_in_set_plain": [3, 6, 7],
        "pair_default": [1, 3, 4, 5, 6, 8, 9],  # one side missing fails unless both are
        "pair_or_equal": [1, 3, 4, 6, 9],
        "pair_either": [],
        "pair_neither": [1, 2, 3, 4, 5, 6, 8, 9],
    }


def test_the_judge_and_great_expectations_agree_on_the_suites_over_hostile_frames(
    gx_context: Any, catalog: Catalog
) -> None:
    """Each real suite over a frame with every masked column's parts present, its figures spoiled every way."""
    plain = plain_suites(catalog)
    codes = [i.code for i in catalog.indicators][:40]
    n = len(codes) * 4
    values = [None, NAN, -1e9, 1e12, INF, 0.0, 100.0, 5.5]
    frame = pl.DataFrame(
        {
            "row_id": list(range(n)),
            "row": [("figure", "breakdown", "derived", "versus")[i % 4] for i in range(n)],
            "indicator": [codes[i // 4] for i in range(n)],
            "required": [i % 3 == 0 for i in range(n)],
            "has_note": [None if i % 7 == 0 else i % 5 == 0 for i in range(n)],
            "factor_based": [i % 6 == 0 for i in range(n)],
            "whole_blank": [i % 9 == 0 for i in range(n)],
            "value": [values[i % len(values)] for i in range(n)],
            "text": [(None, "1", "1.50", "abc", "1e3", "-7", "2,000", " 3")[i % 8] for i in range(n)],
            "whole_bound": [values[(i + 3) % len(values)] for i in range(n)],
            "tolerance": [values[(i + 5) % len(values)] for i in range(n)],
            "gap": [values[(i + 1) % len(values)] for i in range(n)],
            "yoy_threshold": [0.5 if i % 2 else None for i in range(n)],
            "yoy_change": [values[(i + 2) % len(values)] for i in range(n)],
            "slip": [(None, 1.0, -3.0, 4.0, 0.0, NAN)[i % 6] for i in range(n)],
        },
        schema_overrides={"row_id": pl.Int64},
    )
    for name, expectations in plain.items():
        found = judge(expectations, frame)
        assert found, name  # the frame is spoiled enough that each suite fails somewhere
        assert _key(found) == _key(gx_failures(gx_context, expectations, frame, f"hostile_{name}")), name


def test_what_the_judge_does_not_know_raises_never_passes() -> None:
    frame = EDGE
    with pytest.raises(CannotJudge, match="does not know"):
        judge([_e("values_to_be_unique", "unique", column="value")], frame)
    with pytest.raises(CannotJudge, match="does not know"):
        judge([_e("values_to_be_between", "mostly", column="value", min_value=0, mostly=0.5)], frame)
    with pytest.raises(CannotJudge, match="no column"):
        judge([_e("values_to_not_be_null", "absent", column='value where nowhere_column == "x"')], frame)
    with pytest.raises(CannotJudge, match="not text"):
        judge([_e("values_to_match_regex", "regex_on_numbers", column="value", regex=".")], frame)
    assert judge(EDGE_SUITE, frame.clear()) == []  # nothing to judge: nothing fails, as before
