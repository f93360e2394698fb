"""A consolidation's provenance, stored small and derived back: the submissions it read, the entity tree it
consolidated along, and per indicator of its figures the indicators whose observations feed it
(esgflow.warehouse.models_provenance).

A computed figure's sources are then the observations with a value of the consolidation's input
submissions that a member of the figure's subtree (the tree as that consolidation used it, frozen as
closure rows: entity_link may be rewritten for a past period when the reference data is reloaded, and a
published figure's sources must not move with it) reported for an indicator feeding the figure's. That
holds for every way a figure is made -- a sum, a group figure, an average weighted by another indicator,
per-entity emissions, a formula over other figures, the Scope 3 total -- because each takes its subtree's
observations of the indicators it uses; the writer does not rely on it but checks it (`derivable`): an
indicator for which the stored pieces would not give back exactly the ids consolidation listed for each of
its figures keeps one figure_source row per (figure, observation), as every figure did before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, select, union_all
from sqlalchemy.orm import Session, aliased

from esgflow.entities import ancestry
from esgflow.periods import Period
from esgflow.warehouse import models as m
from esgflow.warehouse.db import bulk_insert, code_frame

if TYPE_CHECKING:  # polars is imported where a frame is made: `status` reads no frames
    import polars as pl


# figures whose ids are exploded at once by the exactness check (about 4 ids each at 10,000 entities)
IDS_AT_ONCE = 200_000


@dataclass(frozen=True)
class Inputs:
    """What a consolidation read: its observations (observation_id, entity, indicator), the entity tree
    (entity -> parent) it consolidated along and each entity's submission it read (entity, submission_id)."""

    observations: pl.DataFrame
    parents: Mapping[str, str | None]
    submissions: pl.DataFrame


def submissions_read(session: Session, period: Period, chosen: Mapping[str, int] | None = None) -> pl.DataFrame:
    """(entity, submission_id) of the submission of each entity a consolidation of the period reads: its newest
    accepted one, or the version `chosen` for it (entity -> version)."""
    import polars as pl

    from esgflow.cycle.states import ACCEPTED
    from esgflow.warehouse.submissions import newest_versions

    if chosen is None:
        newest = newest_versions(period, ACCEPTED)
        query: Any = select(m.Entity.code, newest.c.id).join(newest, newest.c.entity_id == m.Entity.id)
    else:
        query = (
            select(m.Entity.code, m.Submission.id, m.Submission.version)
            .join(m.Submission, m.Submission.entity_id == m.Entity.id)
            .join(m.Period, m.Period.id == m.Submission.period_id)
            .where(m.Period.code == period.code, m.Entity.code.in_(sorted(chosen)))
        )
    rows = [(r[0], r[1]) for r in session.execute(query) if chosen is None or chosen[r[0]] == r[2]]
    return pl.DataFrame(rows, schema={"entity": pl.Utf8, "submission_id": pl.Int64}, orient="row")


def closure(parents: Mapping[str, str | None]) -> pl.DataFrame:
    """(entity, scope): every entity with itself and each of its ancestors in the tree given."""
    import polars as pl

    return pl.DataFrame(ancestry(dict(parents)), schema=["entity", "scope"], orient="row", strict=False)


def derivable(figures: pl.DataFrame, inputs: Inputs) -> tuple[pl.DataFrame, set[str], list[str]]:
    """Which figures' sources the stored pieces give back exactly.

    figures: scope, indicator, observation_ids. Returns the feeds (indicator, source) of the indicators
    whose every figure's ids are exactly the input observations of its subtree for the indicators feeding
    it, the other indicators (their figures keep figure_source rows) and the entities whose submissions
    were read (those with an observation in a figure). All of it set-based, on integer codes (millions of
    ids at 10,000 entities): no loop per figure, and no join over the millions of ids -- each id finds its
    owner by its place in an array indexed by observation id, and pairs are single integer keys.
    """
    import polars as pl

    tree = closure(inputs.parents)
    obs = inputs.observations
    every = (tree["entity"], figures["scope"], obs["entity"], figures["indicator"], obs["indicator"])
    names = pl.concat([c.unique() for c in every]).unique().sort().to_list()  # every name, coded by its place here
    coded, width = pl.Enum(names), len(names)

    def code(column: str) -> pl.Expr:
        return pl.col(column).cast(coded).to_physical().cast(pl.Int32)

    def pair(left: str, right: str) -> pl.Expr:  # two codes as one integer key
        return pl.col(left).cast(pl.Int64) * width + pl.col(right)

    tree = tree.select(code("entity").alias("e"), code("scope").alias("s"))
    owner = obs.select("observation_id", code("entity").alias("e"), code("indicator").alias("j"))
    owner = owner.filter(pl.col("e").is_in(tree["e"].unique().implode()))
    figs = figures.select(code("scope").alias("s"), code("indicator").alias("i"), "observation_ids")
    figs = figs.with_row_index("f")
    # the owner (entity, indicator) of each id, by its place in an array: null for an id that is no input observation
    size = int(owner["observation_id"].max() or 0) + 1
    at = owner["observation_id"].cast(pl.UInt32)
    lookups = {
        c: pl.Series(c, [None], pl.Int32).extend_constant(None, size - 1).scatter(at, owner[c]) for c in ("e", "j")
    }
    known = (pl.col("observation_id") >= 0) & (pl.col("observation_id") < size)
    place = pl.col("observation_id").clip(0, size - 1).cast(pl.UInt32)
    pairs = tree.select(pair("e", "s"))["e"].implode()
    used = [pl.Series("e", [], pl.Int32)]
    feeds = [pl.DataFrame(schema={"i": pl.Int32, "j": pl.Int32})]
    bad = [pl.Series("i", [], pl.Int32)]
    for chunk in figs.iter_slices(IDS_AT_ONCE):  # millions of ids, exploded a slice of figures at a time
        ids = (
            chunk.select("s", "i", pl.col("observation_ids").alias("observation_id"))
            .explode("observation_id")
            .drop_nulls("observation_id")
            .with_columns(pl.col("observation_id").cast(pl.Int32))  # half the memory of millions of ids
        )
        ids = ids.with_columns(pl.when(known).then(pl.lit(v).gather(place)).alias(c) for c, v in lookups.items())
        used.append(ids["e"].drop_nulls().unique())
        feeds.append(ids.select("i", "j").drop_nulls().unique())
        # a figure fails if one of its ids is not an input observation of its subtree, or is listed twice ...
        bad.append(ids.filter(pl.col("e").is_null() | ~pair("e", "s").is_in(pairs))["i"].unique())
    used_entities, feed_pairs = pl.concat(used).unique(), pl.concat(feeds).unique()
    twice = figs.filter(pl.col("observation_ids").list.n_unique() != pl.col("observation_ids").list.len())["i"]
    # ... or if its subtree has another input observation of an indicator feeding it
    counts = (
        owner.filter(pl.col("e").is_in(used_entities.implode()))
        .join(tree, on="e")
        .group_by(pair("s", "j").alias("key"))
        .len()
    )
    expected = (
        figs.select("f", "s", "i")
        .join(feed_pairs, on="i")
        .select("f", pair("s", "j").alias("key"))
        .join(counts, on="key")
        .group_by("f")
        .agg(pl.col("len").sum().alias("expected"))
    )
    short = (
        figs.select("f", "i", pl.col("observation_ids").list.len().alias("n"))
        .join(expected, on="f", how="left")
        .filter(pl.col("expected").fill_null(0) != pl.col("n"))["i"]
    )
    failed = pl.concat([*bad, twice, short]).unique()
    good = feed_pairs.filter(~pl.col("i").is_in(failed.implode()))
    out = pl.DataFrame(
        {"indicator": [names[c] for c in good["i"].to_list()], "source": [names[c] for c in good["j"].to_list()]},
        schema={"indicator": pl.Utf8, "source": pl.Utf8},
    )
    return out, {names[c] for c in failed.to_list()}, sorted(names[c] for c in used_entities.to_list())


def replace_inputs(
    session: Session, period_id: int, basis: str, feeds: pl.DataFrame, submissions: pl.DataFrame, tree: pl.DataFrame
) -> None:
    """Store a consolidation's feeds (indicator, source), input submissions (submission_id) and the closure of the
    tree it used (entity, scope: `closure`), replacing old ones. The whole closure is kept, not only the members
    with an input submission, so that the tree itself can be read back (`consolidated_tree`)."""
    import polars as pl

    feed, read, member = m.ConsolidationFeed.__table__, m.ConsolidationInput.__table__, m.ConsolidationMember.__table__
    for table in (feed, read, member):
        session.execute(delete(table).where((table.c.period_id == period_id) & (table.c.basis == basis)))
    ids = code_frame(session, "indicator")
    rows = (
        feeds.join(ids, on="indicator")
        .join(ids.rename({"indicator": "source", "indicator_id": "source_id"}), on="source")
        .select(
            pl.lit(period_id, pl.Int64).alias("period_id"), pl.lit(basis).alias("basis"), "indicator_id", "source_id"
        )
        .unique()
        .sort("indicator_id", "source_id")
    )
    bulk_insert(session, feed, rows)
    bulk_insert(
        session,
        read,
        submissions.select(
            pl.lit(period_id, pl.Int64).alias("period_id"), pl.lit(basis).alias("basis"), "submission_id"
        )
        .unique()
        .sort("submission_id"),
    )
    entities = code_frame(session, "entity")
    members = (
        tree.join(entities.rename({"entity": "scope", "entity_id": "scope_id"}), on="scope")
        .join(entities.rename({"entity_id": "member_id"}), on="entity")
        .select(pl.lit(period_id, pl.Int64).alias("period_id"), pl.lit(basis).alias("basis"), "scope_id", "member_id")
        .unique()
        .sort("scope_id", "member_id")  # in the order of the primary key
    )
    bulk_insert(session, member, members)


def consolidated_tree(session: Session, period: Period, basis: str) -> dict[str, str | None] | None:
    """entity -> parent of the tree the period's figures of `basis` were consolidated along, read back from its
    closure (an entity's parent is its ancestor one level up), or None if none was stored (figures consolidated
    before migration 0032)."""
    scope, member = aliased(m.Entity), aliased(m.Entity)
    c = m.ConsolidationMember
    rows = session.execute(
        select(member.code, scope.code)
        .select_from(c)
        .join(m.Period, m.Period.id == c.period_id)
        .join(scope, scope.id == c.scope_id)
        .join(member, member.id == c.member_id)
        .where(m.Period.code == period.code, c.basis == basis)
    )
    above: dict[str, set[str]] = {}
    for entity, ancestor in rows.tuples():
        above.setdefault(entity, set()).add(ancestor)
    if not above:
        return None
    return {
        e: next((a for a in up if len(above.get(a, ())) == len(up) - 1), None) if len(up) > 1 else None
        for e, up in sorted(above.items())
    }


def sources_of(period: Period, *where: Any) -> Any:
    """Subquery (figure_id, observation_id): the sources of the period's figures that meet `where` (conditions
    on ConsolidatedFigure): derived from the stored pieces, and any figure_source rows kept. The subtree is
    the consolidation's frozen one (consolidation_member), never entity_link as it stands when read."""
    f, o, s = m.ConsolidatedFigure, m.Observation, m.Submission
    feed, read, member = m.ConsolidationFeed, m.ConsolidationInput, m.ConsolidationMember
    derived = (
        select(f.id.label("figure_id"), o.id.label("observation_id"))
        .select_from(f)
        .join(m.Period, m.Period.id == f.period_id)
        .join(feed, and_(feed.period_id == f.period_id, feed.basis == f.basis, feed.indicator_id == f.indicator_id))
        .join(member, and_(member.period_id == f.period_id, member.basis == f.basis, member.scope_id == f.entity_id))
        .join(read, and_(read.period_id == f.period_id, read.basis == f.basis))
        .join(s, and_(s.id == read.submission_id, s.entity_id == member.member_id))
        .join(o, and_(o.submission_id == s.id, o.indicator_id == feed.source_id))
        .where(m.Period.code == period.code, o.value.is_not(None), *where)
    )
    kept = (
        select(m.FigureSource.figure_id, m.FigureSource.observation_id)
        .join(f, f.id == m.FigureSource.figure_id)
        .join(m.Period, m.Period.id == f.period_id)
        .where(m.Period.code == period.code, *where)
    )
    return union_all(derived, kept).subquery("sources")
