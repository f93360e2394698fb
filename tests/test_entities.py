from datetime import date

from esgflow.entities import EntityRegistry, ancestry, reports_for


def test_registry_matches_seed(registry: EntityRegistry) -> None:
    assert len(registry.entities) == 33
    assert registry.root() == "HQ"
    assert registry["OS-GN"].language == "en" and registry["SAMI"].language == "zh"


def test_cssi_moves_under_cinf_from_2024(registry: EntityRegistry) -> None:
    assert registry.parents_on(date(2023, 12, 31))["CSSI"] == "HQ"
    assert registry.parents_on(date(2024, 1, 1))["CSSI"] == "CINF"
    scopes_2023 = {s for e, s in ancestry(registry.parents_on(date(2023, 12, 31))) if e == "CSSI"}
    scopes_2024 = {s for e, s in ancestry(registry.parents_on(date(2024, 12, 31))) if e == "CSSI"}
    assert scopes_2023 == {"CSSI", "HQ"} and scopes_2024 == {"CSSI", "CINF", "HQ"}


def test_every_entity_has_a_demo_reporter_on_example_com(registry: EntityRegistry) -> None:
    for e in registry.entities:
        contacts = registry.contacts_of(e.code)
        assert contacts and all(c.email.endswith("@example.com") for c in contacts)
        assert {c.language for c in contacts} == {e.language}


def test_a_reporter_sends_only_for_the_entities_they_report_for_and_the_office_for_any() -> None:
    assert reports_for({"SAMI", "GAMI"}, "GAMI") and not reports_for({"SAMI"}, "GAMI")
    assert not reports_for(frozenset(), "SAMI")
    assert reports_for(None, "SAMI")  # the ESG office
