"""`explain`'s answers on a fixed warehouse, as lines to compare across changes of how provenance is stored.

The warehouse: the demo group's 33 returns for 2024 recorded as accepted submissions, its Scope 3
screening, one consolidation. Every computed figure of the group and of each subtree (a scope with
entities under it) is explained through `explain_figure`, as the command does. Each answer is one line: indicator,
scope, the stored value, the value explain recomputes, the stored figure's observation ids (sorted), the
(entity, indicator, version, sheet, cell) of each of those observations, the cells the explanation tree
reaches and the factors it cites (code and value). Every figure of every scope, an entity's own ones
included, also gives a line of what `figures_with_sources` reads: scope, indicator, value, method and
observation ids. `python -m tests.explain_digest` writes them to
tests/data/explain_digest.txt; tests/test_figures_explain.py holds today's answers to it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from sqlalchemy import select

from esgflow.config import Settings, load_settings
from esgflow.figures.explain import Explanation, Node
from esgflow.jobs.common import entity_tree
from esgflow.jobs.figures import consolidate_period, explain_figure
from esgflow.jobs.scope3 import screen_demo
from esgflow.jobs.setup import init_warehouse
from esgflow.warehouse import db
from esgflow.warehouse import models as m
from esgflow.warehouse.figures import figures_with_sources
from tests.returns_factory import P2024, load_demo_returns

DIGEST = Path(__file__).parent / "data" / "explain_digest.txt"


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _line(found: Explanation, owners: dict[int, str]) -> str:
    stored, nodes = found.stored, _walk(found.tree)
    ids = sorted(stored.observation_ids)
    cells = sorted({f"{c.entity}/{c.indicator}/v{c.version}/{c.sheet}!{c.cell}" for n in nodes for c in n.cells})
    factors = sorted({f"{f.code}={f.value}" for n in nodes for f in n.factors})
    return "\t".join(
        [
            stored.indicator,
            stored.scope,
            str(stored.value),
            repr(found.tree.value),
            ",".join(map(str, ids)),
            ",".join(owners[i] for i in ids),
            ";".join(cells),
            ";".join(factors),
        ]
    )


def explain_lines(settings: Settings) -> list[str]:
    """Build the warehouse in the (empty) home of `settings`; explain's answer for every computed figure."""
    init_warehouse(settings)
    load_demo_returns(settings, P2024)
    screen_demo(settings, P2024)  # Scope 3 categories count as the office screened them
    consolidate_period(settings, P2024)
    f, o = m.ConsolidatedFigure, m.Observation
    with db.session_scope(settings.database_url) as s:
        figures = s.execute(
            select(m.Entity.code, m.Indicator.code)
            .select_from(f)
            .join(m.Entity, m.Entity.id == f.entity_id)
            .join(m.Indicator, m.Indicator.id == f.indicator_id)
            .where(f.basis == "computed")
        ).all()
        parents = entity_tree(s, P2024)
        every = figures_with_sources(s, P2024, "computed")
        owners = {
            i: f"{e}/{ind}/v{v}/{sheet}!{cell}"
            for i, e, ind, v, sheet, cell in s.execute(
                select(o.id, m.Entity.code, m.Indicator.code, m.Submission.version, o.sheet, o.cell)
                .select_from(o)
                .join(m.Entity, m.Entity.id == o.entity_id)
                .join(m.Indicator, m.Indicator.id == o.indicator_id)
                .join(m.Submission, m.Submission.id == o.submission_id)
            )
        }
    subtrees = set(parents.values())  # the root and every entity with entities under it
    lines = [
        _line(explain_figure(settings, P2024, code, scope), owners) for scope, code in figures if scope in subtrees
    ]
    lines += [
        "\t".join(
            ["sources", r["scope"], r["indicator"], r["value"], r["method"], ",".join(map(str, r["observation_ids"]))]
        )
        for r in every.iter_rows(named=True)
    ]
    return sorted(lines)


def digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = explain_lines(load_settings({"ESGFLOW_HOME": str(Path(tmp) / "home")}))
    DIGEST.write_text("\n".join(found) + "\n", encoding="utf-8")
    print(f"{len(found)} figures explained, sha256 {digest(found)} -> {DIGEST}", file=sys.stderr)
