"""The findings the checks give on a fixed set of returns, as lines to compare across changes.

The set: the demo group's 33 returns for 2024 typed into their templates, a few of them spoiled
so that every rule of the submission suite fires (a blank required figure, a negative, a fraction
of a head count, a part above its whole, parts that do not add up, a percentage over 100, text,
large changes from a 2023 return), ingested through the real pipeline; then the group checks of
2024 on the consolidated figures and the published history, 2024's included. Each finding is one line: file,
rule, severity, sheet, cell, indicators and message. `python -m tests.findings_digest` writes
them to tests/data/findings_digest.txt; tests/test_checks_suites.py holds today's to it.
"""

from __future__ import annotations

import hashlib
import sys
from decimal import Decimal
from pathlib import Path

from esgflow.catalog import load_catalog
from esgflow.config import Settings, load_settings
from esgflow.demo.group import DEMO_PEOPLE, bundled_history, demo_inputs
from esgflow.entities import load_registry
from esgflow.findings import Finding
from esgflow.jobs.collection import ingest_files, write_templates
from esgflow.jobs.figures import check_group, consolidate_period
from esgflow.jobs.setup import import_history_file, init_warehouse
from esgflow.periods import parse_period
from esgflow.workbooks.fill import fill_template
from esgflow.workbooks.naming import named_entity
from tests.returns_factory import record_values

DIGEST = Path(__file__).parent / "data" / "findings_digest.txt"
P2024 = parse_period("2024")

# entity -> figures typed over its demo return (in input units), each spoiling one rule or more
SPOILED: dict[str, dict[str, object]] = {
    "SAMI": {"env_diesel": Decimal("-5"), "soc_employees_total": Decimal("10.5"), "env_gasoline": "about five"},
    "GAMI": {"soc_employees_male": Decimal("999999")},
    "NFC6": {"soc_employees_total": None},
}
CHANGED = "GAMI"  # its 2023 return is half its 2024 one: every figure changed by 100 %


def _line(f: Finding) -> str:
    where = f"{f.sheet or ''}!{f.cell or ''}"
    return "\t".join([f.file or "", f.rule, f.severity, where, ",".join(f.indicators), f.message])


def findings_lines(settings: Settings, work: Path) -> list[str]:
    """Ingest the set into the (empty) warehouse of `settings`; every finding as a sorted line."""
    catalog, registry = load_catalog(), load_registry()
    init_warehouse(settings)
    import_history_file(settings, bundled_history(), [parse_period("2022"), parse_period("2023")])
    inputs = demo_inputs(catalog, registry, P2024)
    halved = {code: v / 2 for code, v in inputs[CHANGED].items() if v is not None}
    record_values(settings, CHANGED, "digest-2023", halved, period=parse_period("2023"))
    templates = write_templates(settings, P2024, work / "templates")
    folder = work / "returned"
    for t in templates:
        entity = named_entity(t.name)
        fill_template(t, folder / t.name, {**DEMO_PEOPLE, **inputs[entity], **SPOILED.get(entity, {})})
    outcomes = ingest_files(settings, [folder], docs=False)
    lines = [_line(f) for o in outcomes for f in o.findings]
    consolidate_period(settings, P2024)
    import_history_file(settings, bundled_history(), [P2024])  # the published figures, to compare
    lines += ["group\t" + _line(f) for f in check_group(settings, P2024)]
    return sorted(lines)


def digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = load_settings({"ESGFLOW_HOME": str(home / "home")})
        found = findings_lines(settings, home)
    DIGEST.write_text("\n".join(found) + "\n", encoding="utf-8")
    print(f"{len(found)} findings, sha256 {digest(found)} -> {DIGEST}", file=sys.stderr)
