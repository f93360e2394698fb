"""Warehouse tables, from raw returns to consolidated figures.

Layers: submissions (raw returns, archived files) -> observations (staged per submission,
validated once the submission is accepted) -> consolidated_figures (group and subtree
figures, computed or published) -> report tables (built from consolidated figures).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from esgflow.warehouse.types import Quantity


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, Decimal: Quantity}


class Entity(Base):
    __tablename__ = "entity"
    __table_args__ = (UniqueConstraint("code", name="uq_entity_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    short_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    relation: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(2))


class EntityLink(Base):
    """An entity's parent over a date range; a reorganisation adds a link, it rewrites none."""

    __tablename__ = "entity_link"
    __table_args__ = (UniqueConstraint("entity_id", "valid_from", name="uq_entity_link_entity_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)

    entity: Mapped[Entity] = relationship(foreign_keys=[entity_id])
    parent: Mapped[Entity | None] = relationship(foreign_keys=[parent_id])


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("entity_id", "email", name="uq_contact_entity_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))


class AccessGrant(Base):
    """A sign-in for a reporter of one entity (or for the ESG office, entity None); the token only as its hash."""

    __tablename__ = "access_grant"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_access_grant_token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    token_hash: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(8), server_default="link")  # link (once, for a session) or api
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when a link was exchanged
    # 'auditor' (migration 0029): an assurance provider's read-only sign-in, entity None, for one period
    # (period set) or every one; '' for a reporter (entity set) or the ESG office (entity None).
    role: Mapped[str] = mapped_column(String(8), server_default="")
    period: Mapped[str | None] = mapped_column(String(16))


class PortalSession(Base):
    """A browser session started by a sign-in link: kept by the hash of its id, ended by sign-out or revocation."""

    __tablename__ = "portal_session"
    __table_args__ = (UniqueConstraint("sid_hash", name="uq_portal_session_sid_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64))
    grant_id: Mapped[int] = mapped_column(ForeignKey("access_grant.id", name="fk_portal_session_grant"))
    csrf: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PortalEvent(Base):
    """What happened at the portal: every sign-in (success and failure) and every submission attempt.

    Kept by name rather than by key (email, entity code), so a row outlives the grant it was made under.
    """

    __tablename__ = "portal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    action: Mapped[str] = mapped_column(String(32))  # signin | submission
    outcome: Mapped[str] = mapped_column(String(32))  # ok, failed, accepted, rejected, forbidden, too_large ...
    client: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    entity: Mapped[str | None] = mapped_column(String(32))
    period: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class Evidence(Base):
    """A document behind a return or one of its figures (issue 29): its bytes are stored once under their
    SHA-256; a row says whose return it is for, which figure (none: the whole return), who sent it, when
    and through which channel. Kept by codes, like the portal's events, so it outlives a grant."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # pdf | png | jpeg | xlsx, as its content says
    file_name: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    indicator: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # portal | api | mail
    sent_by: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Indicator(Base):
    """A row per catalog indicator, kept in step with the catalog by `esgflow init`."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("code", name="uq_indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    pillar: Mapped[str] = mapped_column(String(8))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32))
    dtype: Mapped[str] = mapped_column(String(16))
    consolidation: Mapped[str] = mapped_column(String(20))
    formula: Mapped[str | None] = mapped_column(Text)
    appendix_order: Mapped[int | None] = mapped_column(Integer)


class Period(Base):
    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("code", name="uq_period_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Set when templates are first issued; returns are taken only for open periods.
    collection_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Factor(Base):
    __tablename__ = "factor"
    __table_args__ = (UniqueConstraint("code", "valid_from", name="uq_factor_code_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    looked_up: Mapped[date] = mapped_column(Date)
    name: Mapped[str | None] = mapped_column(String(64))
    publisher: Mapped[str | None] = mapped_column(Text)
    vintage: Mapped[int | None]
    region: Mapped[str | None] = mapped_column(String(32))
    gas: Mapped[str | None] = mapped_column(String(16))
    gwp: Mapped[str | None] = mapped_column(String(16))
    choice: Mapped[str | None] = mapped_column(String(32))
    variant: Mapped[str | None] = mapped_column(String(32))
    publication: Mapped[str | None] = mapped_column(Text)  # the official publication: title, number, date
    url: Mapped[str | None] = mapped_column(Text)  # on the publisher's own site
    transcription: Mapped[str | None] = mapped_column(Text)  # a third party's copy that was read
    note: Mapped[str | None] = mapped_column(Text)


class EntityLocation(Base):
    """Where an entity uses its energy, with dates: a province in China, a country abroad."""

    __tablename__ = "entity_location"
    __table_args__ = (UniqueConstraint("entity_id", "valid_from", name="uq_entity_location_entity_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    location: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)


class FactorSet(Base):
    """A factor registry as a run used it: every factor, choice and fallback, by content."""

    __tablename__ = "factor_set"
    __table_args__ = (UniqueConstraint("digest", name="uq_factor_set_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PeriodFactorPin(Base):
    """The factor set a period's figures are computed with; it moves only by restatement."""

    __tablename__ = "period_factor_pin"
    __table_args__ = (UniqueConstraint("period_id", name="uq_period_factor_pin_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_set.id"))
    pinned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Restatement(Base):
    """An explicit recomputation of a period: why, with which factors, and what moved."""

    __tablename__ = "restatement"
    __table_args__ = (UniqueConstraint("period_id", "number", name="uq_restatement_period_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    restated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    from_factor_set_id: Mapped[int | None] = mapped_column(ForeignKey("factor_set.id"))
    to_factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_set.id"))
    changes: Mapped[list[Any]]
    significant: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # [{entity, version}] of the approved returns it was computed from (null before migration 0015)
    returns: Mapped[list[Any] | None]


class Submission(Base):
    """One received file: the raw return, archived before it is parsed."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("entity_id", "period_id", "version", name="uq_submission_entity_period_version"),
        UniqueConstraint("entity_id", "period_id", "content_hash", name="uq_submission_entity_period_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(500))
    archive_path: Mapped[str | None] = mapped_column(Text)
    template_version: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when its letter is written and its outcome logged; empty: a stopped run left it to the next one.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The letter's mailing (migration 0004): whether it goes by mail (a return from the inbox),
    # a run's lease on sending it, and when it went out.
    # When the file arrived (its time in the inbox): the newest version is the one that arrived
    # last, even when two runs at once store them in the other order (migration 0004).
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    letter_owed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    letter_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    letter_mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A return that came by mail: the message it came in, so its letter answers in that thread,
    # and who sent it (migration 0010).
    mail_message_id: Mapped[str | None] = mapped_column(String(998))
    mail_references: Mapped[str | None] = mapped_column(Text)
    mail_from: Mapped[str | None] = mapped_column(String(254))
    # Who stands behind the return, as typed in its meta_preparer ... meta_contact_email cells (migration 0031)
    signatories: Mapped[dict[str, str] | None] = mapped_column(JSON)

    entity: Mapped[Entity] = relationship()
    period: Mapped[Period] = relationship()


class Observation(Base):
    """One figure of one submission, in long form, with its lineage back to the cell."""

    __tablename__ = "observation"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_id", name="uq_observation_submission_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    value: Mapped[Decimal | None]  # None: explicitly not reported; never a zero
    original_value: Mapped[str | None] = mapped_column(Text)
    original_unit: Mapped[str | None] = mapped_column(String(32))
    source_file: Mapped[str] = mapped_column(String(500))
    sheet: Mapped[str | None] = mapped_column(String(100))
    cell: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # the reporter marked the figure as estimated (migration 0013); false for every older return
    estimated: Mapped[bool] = mapped_column(Boolean, server_default=false())

    submission: Mapped[Submission] = relationship()
    indicator: Mapped[Indicator] = relationship()


class ObservationSplit(Base):
    """Where the amount of an observation was used, row by row, as its return split it (migration 0006).

    An entity working in several provinces splits its electricity so each part takes its own
    province's grid factor; without rows here, the entity's registered location applies.
    """

    __tablename__ = "observation_split"
    __table_args__ = (UniqueConstraint("observation_id", "location", name="uq_observation_split_location"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id"))
    location: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal]  # in the indicator's reporting unit, like the observation's
    original_value: Mapped[str | None] = mapped_column(Text)
    sheet: Mapped[str | None] = mapped_column(String(100))
    cell: Mapped[str | None] = mapped_column(String(20))


class Finding(Base):
    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    indicators: Mapped[list[Any]]
    message: Mapped[str] = mapped_column(Text)
    expected: Mapped[Decimal | None]
    actual: Mapped[Decimal | None]
    sheet: Mapped[str | None] = mapped_column(String(100))
    cell: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsolidatedFigure(Base):
    """A figure for an entity's subtree (the root's subtree is the group) in a period.

    basis: 'published' and 'published_restated' come from imported reports;
    'computed' comes from consolidation of accepted observations.
    """

    __tablename__ = "consolidated_figure"
    __table_args__ = (
        UniqueConstraint(
            "entity_id", "period_id", "indicator_id", "basis", name="uq_figure_scope_period_indicator_basis"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    basis: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal]
    method: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    indicator: Mapped[Indicator] = relationship()
    period: Mapped[Period] = relationship()
    entity: Mapped[Entity] = relationship()


class FigureSource(Base):
    """Provenance of a computed figure: the observations it was computed from."""

    __tablename__ = "figure_source"

    figure_id: Mapped[int] = mapped_column(ForeignKey("consolidated_figure.id", ondelete="CASCADE"), primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id"), primary_key=True)


class AuditEvent(Base):
    """One recorded change: a judgement, review, excuse, sign-off, restatement or access grant/revoke.

    Append-only (migration 0010 adds triggers that refuse UPDATE and DELETE). Periods, entities
    and versions are kept by their codes, not by foreign keys: the trail must read the same
    whatever later becomes of the rows it speaks of.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    period: Mapped[str | None] = mapped_column(String(10))
    entity: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PeriodSignoff(Base):
    """A period locked by sign-off: who signed, when, the factor set and the returns its figures came from."""

    __tablename__ = "period_signoff"
    __table_args__ = (UniqueConstraint("period_id", name="uq_period_signoff_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_set.id"))
    returns: Mapped[list[Any]]  # [{entity, version, file, content_hash}] of the returns in the figures
    excused: Mapped[dict[str, Any]]  # entity -> why it has no return in the figures


class Cycle(Base):
    """A period's collection cycle as the ESG office opened it: the deadline its reporters are given."""

    __tablename__ = "cycle"
    __table_args__ = (UniqueConstraint("period_id", name="uq_cycle_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    deadline: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by `esgflow cycle close`, cleared when the cycle is opened again.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))


# The tables of what the report answers beyond figures live beside these (one module each concern);
# imported here so that `models.DisclosureText` and the metadata know them wherever models is imported.
from esgflow.warehouse.models_answers import Baseline, DisclosureText, Scope3Screening, Target  # noqa: E402, F401
from esgflow.warehouse.models_provenance import (  # noqa: E402, F401
    ConsolidationFeed,
    ConsolidationInput,
    ConsolidationMember,
)
from esgflow.warehouse.models_registers import RegisterRow  # noqa: E402, F401
