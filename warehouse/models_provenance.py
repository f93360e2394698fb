"""Warehouse tables of a consolidation's provenance kept small: which submissions it read, the entity tree it
consolidated along and which indicators' observations each of its figures' indicators draws on.

A computed figure's sources are derived from them (esgflow.warehouse.provenance): the observations with a
value of the consolidation's input submissions, reported by a member of the figure's subtree as the
consolidation saw it, whose indicator feeds the figure's indicator. One row per submission, one per
(scope, member) and one per (indicator, fed-by indicator) replace one figure_source row per (figure,
observation), millions at 10,000 entities. The tree is frozen here, not read from entity_link, because
reloading the reference data may rewrite a past period's links: a published figure's sources change only
when it is consolidated (or restated) again. A figure whose
sources cannot be derived so keeps its figure_source rows (esgflow.warehouse.models.FigureSource).

Kept apart from esgflow.warehouse.models (which imports it) so each stays readable; they share its Base.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from esgflow.warehouse.models import Base


class ConsolidationInput(Base):
    """A submission whose observations a period's figures of one basis were computed from."""

    __tablename__ = "consolidation_input"
    __table_args__ = (PrimaryKeyConstraint("period_id", "basis", "submission_id", name="pk_consolidation_input"),)

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", name="fk_consolidation_input_period"))
    basis: Mapped[str] = mapped_column(String(20))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", name="fk_consolidation_input_submission"))


class ConsolidationMember(Base):
    """`member_id` was in the subtree of `scope_id` (itself included) when a period's figures of one basis
    were consolidated: the entity tree's closure as that consolidation used it."""

    __tablename__ = "consolidation_member"
    __table_args__ = (
        PrimaryKeyConstraint("period_id", "basis", "scope_id", "member_id", name="pk_consolidation_member"),
        # the derivation reaches a member from its submission: without this SQLite scans every member per source
        Index("ix_consolidation_member_member", "period_id", "basis", "member_id", "scope_id"),
    )

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", name="fk_consolidation_member_period"))
    basis: Mapped[str] = mapped_column(String(20))
    scope_id: Mapped[int] = mapped_column(ForeignKey("entity.id", name="fk_consolidation_member_scope"))
    member_id: Mapped[int] = mapped_column(ForeignKey("entity.id", name="fk_consolidation_member_member"))


class ConsolidationFeed(Base):
    """The figures of `indicator_id` (a period, one basis) rest on the input observations of `source_id`
    reported in their subtree: every one of them, no other."""

    __tablename__ = "consolidation_feed"
    __table_args__ = (
        PrimaryKeyConstraint("period_id", "basis", "indicator_id", "source_id", name="pk_consolidation_feed"),
    )

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", name="fk_consolidation_feed_period"))
    basis: Mapped[str] = mapped_column(String(20))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", name="fk_consolidation_feed_indicator"))
    source_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", name="fk_consolidation_feed_source"))
