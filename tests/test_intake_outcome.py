"""What became of one ingested file (esgflow.intake.outcome): the line for the person who ran the ingest."""

from __future__ import annotations

from pathlib import Path

from esgflow.findings import Finding
from esgflow.intake.outcome import Outcome

PATH = Path("/inbox/SAMI_2025.xlsx")
HASH = "a" * 64


def _error(message: str, cell: str | None = "D5", rule: str = "range") -> Finding:
    return Finding(rule, "error", message, ("env_diesel",), sheet="环境" if cell else None, cell=cell)


def _warning() -> Finding:
    return Finding("yoy_change_needs_note", "warning", "a large change", ("env_diesel",), sheet="环境", cell="D5")


def test_accepted_line_counts_the_figures() -> None:
    outcome = Outcome(PATH, "accepted", HASH, "SAMI", "2025", 2, observation_count=95)
    assert outcome.line() == "SAMI_2025.xlsx: accepted as SAMI 2025 version 2 (95 figures)"
    one = Outcome(PATH, "accepted", HASH, "SAMI", "2025", 3, observation_count=1)
    assert one.line() == "SAMI_2025.xlsx: accepted as SAMI 2025 version 3 (1 figure)"  # not '1 figures'


def test_accepted_with_warnings_line_counts_the_warnings() -> None:
    outcome = Outcome(PATH, "accepted_with_warnings", HASH, "SAMI", "2025", 1, 95, [_warning(), _warning()])
    assert outcome.line() == "SAMI_2025.xlsx: accepted as SAMI 2025 version 1 (95 figures, 2 warnings)"


def test_rejected_line_names_the_first_error_and_its_cell() -> None:
    outcome = Outcome(PATH, "rejected", HASH, "SAMI", "2025", 3, 0, [_warning(), _error("diesel is negative")])
    assert outcome.line() == "SAMI_2025.xlsx: rejected as SAMI 2025 version 3: '环境'!D5: diesel is negative [range]"


def test_rejected_line_tells_how_many_more_errors() -> None:
    errors = [_error("diesel is negative"), _error("x", "D6"), _error("y", "D7")]
    outcome = Outcome(PATH, "rejected", HASH, "SAMI", "2025", 1, 0, [*errors, _warning()])
    assert outcome.line().endswith("diesel is negative [range] (and 2 more)")


def test_rejected_line_without_a_cell_has_no_place() -> None:
    outcome = Outcome(PATH, "rejected", HASH, "SAMI", "2025", 1, 0, [_error("a figure is missing", None, "required")])
    assert outcome.line() == "SAMI_2025.xlsx: rejected as SAMI 2025 version 1: a figure is missing [required]"


def test_refused_line_gives_the_reason() -> None:
    finding = Finding("not_a_workbook", "error", "the file is a PDF, not a workbook", file="SAMI_2025.xlsx")
    outcome = Outcome(PATH, "refused", HASH, findings=[finding])
    assert outcome.line() == "SAMI_2025.xlsx: refused: the file is a PDF, not a workbook [not_a_workbook]"


def test_refused_line_names_the_cell_when_there_is_one() -> None:
    finding = Finding("missing_metadata", "error", "meta_entity is empty", sheet="说明", cell="B2")
    outcome = Outcome(PATH, "refused", HASH, findings=[finding])
    assert outcome.line() == "SAMI_2025.xlsx: refused: '说明'!B2: meta_entity is empty [missing_metadata]"


def test_duplicate_line_names_the_version_it_repeats() -> None:
    outcome = Outcome(PATH, "duplicate", HASH, "SAMI", "2025", 2)
    assert outcome.line() == "SAMI_2025.xlsx: duplicate of SAMI 2025 version 2; nothing changed"


def test_outcome_defaults_hold_nothing() -> None:
    outcome = Outcome(PATH, "refused", HASH)
    assert (outcome.entity, outcome.version, outcome.observation_count, outcome.findings) == (None, None, 0, [])
    assert (outcome.letter, outcome.annotated) == (None, None)
    assert Outcome(PATH, "refused", HASH).findings is not outcome.findings  # no shared default list
