"""A part given while the whole a formula takes it from is blank: warned at the part's cell.

Stationary combustion is all diesel less the diesel used in vehicles
(`env_diesel * ... - env_diesel_mobile * ...`), market-based Scope 2 is all electricity less
green electricity, and the mobile CH4 and N2O swap the road defaults of the off-road litres for
the off-road ones. A formula adds the terms whose inputs an entity gave and skips the rest (a
blank is never zero), so a part typed with its whole left blank is taken away from nothing: the
stationary figure falls below zero and cancels the vehicles' diesel, Scope 2 drops the green
electricity's share of a grid nobody reported. Such a return cannot be read as the reporter
meant it: the part is flagged at its cell with the whole it needs, in the reporter's language, and
the office sees it on the review page before approving.

A warning, not a refusal: a return filled by a script that leaves the whole blank with a note
and types every other cell would otherwise be refused whole, its right figures lost from the
provisional report while one cell is asked about. What the warning leaves wrong until it is
answered: Scope 1's split between stationary and mobile (its total is unchanged: the vehicles'
litres leave stationary combustion exactly as they enter mobile), and market-based Scope 2, which
green electricity without the electricity it is part of takes below zero. Approving such a
version is the office's call, made with the warning in front of it (the review page lists it).

Only a whole that is itself typed is asked for: a whole added up from other inputs (water
withdrawal from its sources) is complete only when every source is given, and a partial set of
sources is not an error.
"""

from __future__ import annotations

from typing import Any

from esgflow.catalog import Catalog
from esgflow.checks.conditions import Expectation, only
from esgflow.checks.rules import FIGURE_ROWS, Row, Rule, _dec, where

# Which parts: esgflow.figures.formulas.parts_needing_whole (read by the check frames).


def _expect_whole_given(rule: Rule, catalog: Catalog) -> list[Expectation]:
    """Every such part is blank wherever its whole is: its value, kept only on those rows, must be missing."""
    condition = where(FIGURE_ROWS, "whole_blank")
    return [Expectation("expect_column_values_to_be_null", {"column": only("value", condition)}, rule.meta())]


def _describe_whole_blank(row: Row, catalog: Catalog, meta: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    part, whole = catalog[row["indicator"]], catalog[row["whole"]]
    return (
        f"{part.code} ({part.name_en}) is given but {whole.code} ({whole.name_en}), the whole it is part of, is "
        f"blank; enter the whole (including this part), or leave the part blank too",
        (part.code, whole.code),
    )


WHOLE_RULES = [
    Rule(
        "part_without_whole",
        ("填写了分项但合计为空", "A part is given but its whole is blank"),
        (
            "请填写合计（含该分项）；如确无此项，请将分项也留空。",
            "Enter the whole, this part included; or leave the part blank too.",
        ),
        severity="warning",  # see the module's docstring
        suites=("submission",),
        expect=_expect_whole_given,
        describe=_describe_whole_blank,
        compare=lambda row: (None, _dec(row["value"])),
        compared=("合计", "Its whole"),
    ),
]
