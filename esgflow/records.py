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
    accepted_version: int | None = None  # the newest accepted version: the one in the figures


@dataclass(frozen=True)
class KnownBytes:
    """A submission that holds a file's bytes already."""

    entity: str
    period: str
    version: int
    status: str
    answered: bool  # its letter written and outcome logged


@dataclass(frozen=True)
class OwedLetter:
    """A return answered whose letter has not gone out yet."""

    submission_id: int
    entity: str
    period: str
    version: int
    status: str
    content_hash: str


@dataclass(frozen=True)
class ReporterNote:
    """A note a reporter wrote beside an accepted figure."""

    entity: str
    indicator: str
    note: str
    file: str
    sheet: str | None
    cell: str | None
