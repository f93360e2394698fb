"""The unit-slip rules: one per power of ten, each naming the likely mistake in both languages (issue 26, point 3)."""

from __future__ import annotations

from esgflow.catalog import Catalog
from esgflow.checks.rules import RULES, wording
from esgflow.checks.slips import SLIP_RULES, _describe_slip


def test_one_warning_rule_per_power_of_ten_worded_in_both_languages() -> None:
    assert [r.name for r in SLIP_RULES] == ["unit_slip_x10000", "unit_slip_x1000", "unit_slip_x10"]
    assert all(RULES[r.name] is r and r.severity == "warning" and r.suites == ("submission",) for r in SLIP_RULES)
    assert "万千瓦时" in wording("unit_slip_x10000", "zh")[1] and "万千瓦时" in wording("unit_slip_x10000", "en")[1]
    assert "千克与吨" in wording("unit_slip_x1000", "zh")[1] and "小数点" in wording("unit_slip_x10", "zh")[1]


def test_a_slip_is_described_with_both_figures_and_the_unit_asked_for(catalog: Catalog) -> None:
    row = {
        "indicator": "env_electricity",
        "value": 0.059554,
        "previous": 595.54,
        "prior": None,
        "slip": -4.0,
        "slip_ref": "previous version",
    }
    text, indicators = _describe_slip(row, catalog, {})
    assert indicators == ("env_electricity",)
    assert "about 10,000 times smaller than in the previous version (595.54 10k kWh)" in text
    assert "万 (ten-thousands" in text and "the cell asks for kWh" in text
