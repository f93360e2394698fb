"""The naming rule of workbooks: `<ENTITY>_<P>.xlsx`, and what a reporter's copy of that name still says."""

from __future__ import annotations

import pytest

from esgflow.entities import EntityRegistry
from esgflow.periods import parse_period
from esgflow.workbooks.naming import named_entity, named_period, template_name


@pytest.mark.parametrize(
    ("entity", "period", "name"),
    [
        ("SAMI", "2025", "SAMI_2025.xlsx"),
        ("OS-GN", "2024", "OS-GN_2024.xlsx"),
        ("SAMI", "2025-Q1", "SAMI_2025-Q1.xlsx"),
        ("BR-LY", "2025-03", "BR-LY_2025-03.xlsx"),
    ],
)
def test_template_name_is_entity_underscore_period(entity: str, period: str, name: str) -> None:
    assert template_name(entity, parse_period(period)) == name


@pytest.mark.parametrize("period", ["2024", "2025", "2025-Q1", "2025-Q4", "2025-03", "2025-12"])
def test_a_template_name_reads_back_as_its_entity_and_period(registry: EntityRegistry, period: str) -> None:
    for entity in registry.codes:
        name = template_name(entity, parse_period(period))
        assert (named_entity(name), named_period(name)) == (entity, period), name


@pytest.mark.parametrize(
    ("file_name", "entity", "period"),
    [
        ("SAMI_2025.xlsx", "SAMI", "2025"),
        ("SAMI_2025 (1).xlsx", "SAMI", "2025"),  # a browser's second download
        ("SAMI_2025(2).xlsx", "SAMI", "2025"),
        ("SAMI_2025_v2.xlsx", "SAMI", "2025"),  # the reporter's own suffix
        ("SAMI_2025_final_v3 (1).xlsx", "SAMI", "2025"),
        ("SAMI_2025-Q1 (1).xlsx", "SAMI", "2025-Q1"),
        ("SAMI_2025-Q2_v2.xlsx", "SAMI", "2025-Q2"),
        ("OS-GN_2024 (3).xlsx", "OS-GN", "2024"),
        ("SAMI_2025.xlsm", "SAMI", "2025"),
        ("inbox/2025/SAMI_2025.xlsx", "SAMI", "2025"),  # a path: only the file name counts
    ],
)
def test_a_renamed_copy_still_names_its_entity_and_period(file_name: str, entity: str, period: str) -> None:
    assert named_entity(file_name) == entity
    assert named_period(file_name) == period


@pytest.mark.parametrize(
    ("file_name", "entity"),
    [
        ("SAMI.xlsx", "SAMI"),
        ("SAMI_.xlsx", "SAMI"),
        ("SAMI_ (1).xlsx", "SAMI"),
        ("SAMI__2025.xlsx", "SAMI"),
        ("return.xlsx", "return"),
    ],
)
def test_a_name_without_a_period_names_none(file_name: str, entity: str) -> None:
    assert named_entity(file_name) == entity
    assert named_period(file_name) is None


def test_the_period_text_is_given_as_written_not_checked() -> None:
    assert named_period("SAMI_twenty.xlsx") == "twenty"
    assert named_period("SAMI_2025-Q5 (1).xlsx") == "2025-Q5"
