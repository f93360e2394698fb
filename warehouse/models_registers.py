"""Warehouse table of the registers: the rows of the lists a return answers row by row (an entity's sites,
its climate risks), kept per submission like its observations, so each entity's version has its own rows.

Kept apart from esgflow.warehouse.models (which imports it) so each stays readable; they share its Base.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from esgflow.warehouse.models import Base


class RegisterRow(Base):
    """One filled row of a register in one submission: its cells by column key, every value as text
    (a number as its exact decimal, a choice as its value), blank cells left out, never zero."""

    __tablename__ = "register_row"
    __table_args__ = (
        UniqueConstraint("submission_id", "table_name", "row_number", name="uq_register_row_submission_table_row"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", name="fk_register_row_submission"))
    table_name: Mapped[str] = mapped_column(String(32))  # the register (`sites`), its ListObject tbl_<name>
    sheet: Mapped[str] = mapped_column(String(100))
    row_number: Mapped[int] = mapped_column(Integer)  # the row on its sheet, where the reporter typed it
    cells: Mapped[dict[str, Any]]
