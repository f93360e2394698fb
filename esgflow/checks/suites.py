"""Great Expectations suites generated from the catalog and the rule kinds (esgflow.checks.rules).

Checks run over long frames (esgflow.checks.frames): one row per figure, plus rows for
breakdown sums and recomputed derived figures. Each rule kind adds a few expectations whose
masked columns (esgflow.checks.conditions) carry the rows they judge and the catalog's indicator
lists, so about a dozen expectations per suite cover every indicator.
`python -m esgflow.checks.suites DIR` writes the suites as JSON (the copies under expectations/
are regenerated this way and checked by the tests).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from esgflow.catalog import Catalog, load_catalog
from esgflow.checks.conditions import Expectation
from esgflow.checks.rules import expectations

DESCRIPTIONS = {
    "submission": "Checks on the figures of entity returns, run before anything is loaded.",
    "group": "Checks on a period's group figures: the same identities, and every derived figure recomputed.",
}


def plain_suites(catalog: Catalog) -> dict[str, list[Expectation]]:
    """Each suite's expectations in plain form (what the polars judge evaluates; no Great Expectations)."""
    return {name: expectations(name, catalog) for name in DESCRIPTIONS}


def gx_expectation(plain: Expectation) -> Any:
    """The Great Expectations object of a plain expectation (its class is named by its type)."""
    from great_expectations import expectations as gxe

    return getattr(gxe, "".join(w.capitalize() for w in plain.type.split("_")))(**plain.kwargs, meta=plain.meta)


def build_suites(catalog: Catalog) -> dict[str, Any]:
    """The Great Expectations suites, built from the plain ones."""
    import great_expectations as gx

    suites = {}
    for name, plain in plain_suites(catalog).items():
        suite = gx.ExpectationSuite(name=name)
        for expectation in plain:
            suite.add_expectation(gx_expectation(expectation))
        suites[name] = suite
    return suites


def suite_json(suite: Any) -> str:
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
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    gx.get_context(mode="ephemeral")
    for written in write_suites(Path(sys.argv[1] if len(sys.argv) > 1 else "expectations"), load_catalog()):
        print(written)
