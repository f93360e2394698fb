"""Plain rows the warehouse hands to the library: what a query answers, with no database in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


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
    signatories: dict[str, str] = field(default_factory=dict)  # meta_preparer ... as typed in that version


@dataclass(frozen=True)
class KnownBytes:
    """A submission that holds a file's bytes already."""

    entity: str
    period: str
    version: int
    status: str
    answered: bool  # its letter written and outcome logged


@dataclass(frozen=True)
class MailThread:
    """The message a return came in by mail: its letter answers in the same thread, to its sender."""

    message_id: str
    references: str  # the message's own References (its thread before it), maybe empty
    sender: str  # the address part, lower case


@dataclass(frozen=True)
class Origin:
    """Where a file came from when it came by mail: who may have sent it, and the message to answer."""

    allowed: frozenset[str]  # the entities its sender reports for
    thread: MailThread


@dataclass(frozen=True)
class OwedLetter:
    """A return answered whose letter has not gone out yet."""

    submission_id: int
    entity: str
    period: str
    version: int
    status: str
    content_hash: str
    thread: MailThread | None = None


@dataclass(frozen=True)
class ReporterNote:
    """A note a reporter wrote beside an accepted figure."""

    entity: str
    indicator: str
    note: str
    file: str
    sheet: str | None
    cell: str | None


@dataclass(frozen=True)
class RestatementRecord:
    """A recorded restatement of a period, as the report and `restate` show it."""

    period: str
    number: int
    reason: str
    restated_at: datetime
    changes: list[dict[str, Any]]
    significant: bool
    returns: list[dict[str, Any]] | None = None  # [{entity, version}] it rests on; None if not recorded


@dataclass(frozen=True)
class StoredFigure:
    """One consolidated figure with the observations it was computed from."""

    scope: str
    indicator: str
    basis: str
    value: Decimal
    method: str
    observation_ids: tuple[int, ...]


AUDITOR = "auditor"


@dataclass(frozen=True)
class AccessRecord:
    """An active sign-in: who, and for which entity (None: the ESG office, who sees every entity)."""

    grant_id: int
    email: str
    entity: str | None
    role: str = ""  # 'auditor': an assurance provider, who reads every entity and writes nothing but results
    period: str | None = None  # the one period an auditor's sign-in is for (None: every period)

    @property
    def is_auditor(self) -> bool:
        return self.role == AUDITOR

    @property
    def is_office(self) -> bool:
        return self.entity is None and not self.is_auditor


@dataclass(frozen=True)
class SubmissionRecord:
    """One version an entity sent for a period, with what was found in it (the portal's versions)."""

    version: int
    status: str
    received_at: datetime
    file: str
    archive_path: str | None
    findings: tuple[Any, ...]  # esgflow.findings.Finding


@dataclass(frozen=True)
class SubmissionVersion:
    """One stored version of an entity's return for a period, in the order of arrival."""

    entity: str
    version: int
    status: str
    arrived_at: datetime
    file: str
    content_hash: str
    signatories: dict[str, str] = field(default_factory=dict)  # meta_preparer ... as typed in this version


@dataclass(frozen=True)
class AuditRecord:
    """A row of the audit trail: who did what, when and why."""

    at: datetime
    actor: str
    action: str  # judged | approved | returned | excused | signed_off | restated | access_granted | access_revoked
    period: str | None
    entity: str | None
    version: int | None
    state: str | None
    reason: str | None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class SignoffRecord:
    """A signed-off period: who signed, when, the factor set and the returns its figures came from."""

    period: str
    signed_by: str
    signed_at: datetime
    factor_set_id: int
    returns: list[dict[str, Any]]
    excused: dict[str, str]


@dataclass(frozen=True)
class PortalEvent:
    """What happened at the portal: a sign-in or a submission, by whom, from where, and how it ended."""

    action: str  # signin | submission
    outcome: str
    client: str | None = None
    email: str | None = None
    entity: str | None = None
    period: str | None = None
    version: int | None = None
    detail: str | None = None
    at: datetime | None = None  # set by the warehouse


@dataclass(frozen=True)
class CycleRecord:
    """A period's collection cycle: its deadline, who opened it and when, and its sign-off if any."""

    period: str
    deadline: date
    opened_by: str
    opened_at: datetime
    changed_at: datetime | None
    signed_by: str | None = None
    signed_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class DisclosureTextRecord:
    """An explanation or narrative of a framework item in a period; approved_by is None until approved."""

    period: str
    framework: str
    item: str
    kind: str  # explanation or narrative
    text_zh: str
    text_en: str
    written_by: str
    approved_by: str | None
    carried_from: str | None = None  # set on a draft carried forward from an earlier period's approved text


@dataclass(frozen=True)
class BaselineRecord:
    """A metric's base year, its figure when the base year was set, who set it and when."""

    code: str
    year: int
    value: Decimal | None
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class TargetRecord:
    """A target on a metric for a scope, from a base-year value to a target-year value."""

    code: str
    scope: str
    kind: str  # absolute or intensity
    base_year: int
    base_value: Decimal
    target_year: int
    target_value: Decimal
    milestones: dict[int, Decimal]
    added_by: str


@dataclass(frozen=True)
class Scope3ScreeningRecord:
    """The ESG office's screening of one Scope 3 category for a period, and its approval if any."""

    period: str
    category: int
    relevant: bool
    reason: str
    method: str
    screened_by: str
    screened_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None


@dataclass(frozen=True)
class EvidenceRecord:
    """A document attached to an entity's return (indicator None) or to one of its figures (issue 29)."""

    id: int
    sha256: str
    size: int
    kind: str  # pdf | png | jpeg | xlsx
    file_name: str
    entity: str
    period: str
    indicator: str | None
    channel: str  # portal | api | mail
    sent_by: str
    sent_at: datetime
