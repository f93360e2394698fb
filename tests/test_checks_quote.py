"""Quoting a cell as typed and a compared figure in the unit asked: one way for the letter, portal and run page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from esgflow.catalog import Catalog
from esgflow.checks.quote import compared, entered, in_asked_unit, unit_in
from esgflow.findings import Finding


@pytest.mark.parametrize("typed", ["25847.61小时", "估", "#DIV/0!", "12 persons"])
def test_text_is_quoted_as_typed_with_no_unit(catalog: Catalog, typed: str) -> None:
    f = Finding("text_in_number_cell", "error", "m", ("env_diesel",), found=typed)
    assert entered(f, {"env_diesel": (None, "L")}, catalog.by_code["env_diesel"], "zh") == typed


def test_a_number_gets_its_separators_and_the_unit_asked_in_the_readers_language(catalog: Catalog) -> None:
    f = Finding("range", "error", "m", ("env_electricity",))
    ind = catalog.by_code["env_electricity"]
    assert entered(f, {"env_electricity": ("6000000", "kWh")}, ind, "zh") == "6,000,000 千瓦时"
    assert entered(f, {"env_electricity": ("6000000", "kWh")}, ind, "en") == "6,000,000 kWh"


def test_a_compared_figure_is_in_the_unit_the_reporter_was_asked_in(catalog: Catalog) -> None:
    ind = catalog.by_code["env_electricity"]  # published in 10k kWh, asked in kWh
    f = Finding("unit_slip", "warning", "m", ("env_electricity",), expected=Decimal("595.54"))
    assert (
        compared(f, ind, "zh") == "5,955,400 千瓦时" and in_asked_unit(Decimal("595.54"), ind, "en") == "5,955,400 kWh"
    )


def test_units_read_as_chinese_forms_write_them() -> None:
    assert [unit_in(u, None, "zh") for u in ("L", "kWh", "m3", "person", "t", "10k kWh")] == [
        "升", "千瓦时", "立方米", "人", "吨", "万千瓦时",
    ]  # fmt: skip
    assert unit_in("person", None, "en", one=True) == "person" and unit_in("person", None, "en") == "people"
