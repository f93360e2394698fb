"""Plain rows the warehouse hands to the library: what a query answers, with no database in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NewestSubmission:
    """An entity's newest submission of a period, with the count of its findings."""

    entity: str
    status: str
    version: int
    received_at: datetime
    file: str
    errors: int
    warnings: int


@dataclass(frozen=True)
class ReporterNote:
    """A note a reporter wrote beside an accepted figure."""

    entity: str
    indicator: str
    note: str
    file: str
    sheet: str | None
    cell: str | None
