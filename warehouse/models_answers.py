"""Warehouse tables of what the report answers beyond figures: framework texts, base years, targets, Scope 3 screening.

Kept apart from esgflow.warehouse.models (which imports them) so each stays readable; they share its Base.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from esgflow.warehouse.models import Base


class DisclosureText(Base):
    """An explanation of why a framework item is not disclosed, or a narrative answer, for one period.

    Written by one person and approved by another; rewriting it clears the approval.
    """

    __tablename__ = "disclosure_text"
    __table_args__ = (UniqueConstraint("period_id", "framework", "item", name="uq_disclosure_text_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    framework: Mapped[str] = mapped_column(String(8))
    item: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # explanation or narrative
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carried_from: Mapped[str | None] = mapped_column(String(10))  # the period whose approved text it confirms


class Baseline(Base):
    """The base year the ESG office set for a metric, and its group figure then (the base-year figure)."""

    __tablename__ = "baseline"
    __table_args__ = (UniqueConstraint("code", name="uq_baseline_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal | None]
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Target(Base):
    """A target on a metric: from a base-year value to a target-year value, with interim milestones."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("code", "scope", "target_year", name="uq_target_code_scope_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # absolute or intensity
    base_year: Mapped[int] = mapped_column(Integer)
    base_value: Mapped[Decimal]
    target_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[Decimal]
    milestones: Mapped[dict[str, Any]]  # year -> value
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Scope3Screening(Base):
    """The ESG office's screening of one Scope 3 category for a period: relevant or not, why and how.

    One row per period and category, rewritten by a new screening (which clears its approval: an
    approval is of the text it saw); every screening and approval is also in the audit trail.
    A category's figure counts only when it is screened relevant and approved by someone else.
    """

    __tablename__ = "scope3_screening"
    __table_args__ = (UniqueConstraint("period_id", "category", name="uq_scope3_screening_period_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", name="fk_scope3_screening_period"))
    category: Mapped[int] = mapped_column(Integer)
    relevant: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    screened_by: Mapped[str] = mapped_column(String(200))
    screened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
