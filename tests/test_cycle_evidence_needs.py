"""Which figures still need their documents: above the catalog's size, not documented, not waived."""

from __future__ import annotations

from decimal import Decimal

from esgflow.catalog import Catalog
from esgflow.cycle.evidence_needs import open_needs


def test_a_figure_above_its_size_needs_its_documents_until_one_names_it_or_the_office_waives_it(
    catalog: Catalog,
) -> None:
    figures = {"env_electricity_green": Decimal("2"), "env_electricity": Decimal("10"), "env_diesel": Decimal(80000)}
    needs = open_needs(catalog, figures, [None], [])  # a document for the whole return names no figure
    assert [n.indicator for n in needs] == ["env_electricity_green", "env_diesel"]  # electricity: under its size
    assert needs[0].what("zh") == "绿色电力证书或绿电交易凭证" and "certificates" in needs[0].what("en")
    assert [n.indicator for n in open_needs(catalog, figures, ["env_diesel"], ["env_electricity_green"])] == []
    assert open_needs(catalog, {"env_electricity_green": Decimal(0)}, [], []) == []  # nothing bought: nothing owed
    assert open_needs(catalog, {}, [], []) == []  # a blank needs nothing: it is no figure
