"""What the sign-off page says before signing: open checks with their explanation, the signer's name."""

from __future__ import annotations

from esgflow.findings import Finding
from esgflow.portal.signing import open_checks, signer


def test_each_open_warning_says_whether_a_reporters_note_explains_it() -> None:
    found = [
        Finding("yoy_change_needs_note", "warning", "diesel rose by 80 %", ("env_diesel",)),
        Finding("reporter_note", "info", "SAMI wrote beside env_diesel: 两个新工地", ("env_diesel",), "SAMI"),
        Finding("parts_sum_to_total", "error", "the parts exceed the total", ("soc_employees_total",)),
        Finding("yoy_change_needs_note", "warning", "water fell by 60 %", ("env_water_total",)),
    ]
    shown = open_checks(found, "zh")
    assert [(c.severity, c.message) for c in shown] == [
        ("error", "the parts exceed the total"),
        ("warning", "diesel rose by 80 %"),
        ("warning", "water fell by 60 %"),
    ]  # the notes are not checks: they explain one
    assert shown[1].explained and shown[1].notes == ["SAMI wrote beside env_diesel: 两个新工地"]
    assert not shown[2].explained and shown[1].rule == "与上期相比变化较大"


def test_the_signer_is_the_name_typed_under_the_sign_in() -> None:
    assert signer("  Wang   Li ", "esg@office.example") == "Wang Li <esg@office.example>"
