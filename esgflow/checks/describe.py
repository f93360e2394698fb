"""Turn failing rows of a check frame into findings people can act on (wording: esgflow.checks.rules)."""

from __future__ import annotations

from typing import Any

import polars as pl

from esgflow.catalog import Catalog
from esgflow.checks.gx_run import Failure
from esgflow.checks.rules import RULES
from esgflow.findings import Finding, Severity


def findings_from(failures: list[Failure], frame: pl.DataFrame, catalog: Catalog) -> dict[str, list[Finding]]:
    """Findings per key of the check frame; only the failing rows are looked at."""
    ids = list({f.row_id for f in failures})
    rows: dict[int, dict[str, Any]] = {
        r["row_id"]: r for r in frame.filter(pl.col("row_id").is_in(ids)).iter_rows(named=True)
    }
    out: dict[str, list[Finding]] = {}
    for failure in sorted(failures, key=lambda f: f.row_id):
        row, rule = rows[failure.row_id], RULES[failure.rule]
        assert rule.describe, f"rule {rule.name} has no description of a failing row"
        text, indicators = rule.describe(row, catalog, failure.meta)
        expected, actual = rule.compare(row)
        severity: Severity = "error" if failure.severity == "error" else "warning"
        out.setdefault(row["key"], []).append(
            Finding(
                rule=failure.rule,
                severity=severity,
                message=text,
                indicators=indicators,
                expected=expected,
                actual=actual,
            )
        )
    return out
