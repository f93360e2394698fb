from decimal import Decimal

import pytest

from esgflow import units


def test_scaled_units_convert_exactly() -> None:
    assert units.convert(Decimal("123456"), "kWh", "10k kWh") == Decimal("12.3456")
    assert units.convert(Decimal("326600"), "t", "10k t") == Decimal("32.66")
    assert units.convert(Decimal("1.5"), "10k CNY", "10k CNY") == Decimal("1.5")


def test_intensity_units_and_percent() -> None:
    assert units.factor("tce/10k CNY", "kgce/CNY") == Decimal("0.1")
    assert units.factor("person/person", "%") == Decimal("100")


def test_incompatible_units_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot convert"):
        units.factor("L", "tce")
    with pytest.raises(ValueError, match="unknown unit"):
        units.pint_unit("furlongs per fortnight per widget")


def test_the_unit_registry_keeps_its_parsed_definitions_in_a_cache_folder() -> None:
    from esgflow import units

    assert units._REGISTRY.cache_folder is not None  # parsed once per machine, not once per command
