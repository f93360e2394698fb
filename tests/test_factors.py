from datetime import date
from decimal import Decimal

import pytest

from esgflow import EsgflowError
from esgflow.factors import CHOICES_ENV, FactorRegistry, load_factors, registry_from


def test_every_factor_has_source_validity_and_lookup_date(factors: FactorRegistry) -> None:
    for f in factors.factors:
        assert f.source and f.unit and f.valid_from <= f.valid_to and f.looked_up.year >= 2024


def test_electricity_convention_is_explicit(factors: FactorRegistry) -> None:
    f = factors.resolve("sce_electricity", date(2024, 12, 31))
    assert f.code == "sce_electricity_calorific" and f.value == Decimal("0.1229") and f.unit == "kgce/kWh"


def test_validity_period_is_respected(factors: FactorRegistry) -> None:
    assert factors.resolve("grid_co2_cn_2021", date(2021, 6, 30)).value == Decimal("0.5568")
    with pytest.raises(EsgflowError, match="no factor 'grid_co2_cn_2021' valid on 2023-12-31"):
        factors.resolve("grid_co2_cn_2021", date(2023, 12, 31))


def test_a_period_takes_the_newest_vintage_allowed_for_it(factors: FactorRegistry) -> None:
    assert factors.resolve("grid_co2", date(2021, 12, 31)).vintage == 2021
    assert factors.resolve("grid_co2", date(2024, 12, 31)).vintage == 2022
    assert factors.resolve("grid_co2", date(2025, 12, 31)).vintage == 2023


def test_grid_factor_follows_the_location_province_then_country(factors: FactorRegistry) -> None:
    fy2025 = date(2025, 12, 31)
    assert factors.resolve("grid_co2", fy2025, "CN-YN").code == "grid_co2_cn_yn_2023"
    assert factors.resolve("grid_co2", fy2025, "CN-XZ").code == "grid_co2_cn_2023"  # no provincial factor
    assert factors.resolve("grid_co2", fy2025, "IN").code == "grid_co2_in_2024"
    assert factors.resolve_at("grid_co2", fy2025, "VN").fallback is None


def test_a_place_without_a_cited_factor_gets_the_named_fallback_and_says_so(factors: FactorRegistry) -> None:
    chosen = factors.resolve_at("grid_co2", date(2025, 12, 31), "GN")
    assert chosen.factor.code == "grid_co2_cn_2023"
    assert chosen.fallback and "GN" in chosen.fallback and "fallback" in chosen.fallback


def test_a_grid_region_stands_between_province_and_country() -> None:
    raw = {
        "regions": {"CN-AA": {"grid": "CN-GRID-X"}},
        "factors": [
            {"code": "g_cn", "name": "g", "region": "CN", "value": "1", "unit": "kgCO2/kWh", "source": "s"},
            {"code": "g_x", "name": "g", "region": "CN-GRID-X", "value": "2", "unit": "kgCO2/kWh", "source": "s"},
        ],
    }
    assert registry_from(raw).resolve("g", date(2025, 12, 31), "CN-AA").code == "g_x"
    assert registry_from(raw).resolve("g", date(2025, 12, 31), "CN-BB").code == "g_cn"


def test_fuel_factors_are_chosen_by_configuration(factors: FactorRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    fy = date(2025, 12, 31)
    assert factors.resolve("co2_diesel", fy).code == "co2_diesel_cn_guideline"
    monkeypatch.setenv(CHOICES_ENV, "fuel_co2=ipcc_2006")
    assert load_factors().resolve("co2_diesel", fy).code == "co2_diesel_ipcc_2006"
    monkeypatch.setenv(CHOICES_ENV, "fuel_co2=guesswork")
    with pytest.raises(EsgflowError, match="no alternative 'guesswork'"):
        load_factors()


def test_every_factor_unit_is_known_to_the_unit_library() -> None:
    raw = {"factors": [{"code": "x", "value": "1", "unit": "kgCO2/furlong_of_coal", "source": "s"}]}
    with pytest.raises(EsgflowError, match="unknown unit"):
        registry_from(raw)


def test_snapshot_round_trips_and_its_digest_follows_a_correction(factors: FactorRegistry) -> None:
    again = registry_from(factors.snapshot())
    assert again == factors and again.digest() == factors.digest()
    corrected = factors.snapshot()
    corrected["factors"][0]["value"] = "9.9"
    assert registry_from(corrected).digest() != factors.digest()
