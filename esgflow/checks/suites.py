"""Great Expectations suites generated from the catalog.

Checks run over long frames (esgflow.checks.frames): one row per figure, plus rows for
breakdown sums and recomputed derived figures. Each rule kind is one expectation whose
row condition carries the catalog's indicator lists, so a few dozen expectations cover
every indicator. Each expectation's meta names its rule and severity; findings are
built from that. `python -m esgflow.checks.suites DIR` writes the suites as JSON
(the copies under expectations/ are regenerated this way and checked by the tests).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations import expectations as gxe

from esgflow.catalog import Catalog, load_catalog

NUMBER = r"^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$"
WHOLE = r"^-?\d+$"
SUITES = ("submission", "group")


def _meta(rule: str, severity: str, **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, **extra}


def _where(*parts: str) -> dict[str, str]:
    return {"row_condition": " and ".join(parts), "condition_parser": "pandas"}


def _within(column_a: str, column_b: str, where: dict[str, str], rule: str, severity: str) -> gxe.Expectation:
    """column_b <= column_a on the rows `where` selects (a missing value on either side is not judged)."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a,
        column_B=column_b,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        **where,
        meta=_meta(rule, severity),
    )


def _rule_expectations(catalog: Catalog, rows: str) -> list[gxe.Expectation]:
    """Hard rules that hold for entity returns and group figures alike."""
    out: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToMatchRegex(
            column="text", regex=NUMBER, **_where(rows, "text == text"), meta=_meta("type", "error")
        )
    ]
    ranges: dict[tuple[float | None, float | None], list[str]] = {}
    for ind in catalog.indicators:
        if ind.rules.min is not None or ind.rules.max is not None:
            ranges.setdefault((ind.rules.min, ind.rules.max), []).append(ind.code)
    for (low, high), codes in sorted(ranges.items(), key=lambda kv: str(kv[0])):
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="value",
                min_value=low,
                max_value=high,
                **_where(rows, f"indicator in {codes!r}"),
                meta=_meta("range", "error", min=low, max=high),
            )
        )
    integers = [i.code for i in catalog.indicators if i.dtype == "integer" and i.is_input]
    out.append(
        gxe.ExpectColumnValuesToMatchRegex(
            column="text",
            regex=WHOLE,
            **_where(rows, f"indicator in {integers!r}"),
            meta=_meta("whole_number", "error"),
        )
    )
    out.append(_within("whole_bound", "value", _where(rows), "part_not_above_whole", "error"))
    out.append(_within("tolerance", "gap", _where('row == "breakdown"'), "parts_sum_to_total", "error"))
    out.append(_within("yoy_threshold", "yoy_change", _where(rows, "not has_note"), "yoy_change_needs_note", "warning"))
    return out


def submission_suite(catalog: Catalog) -> gx.ExpectationSuite:
    """Checks on the figures of entity returns, run before anything is loaded."""
    suite = gx.ExpectationSuite(name="submission")
    suite.add_expectation(
        gxe.ExpectColumnValuesToNotBeNull(
            column="value", **_where('row == "figure"', "required", "not has_note"), meta=_meta("required", "error")
        )
    )
    for expectation in _rule_expectations(catalog, 'row == "figure"'):
        suite.add_expectation(expectation)
    return suite


def group_suite(catalog: Catalog) -> gx.ExpectationSuite:
    """Checks on a period's group figures: the same identities, and every derived figure recomputed."""
    suite = gx.ExpectationSuite(name="group")
    for expectation in _rule_expectations(catalog, 'row == "figure"'):
        suite.add_expectation(expectation)
    exact = [i.code for i in catalog.derived_in_order()]
    suite.add_expectation(
        _within(
            "tolerance",
            "gap",
            _where('row == "derived"', "not factor_based", f"indicator in {exact!r}"),
            "derived_recomputed",
            "error",
        )
    )
    suite.add_expectation(
        _within(
            "tolerance", "gap", _where('row == "derived"', "factor_based"), "derived_recomputed_with_factors", "warning"
        )
    )
    suite.add_expectation(_within("tolerance", "gap", _where('row == "versus"'), "published_vs_computed", "warning"))
    return suite


def build_suites(catalog: Catalog) -> dict[str, gx.ExpectationSuite]:
    return {"submission": submission_suite(catalog), "group": group_suite(catalog)}


def suite_json(suite: gx.ExpectationSuite) -> str:
    data = suite.to_json_dict()
    data.pop("id", None)
    for e in data.get("expectations", []):
        e.pop("id", None)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_suites(out: Path, catalog: Catalog) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, suite in build_suites(catalog).items():
        path = out / f"{name}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    gx.get_context(mode="ephemeral")
    for written in write_suites(Path(sys.argv[1] if len(sys.argv) > 1 else "expectations"), load_catalog()):
        print(written)
