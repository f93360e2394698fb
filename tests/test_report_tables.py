"""The appendix table: P-2, P-1 and P per appendix indicator, which basis each cell shows, and differences."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from esgflow.catalog import Catalog
from esgflow.periods import parse_period
from esgflow.report.tables import AppendixTable, Cell, Row, appendix_years, build_appendix

P = parse_period("2024")
Figures = dict[tuple[str, str, str], Decimal]


def _row(table: AppendixTable, code: str) -> Row:
    return next(r for r in table.rows if r.indicator.code == code)


def _cell(table: AppendixTable, code: str, key: str) -> Cell | None:
    return _row(table, code).cells[key]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024", ["2022", "2023", "2024"]),
        ("2025-Q1", ["2023-Q1", "2024-Q1", "2025-Q1"]),
        ("2025-03", ["2023-03", "2024-03", "2025-03"]),
    ],
)
def test_appendix_years_are_the_two_years_before_and_the_period(period: str, expected: list[str]) -> None:
    years = appendix_years(parse_period(period))
    assert [p.code for p in years] == expected
    assert {p.kind for p in years} == {parse_period(period).kind}


def test_columns_run_from_two_years_before_to_the_period(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2022", "published"): Decimal("2044766.46"),
        ("env_diesel", "2023", "published"): Decimal("22157752.40"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.74"),
    }
    table = build_appendix(figures, catalog, P)
    assert table.period == "2024"
    assert [c.key for c in table.columns] == ["2022", "2023", "2024"]
    assert [c.year for c in table.columns] == ["2022", "2023", "2024"]
    assert [c.basis for c in table.columns] == [
        ("published", "computed"),
        ("published", "computed"),
        ("computed", "published"),
    ]


def test_a_restated_year_gets_its_own_column_beside_the_year(catalog: Catalog) -> None:
    figures: Figures = {
        ("econ_revenue", "2022", "published"): Decimal("2369732.89"),
        ("econ_total_assets", "2022", "published"): Decimal("4739128.86"),
        ("econ_total_assets", "2022", "published_restated"): Decimal("4739221.82"),
        ("econ_total_assets", "2023", "published"): Decimal("4094380.30"),
        ("econ_total_assets", "2024", "published"): Decimal("4115652.82"),
    }
    table = build_appendix(figures, catalog, P)
    assert [c.key for c in table.columns] == ["2022", "2022_restated", "2023", "2024"]
    restated = table.columns[1]
    assert (restated.year, restated.basis) == ("2022", ("computed_restated", "published_restated"))
    assert _cell(table, "econ_total_assets", "2022") == Cell(Decimal("4739128.86"), "published")
    assert _cell(table, "econ_total_assets", "2022_restated") == Cell(Decimal("4739221.82"), "published_restated")
    assert _cell(table, "econ_revenue", "2022_restated") is None  # restated only where the report restated


def test_restated_figures_of_other_years_add_no_column(catalog: Catalog) -> None:
    figures: Figures = {
        ("econ_total_assets", "2021", "published_restated"): Decimal("1"),
        ("econ_total_assets", "2024", "published"): Decimal("4115652.82"),
    }
    assert [c.key for c in build_appendix(figures, catalog, P).columns] == ["2022", "2023", "2024"]


def test_every_appendix_indicator_is_a_row_in_catalog_order(catalog: Catalog) -> None:
    not_in_appendix = next(i for i in catalog.indicators if not i.appendix)
    figures: Figures = {
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        (not_in_appendix.code, "2024", "computed"): Decimal("5"),
    }
    table = build_appendix(figures, catalog, P)
    assert [r.indicator for r in table.rows] == catalog.appendix()
    assert not_in_appendix.code not in {r.indicator.code for r in table.rows}
    empty = [r for r in table.rows if r.indicator.code != "env_diesel"]
    assert empty and all(cell is None for r in empty for cell in r.cells.values())
    assert _row(table, "env_diesel").cells == {
        "2022": None,
        "2023": None,
        "2024": Cell(Decimal("17298567.74"), "published"),
    }


def test_for_the_period_the_computed_figure_wins_over_the_published_one(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),
        ("env_gasoline", "2024", "published"): Decimal("12327323.56"),  # nothing computed: the published stands
    }
    table = build_appendix(figures, catalog, P)
    assert _cell(table, "env_diesel", "2024") == Cell(Decimal("17298567.7391"), "computed")
    assert _cell(table, "env_gasoline", "2024") == Cell(Decimal("12327323.56"), "published")


def test_for_earlier_years_the_published_figure_wins_and_computed_fills_gaps(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2023", "published"): Decimal("22157752.40"),
        ("env_diesel", "2023", "computed"): Decimal("1"),
        ("env_gasoline", "2022", "computed"): Decimal("1882071.7612"),
    }
    table = build_appendix(figures, catalog, P)
    assert _cell(table, "env_diesel", "2023") == Cell(Decimal("22157752.40"), "published")
    assert _cell(table, "env_gasoline", "2022") == Cell(Decimal("1882071.7612"), "computed")


def test_a_quarter_is_shown_beside_the_same_quarter_of_the_two_years_before(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2024-Q1", "published"): Decimal("10"),
        ("env_diesel", "2024-Q1", "computed"): Decimal("11"),
        ("env_diesel", "2025-Q1", "published"): Decimal("20"),
        ("env_diesel", "2025-Q1", "computed"): Decimal("21"),
        ("env_diesel", "2025", "computed"): Decimal("99"),
    }
    table = build_appendix(figures, catalog, parse_period("2025-Q1"))
    assert [c.key for c in table.columns] == ["2023-Q1", "2024-Q1", "2025-Q1"]
    assert _row(table, "env_diesel").cells == {
        "2023-Q1": None,
        "2024-Q1": Cell(Decimal("10"), "published"),
        "2025-Q1": Cell(Decimal("21"), "computed"),
    }


def test_published_now_keeps_the_periods_published_figures(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        ("env_diesel", "2024", "computed"): Decimal("17298567.7391"),
        ("env_gasoline", "2024", "computed"): Decimal("12327323.56"),
        ("env_gasoline", "2023", "published"): Decimal("38885310.92"),
        ("econ_total_assets", "2024", "published_restated"): Decimal("1"),
    }
    assert build_appendix(figures, catalog, P).published_now == {"env_diesel": Decimal("17298567.74")}


@pytest.mark.parametrize(
    ("value", "basis", "decimals", "text"),
    [
        (Decimal("3423.10"), "published", 2, "3423.10"),  # as written, trailing zero kept
        (Decimal("0.0192"), "published", 2, "0.0192"),  # published finer than the catalog's decimals
        (Decimal("100"), "published", 2, "100"),  # published coarser: not padded
        (Decimal("7.17e-8"), "published", 10, "0.0000000717"),  # plain digits, never an exponent
        (Decimal("17298567.7391"), "computed", 2, "17298567.74"),
        (Decimal("10853.4"), "computed", 0, "10853"),
        (Decimal("5"), "computed", 2, "5.00"),
        (Decimal("-0.001"), "computed", 2, "0.00"),  # no negative zero
        (Decimal("4739221.82"), "published_restated", 0, "4739221.82"),
    ],
)
def test_cell_text_shows_published_as_written_and_computed_at_catalog_precision(
    value: Decimal, basis: str, decimals: int, text: str
) -> None:
    assert Cell(value, basis).text(decimals) == text


def test_differences_compare_at_the_precision_the_figure_was_published_with(catalog: Catalog) -> None:
    figures: Figures = {
        # 0.0192 stands for [0.01915, 0.01925): 0.01924 agrees, 0.0175 does not
        ("env_energy_intensity_revenue", "2024", "published"): Decimal("0.0192"),
        ("env_energy_intensity_revenue", "2024", "computed"): Decimal("0.0175"),
        ("env_water_intensity", "2024", "published"): Decimal("0.25"),
        ("env_water_intensity", "2024", "computed"): Decimal("0.2457"),
        # published as a whole number: compared to the unit, not to the catalog's two decimals
        ("env_energy_total", "2024", "published"): Decimal("42099"),
        ("env_energy_total", "2024", "computed"): Decimal("42099.4"),
        ("env_natural_gas", "2024", "published"): Decimal("274847"),
        ("env_natural_gas", "2024", "computed"): Decimal("274848.2"),
        # published finer than the catalog's two decimals: the published digits count
        ("env_waste_hazardous", "2024", "published"): Decimal("12.104"),
        ("env_waste_hazardous", "2024", "computed"): Decimal("12.1"),
        # no computed figure: nothing to compare
        ("env_diesel", "2024", "published"): Decimal("17298567.74"),
        # earlier years are never compared
        ("env_gasoline", "2023", "published"): Decimal("38885310.92"),
        ("env_gasoline", "2023", "computed"): Decimal("1"),
    }
    table = build_appendix(figures, catalog, P)
    found = {row.indicator.code: (published, cell) for row, published, cell in table.differences()}
    assert found == {
        "env_energy_intensity_revenue": (Decimal("0.0192"), Cell(Decimal("0.0175"), "computed")),
        "env_natural_gas": (Decimal("274847"), Cell(Decimal("274848.2"), "computed")),
        "env_waste_hazardous": (Decimal("12.104"), Cell(Decimal("12.1"), "computed")),
    }
    assert [row.indicator.code for row, _, _ in table.differences()] == [
        i.code for i in catalog.appendix() if i.code in found
    ]


def test_no_differences_when_the_period_has_no_published_figures(catalog: Catalog) -> None:
    figures: Figures = {
        ("env_diesel", "2024", "computed"): Decimal("1"),
        ("env_diesel", "2023", "published"): Decimal("2"),
    }
    assert build_appendix(figures, catalog, P).differences() == []


def test_a_period_without_figures_gives_a_table_of_empty_cells(catalog: Catalog) -> None:
    table = build_appendix({}, catalog, P)
    assert [c.key for c in table.columns] == ["2022", "2023", "2024"]
    assert len(table.rows) == len(catalog.appendix())
    assert all(cell is None for r in table.rows for cell in r.cells.values())
    assert table.published_now == {} and table.differences() == []


def test_a_cell_includes_the_estimates_of_its_own_basis_only(catalog: Catalog) -> None:
    figures = {("env_diesel", "2024", "computed"): Decimal("30"), ("env_diesel", "2023", "published"): Decimal("28")}
    marked = {("env_diesel", "2024", "computed"): ["SAMI"], ("env_diesel", "2023", "computed"): ["CINF"]}
    table = replace(build_appendix(figures, catalog, parse_period("2024")), estimates=marked)
    [row] = [r for r in table.rows if r.indicator.code == "env_diesel"]
    shown = {c.key: table.estimated_from(row, c) for c in table.columns}
    assert shown == {"2022": [], "2023": [], "2024": ["SAMI"]}  # 2023 shows what was published


def test_a_cell_shows_a_computed_figure_at_the_catalogs_places_and_a_published_one_as_published() -> None:
    assert Cell(Decimal("46482.4034"), "computed").shown(2) == "46,482.40"
    assert Cell(Decimal("42099"), "published").shown(2) == "42,099"
    assert Cell(Decimal("22157752.40"), "published").shown(0) == "22,157,752.40"
    assert Cell(Decimal("7.17E-8"), "published").shown(10) == "7.17 × 10⁻⁸"
    assert Cell(Decimal("-0.001"), "computed").shown(2) == "-1.00 × 10⁻³"  # not zero, which it is not


def test_a_row_shows_every_year_at_one_precision_never_dropping_a_published_digit(catalog: Catalog) -> None:
    """Issue 26.13: no '11' beside '11.00' or '1.6200' beside '8.7' in one row; values never change, only zeros."""
    ind = replace(catalog["env_diesel"], decimals=2)
    row = Row(ind, {"2022": Cell(Decimal("11"), "published"), "2023": Cell(Decimal("8.7"), "published"),
                    "2024": Cell(Decimal("11.004"), "computed")})  # fmt: skip
    assert row.places() == 2
    assert [c.shown(2, row.places()) for c in row.cells.values() if c] == ["11.00", "8.70", "11.00"]
    wider = Row(ind, {**row.cells, "2023": Cell(Decimal("1.6200"), "published")})
    assert wider.places() == 4  # a published figure keeps every digit it was published with; the row follows
    assert [c.shown(2, wider.places()) for c in wider.cells.values() if c] == ["11.0000", "1.6200", "11.0000"]
    assert Row(ind, {"2024": None}).places() == 2
