"""When each outcome of an ingest batch is final, so that the person running it is told at once.

A file's outcome is final once it is loaded, except that of a return a later file of the same
batch may supersede (same entity and period): that one waits until the last of them is judged,
so that its line can say which file superseded it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace

from esgflow.cycle.states import STORED
from esgflow.findings import Finding
from esgflow.intake.outcome import Outcome

# Told of each file's outcome as soon as it is final, with how many files the batch has.
OnJudged = Callable[[Outcome, int], None]
Whose = tuple[str, str] | None  # the entity and period a return says it is for; None for a file refused unread


def mark_superseded(results: dict[int, Outcome], order: list[int]) -> None:
    """Where one batch holds several returns of an entity, say on the earlier ones which file superseded them."""
    newest: dict[tuple[str | None, str | None], int] = {}
    for key in order:
        outcome = results[key]
        if outcome.status in STORED and outcome.note is None:
            who = (outcome.entity, outcome.period)
            if who in newest:
                results[newest[who]] = replace(results[newest[who]], superseded_by=outcome.path.name)
            newest[who] = key


class Teller:
    """Tells `on_judged` of every file of a batch once, as soon as its outcome is final."""

    def __init__(
        self, on_judged: OnJudged | None, total: int, parsed: Mapping[int, object], results: dict[int, Outcome]
    ) -> None:
        self.on_judged = on_judged
        self.total = total
        self.results = results
        self.whose: dict[int, Whose] = {
            key: None if isinstance(p, Finding) else (p.entity, p.period)  # type: ignore[attr-defined]
            for key, p in parsed.items()
        }
        self.left = Counter(self.whose.values())
        self.waiting: dict[Whose, list[int]] = {}
        self.told: set[int] = set()

    def loaded(self, key: int) -> None:
        """The file `key` is judged: tell it, or wait while a later file may supersede it."""
        who = self.whose[key]
        self.waiting.setdefault(who, []).append(key)
        self.left[who] -= 1
        if who is None or not self.left[who]:
            keys = self.waiting.pop(who)
            mark_superseded(self.results, keys)
            for k in keys:
                self.once(k)

    def once(self, key: int) -> None:
        """Tell the outcome of `key` unless it was told already."""
        if key not in self.told:
            self.told.add(key)
            self.tell([self.results[key]])

    def tell(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if self.on_judged is not None:
                self.on_judged(outcome, self.total)
