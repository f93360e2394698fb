from datetime import date
from decimal import Decimal

import pytest

from esgflow import EsgflowError
from esgflow.factors import FactorRegistry


def test_every_factor_has_source_validity_and_lookup_date(factors: FactorRegistry) -> None:
    for f in factors.factors:
        assert f.source and f.unit and f.valid_from <= f.valid_to and f.looked_up.year >= 2024


def test_electricity_convention_is_explicit(factors: FactorRegistry) -> None:
    f = factors.resolve("sce_electricity", date(2024, 12, 31))
    assert f.code == "sce_electricity_calorific" and f.value == Decimal("0.1229") and f.unit == "kgce/kWh"


def test_validity_period_is_respected(factors: FactorRegistry) -> None:
    assert factors.resolve("grid_co2_national_2021", date(2021, 6, 30)).value == Decimal("0.5568")
    with pytest.raises(EsgflowError, match="no factor 'grid_co2_national_2021' valid on 2023-12-31"):
        factors.resolve("grid_co2_national_2021", date(2023, 12, 31))
