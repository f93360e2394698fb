"""Warehouse tables of a consolidation's provenance kept small: which submissions it read and which
indicators' observations each of its figures' indicators draws on.

A computed figure's sources are derived from them (esgflow.warehouse.provenance): the observations with a
value of the consolidation's input submissions, reported by an entity of the figure's subtree, whose
indicator feeds the figure's indicator. One row per submission and one per (indicator, fed-by indicator)
replace one figure_source row per (figure, observation), millions at 10,000 entities. A figure whose
sources cannot be derived so keeps its figure_source rows (esgflow.warehouse.models.FigureSource).

Kept apart from esgflow.warehouse.models (which imports it) so each stays readable; they share its Base.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from esgflow.warehouse.models import Base


class ConsolidationInput(Base):
    """A submission whose observations a period's figures of one basis were computed from."""

    __tablename__ = "consolidation_input"
    __table_args__ = (PrimaryKeyConstraint("period_id", "basis", "submission_id", name="pk_consolidation_input"),)

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", name="fk_consolidation_input_period"))
    basis: Mapped[str] = mapped_column(String(20))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", name="fk_consolidation_input_submission"))


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
