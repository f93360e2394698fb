from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from esgflow import EsgflowError
from esgflow.factors import CHOICES_ENV, FILE_ENV, FactorRegistry, citation_problems, load_factors, registry_from


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


def test_every_factor_cites_its_publication_with_complete_urls(factors: FactorRegistry) -> None:
    assert len(factors.factors) >= 94
    for f in factors.factors:
        assert citation_problems(f) == [], f.code
        assert "https://www;" not in f"{f.source} {f.url} {f.publication}"
        assert f.url or f.note  # the publisher's own page, or a note saying why there is none
    for f in factors.factors:
        if f.publisher == "MEE and NBS":  # the official announcements, apart from the transcription
            assert f.url.startswith("https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/"), f.code
            assert "github.com" not in f.url and "公告20" in f.publication, f.code
    by_vintage = {f.vintage: f for f in factors.factors if f.name == "grid_co2" and f.region == "CN-BJ"}
    b22, b23 = by_vintage[2022], by_vintage[2023]
    assert "公告2024年第33号" in b22.publication and b22.url.endswith("t20241226_1099413.html")
    assert "公告2025年第47号" in b23.publication and b23.url.endswith("t20251231_1139517.html")
    assert "github.com/edg127117" in by_vintage[2023].transcription


@pytest.mark.parametrize(
    ("cut", "why"),
    [
        ({"source": "MEE 公告2024年第33号; official page https://www; transcription x"}, "incomplete URL"),
        ({"publication": "", "url": "https://www.mee.gov.cn/a.html"}, "no publication reference"),
        ({"url": "https://github.com/someone/copy.csv"}, "transcription, not the publisher"),
        ({"url": "", "note": ""}, "no publisher URL and no note"),
    ],
)
def test_a_registry_with_an_incomplete_citation_is_refused(
    cut: dict[str, str], why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load((Path(__file__).parents[1] / "esgflow/data/factors.yaml").read_text("utf-8"))
    bj = next(r for r in raw["factors"] if r["code"] == "grid_co2_cn_bj_2022")
    bj.update(cut)
    path = tmp_path / "factors.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv(FILE_ENV, str(path))
    with pytest.raises(EsgflowError, match=f"grid_co2_cn_bj_2022: .*{why}"):
        load_factors()


def test_hong_kong_takes_clps_intensity_of_the_year(factors: FactorRegistry) -> None:
    hk = {y: factors.resolve("grid_co2", date(y, 12, 31), "HK") for y in (2022, 2023, 2024, 2025)}
    assert (hk[2023].vintage, hk[2023].value) == (2023, Decimal("0.39"))
    assert (hk[2024].vintage, hk[2024].value) == (2024, Decimal("0.38"))
    assert hk[2025].vintage == 2024 and hk[2022].vintage == 2019
    assert "CLP" in hk[2024].publication and hk[2024].url.startswith("https://sustainability.clpgroup.com/")


def test_natural_gas_energy_and_co2_rest_on_one_heating_value(factors: FactorRegistry) -> None:
    on = date(2025, 12, 31)
    sce = factors.resolve("sce_natural_gas", on).value  # kgce/m3
    assert sce == Decimal("1.3300")  # GB/T 2589-2020, 38 931 kJ/m3 / 29 307.6 kJ/kgce (7 000 kcal)
    ncv_mj_per_m3 = Decimal("389.31") * 1000 / 10000  # the CO2 factor's 389.31 GJ/10^4 m3
    assert abs(sce * Decimal("29.3076") / ncv_mj_per_m3 - 1) < Decimal("0.002")
    co2 = factors.resolve("co2_natural_gas", on)  # 21.62 tCO2/10^4 m3 = NCV x 15.30 tC/TJ x 99 % x 44/12
    assert abs(ncv_mj_per_m3 * 10 * Decimal("15.30") * Decimal("0.99") * 44 / 12 / 1000 - co2.value) < Decimal("0.01")


def test_electricity_coefficient_follows_the_standards_derivation(factors: FactorRegistry) -> None:
    f = factors.resolve("sce_electricity", date(2025, 12, 31))
    assert f.value == round(Decimal(860) / Decimal(7000), 4) == Decimal("0.1229")
    assert "860 kcal/kWh / 7 000 kcal/kgce" in f.note


def test_indias_vintages_share_one_basis(factors: FactorRegistry) -> None:
    india = {f.vintage: f for f in factors.factors if f.region == "IN"}
    assert india[2024].value == Decimal("0.7117") and india[2023].value == Decimal("0.7290")
    for f in india.values():
        assert "excluding imports" in f.publication and f.url.startswith("https://cea.nic.in/")
    assert "0.7097" in india[2024].note and "0.710" in india[2024].note


def test_gwp_values_come_from_the_pinned_library_as_a_reported_choice() -> None:
    import globalwarmingpotentials

    registry = load_factors()
    on = date(2026, 12, 31)
    assert registry.choices["gwp"] == "ar5"
    sf6 = registry.resolve("gwp_sf6", on)
    assert (sf6.value, sf6.unit, sf6.gwp) == (Decimal("23500.0"), "tCO2e/t", "AR5GWP100")  # AR5 Table 8.A.1
    assert "globalwarmingpotentials" in sf6.note and "AR5" in sf6.publication
    ar6 = registry.with_choices({"gwp": "ar6"})
    assert ar6.resolve("gwp_sf6", on).value == Decimal(str(globalwarmingpotentials.data["AR6GWP100"]["SF6"]))
    assert ar6.resolve("gwp_hfc134a", on).value == Decimal("1530.0")  # AR6 Table 7.SM.7
    # the file names sets and gases only: no GWP value is typed into it
    text = (Path(__file__).resolve().parents[1] / "esgflow" / "data" / "factors.yaml").read_text("utf-8")
    assert "gwp_sets:" in text and "23500" not in text and "gwp_sf6_ar5" not in text
