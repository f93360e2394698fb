"""The ESG office's review, sign-off and audit trail (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from esgflow import EsgflowError
from esgflow.catalog import load_catalog
from esgflow.checks.group import check_period
from esgflow.checks.rules import wording
from esgflow.config import Settings
from esgflow.cycle.review import (
    DECISIONS,
    actor,
    excuses,
    figures_version,
    review_states,
    signoff_refusals,
    target,
    version_states,
)
from esgflow.cycle.states import APPROVED, EXCUSED, RETURNED, move
from esgflow.entities import load_registry
from esgflow.factors import load_factors, registry_from
from esgflow.findings import Finding
from esgflow.jobs.access import reporter_addresses
from esgflow.jobs.common import entity_tree, require_schema, standing_basis
from esgflow.jobs.figures import consolidate_period
from esgflow.mail.notices import (
    returned_mail,
)
from esgflow.mail.sending import mailer_for
from esgflow.periods import Period
from esgflow.records import (
    AuditRecord,
    SignoffRecord,
    SubmissionVersion,
)
from esgflow.warehouse import db, trail
from esgflow.warehouse.figures import consolidation_is_stale, group_figures, pinned_factor_set, stored_figures
from esgflow.warehouse.observations import reporter_notes
from esgflow.warehouse.submissions import submission_versions
from esgflow.warehouse.trail import audit_events, record_audit, record_signoff

# The ESG office's review, sign-off and audit trail (issue 13).


@dataclass(frozen=True)
class ReviewResult:
    """What a review did: the entity's version moved (None for an excuse), its new state, whom it was mailed to."""

    period: str
    entity: str
    version: int | None
    state: str
    by: str
    to: list[str] = field(default_factory=list)  # the reporters a returned version was mailed to
    mailed: list[str] = field(default_factory=list)  # where the mail went (addresses, or the outbox file)


def review_return(
    settings: Settings,
    period: Period,
    entity: str,
    decision: str,
    reason: str = "",
    by: str | None = None,
    version: int | None = None,
    smtp_block: str | None = None,
) -> ReviewResult:
    """Approve or return an entity's return (its newest version, or the one named), or excuse the entity.

    The move is checked by the state machine (esgflow.cycle.states) and recorded in the audit trail;
    a returned version goes back to its reporters with the reason, by mail like the letters.
    """
    if decision not in DECISIONS:
        raise EsgflowError(
            f"a review approves, returns or excuses, not {decision!r}", f"审核只能批准、退回或免报，而非 {decision!r}"
        )
    if decision != APPROVED and not reason.strip():
        raise EsgflowError(
            f"to {'return a return' if decision == RETURNED else 'excuse an entity'} needs a reason",
            f"{'退回' if decision == RETURNED else '免报'}须写明原因",
        )
    require_schema(settings)
    who, why = actor(by), reason.strip() or None
    with db.session_scope(settings.database_url) as session:
        if entity not in entity_tree(session, period):
            raise EsgflowError(
                f"{entity} is not an entity that reports in {period}", f"{entity} 不是 {period} 年度的填报单位"
            )
        versions = submission_versions(session, period, entity)
        if decision == EXCUSED:
            used = figures_version(versions)
            if used is not None:
                raise EsgflowError(
                    f"cannot excuse {entity} for {period}: it has a usable return (version {used.version}); "
                    "approve it or return it",
                    f"{entity} {period} 年度已有可用的报表（第 {used.version} 版），不能免报；请批准或退回",
                )
            record_audit(session, EXCUSED, who, period, entity=entity, state=EXCUSED, reason=why)
            return ReviewResult(period.code, entity, None, EXCUSED, who)
        chosen = target(versions, entity, period.code, version)
        states = version_states(versions, audit_events(session, period, DECISIONS))
        what = (f"{entity} {period} version {chosen.version}", f"{entity} {period} 年度第 {chosen.version} 版")
        state = move(states[(entity, chosen.version)], decision, *what)
        record_audit(session, decision, who, period, entity=entity, version=chosen.version, state=state, reason=why)
    to: list[str] = []
    mailed: list[str] = []
    if decision == RETURNED:  # recorded first: a mail that fails can be sent again, a decision is not lost
        to = sorted(reporter_addresses(settings).get(entity, set()))
        if to:
            mail = returned_mail(load_registry()[entity], to, period, chosen.version, why or "")
            mailed = mailer_for(settings, smtp_block).send([mail])
    return ReviewResult(period.code, entity, chosen.version, state, who, to, mailed)


def open_checks(settings: Settings, period: Period, lang: str = "en") -> list[Finding]:
    """Group check findings on the period's standing computed figures (errors, warnings), and the notes
    reporters wrote beside their figures (info), which may explain a warning: what the sign-off page shows.

    Only the errors stop a sign-off: contradictions inside a published report (of this year or an
    older one) are the published report's, and the period's own figures are the computed ones.
    """
    root = load_registry().root()
    with db.session_scope(settings.database_url) as session:
        basis = standing_basis(session, period)
        figures = group_figures(session, root, [period, period.shifted_years(-1)])
        pinned = pinned_factor_set(session, period)
        notes = reporter_notes(session, period)
    own = {key: value for key, value in figures.items() if key[1] != period.code or key[2] == basis}
    factors = registry_from(pinned[1]) if pinned else load_factors()
    found = check_period(own, notes, period, load_catalog(), factors, settings.home, lang)
    return [f for f in found if f.period == period.code]


def open_errors(settings: Settings, period: Period, lang: str = "en") -> list[Finding]:
    """The group check errors that stop a sign-off (see open_checks)."""
    return [f for f in open_checks(settings, period, lang) if f.severity == "error"]


@dataclass(frozen=True)
class SignoffResult:
    period: str
    by: str
    signed_at: datetime
    approved: list[str]  # 'ENTITY vN' of the returns in the figures
    excused: dict[str, str]
    figure_count: int


def signoff_period(settings: Settings, period: Period, by: str) -> SignoffResult:
    """Lock a period once every expected entity is approved or excused and no group check error is open.

    The consolidated figures, the pinned factor set and the returns they came from are then
    frozen: consolidate_period leaves them, and only restate_period moves them, on record.
    """
    who = by.strip()
    if not who:
        raise EsgflowError("a sign-off needs the name of who signs (--by)", "签发须填写签发人姓名")
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        signed = trail.period_signoff(session, period)
        if signed is not None:
            when = f"{signed.signed_at:%Y-%m-%d %H:%M} UTC"
            raise EsgflowError(
                f"{period} was signed off by {signed.signed_by} on {when}: it is locked",
                f"{period} 年度已由 {signed.signed_by} 于 {when} 签发，已锁定",
            )
        members = entity_tree(session, period)
        versions = submission_versions(session, period)
        decisions = audit_events(session, period, DECISIONS)
        stale = consolidation_is_stale(session, period)
    reviews = review_states(versions, decisions, members)
    refused = signoff_refusals(reviews, load_registry().codes)
    if refused:
        raise EsgflowError(
            f"cannot sign off {period}: neither approved nor excused: {', '.join(refused)}",
            f"无法签发 {period} 年度：以下单位既未批准也未免报：{'、'.join(refused)}",
        )
    if stale or not _has_figures(settings, period):
        consolidate_period(settings, period)  # the figures are those of the approved returns
    errors = open_errors(settings, period)
    if errors:
        listed = "; ".join(f.message for f in errors[:5]) + (f" and {len(errors) - 5} more" if len(errors) > 5 else "")
        # the Chinese page lists each open check in full above the form; the refusal names their rules
        zh = "、".join(dict.fromkeys(wording(f.rule, "zh")[0] for f in errors))
        raise EsgflowError(
            f"cannot sign off {period}: {len(errors)} group check errors are open: {listed}",
            f"无法签发 {period} 年度：{len(errors)} 个集团层面校验错误未解决（{zh}）",
        )
    grouped: dict[str, list[SubmissionVersion]] = {}
    for v in versions:
        grouped.setdefault(v.entity, []).append(v)
    used = [u for e in load_registry().codes if e in members and (u := figures_version(grouped.get(e, [])))]
    returns = [{"entity": u.entity, "version": u.version, "file": u.file, "content_hash": u.content_hash} for u in used]
    excused = {e: r for e, r in excuses(decisions).items() if reviews.get(e) == EXCUSED}
    with db.session_scope(settings.database_url) as session:
        pinned = pinned_factor_set(session, period)
        if pinned is None:
            raise EsgflowError(
                f"{period} has no consolidated figures to sign off", f"{period} 年度没有可签发的合并数据"
            )
        at = record_signoff(session, period, who, pinned[0], returns, excused)
        record_audit(
            session,
            "signed_off",
            who,
            period,
            state="signed_off",
            detail={"factor_set": pinned[0], "returns": returns, "excused": excused},
        )
        count = stored_figures(session, period, standing_basis(session, period)).height
    return SignoffResult(period.code, who, at, [f"{u.entity} v{u.version}" for u in used], excused, count)


def _has_figures(settings: Settings, period: Period) -> bool:
    """Whether a period has computed figures at all."""
    with db.session_scope(settings.database_url) as session:
        return not stored_figures(session, period, standing_basis(session, period)).is_empty()


def audit_trail(settings: Settings, period: Period | None = None) -> list[AuditRecord]:
    """The audit trail, of one period (None: everything, access grants included), oldest first."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return audit_events(session, period)


def period_signoff(settings: Settings, period: Period) -> SignoffRecord | None:
    """A period's sign-off, or None while it is open."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return trail.period_signoff(session, period)
