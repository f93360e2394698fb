"""When each outcome of a batch is told: at once, or once no later file of the batch can supersede it."""

from __future__ import annotations

from pathlib import Path

from esgflow.findings import Finding
from esgflow.intake.outcome import Outcome
from esgflow.intake.settled import Teller, mark_superseded
from esgflow.workbooks.returns import ParsedReturn


def _parsed(entity: str) -> ParsedReturn:
    parsed = ParsedReturn.__new__(ParsedReturn)  # only its entity and period are read here
    object.__setattr__(parsed, "entity", entity)
    object.__setattr__(parsed, "period", "2024")
    return parsed


def _accepted(name: str, entity: str) -> Outcome:
    return Outcome(Path(name), "accepted", name, entity, "2024", 1)


def test_an_earlier_return_is_marked_superseded_by_the_later_one_of_its_entity() -> None:
    results = {0: _accepted("a.xlsx", "SAMI"), 1: _accepted("b.xlsx", "GAMI"), 2: _accepted("c.xlsx", "SAMI")}
    mark_superseded(results, [0, 1, 2])
    assert [results[k].superseded_by for k in (0, 1, 2)] == ["c.xlsx", None, None]


def test_a_return_waits_for_the_later_file_of_its_entity_and_others_are_told_at_once() -> None:
    told: list[tuple[str, int]] = []
    results: dict[int, Outcome] = {}
    unread = Finding("not_a_workbook", "error", "not a workbook")
    parsed = {0: _parsed("SAMI"), 1: unread, 2: _parsed("GAMI"), 3: _parsed("SAMI")}
    teller = Teller(lambda outcome, total: told.append((outcome.path.name, total)), 4, parsed, results)
    results[0] = _accepted("sami.xlsx", "SAMI")
    teller.loaded(0)
    assert told == []  # a later SAMI file may supersede it
    results[1] = Outcome(Path("x.pdf"), "refused", "h", findings=[unread])
    teller.loaded(1)
    results[2] = _accepted("gami.xlsx", "GAMI")
    teller.loaded(2)
    assert told == [("x.pdf", 4), ("gami.xlsx", 4)]
    results[3] = _accepted("sami-fixed.xlsx", "SAMI")
    teller.loaded(3)
    assert told[2:] == [("sami.xlsx", 4), ("sami-fixed.xlsx", 4)]
    assert results[0].superseded_by == "sami-fixed.xlsx"
    teller.once(3)  # the final pass tells nothing twice
    assert len(told) == 4
