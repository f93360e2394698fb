"""The ESG office's review of the returns, and what a sign-off needs (issue 13).

The state of every version comes from its judgement, the office's decisions in the audit
trail and the versions that arrived after it: nothing else is stored, so the trail and the
states cannot disagree. The moves themselves are esgflow.cycle.states'.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from esgflow import EsgflowError
from esgflow.cycle.states import (
    ACCEPTED,
    APPROVED,
    EXCUSED,
    PENDING,
    RETURNED,
    SUPERSEDED,
    machine_state,
)
from esgflow.records import AuditRecord, SubmissionVersion

# The audit actions that decide a review (the rest of the trail says what happened around it).
DECISIONS = (APPROVED, RETURNED, EXCUSED)


def actor(by: str | None) -> str:
    """Who is acting: the name given, else the user this process runs as."""
    name = (by or "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        return "unknown"


def _by_entity(versions: Iterable[SubmissionVersion]) -> dict[str, list[SubmissionVersion]]:
    ordered = sorted(versions, key=lambda v: (v.entity, v.arrived_at, v.version))
    return {entity: list(vs) for entity, vs in groupby(ordered, key=lambda v: v.entity)}


def version_states(
    versions: Iterable[SubmissionVersion], decisions: Iterable[AuditRecord]
) -> dict[tuple[str, int], str]:
    """(entity, version) -> state of every version: judged, reviewed, or superseded.

    An accepted version is superseded by a later accepted one (its figures stay in use while a
    newer return waits rejected); a rejected one by any later version.
    """
    decided: dict[tuple[str, int], str] = {}
    for d in decisions:
        if d.action in (APPROVED, RETURNED) and d.entity and d.version is not None:
            decided[(d.entity, d.version)] = d.action  # the trail is in order: the last decision stands
    out: dict[tuple[str, int], str] = {}
    for entity, vs in _by_entity(versions).items():
        for place, v in enumerate(vs):
            later = vs[place + 1 :]
            replaced = any(w.status in ACCEPTED for w in later) if v.status in ACCEPTED else bool(later)
            out[(entity, v.version)] = (
                SUPERSEDED if replaced else decided.get((entity, v.version), machine_state(v.status))
            )
    return out


def figures_version(versions: Sequence[SubmissionVersion]) -> SubmissionVersion | None:
    """Of one entity's versions (in arrival order), the newest accepted one: the one in the figures."""
    accepted = [v for v in versions if v.status in ACCEPTED]
    return max(accepted, key=lambda v: (v.arrived_at, v.version)) if accepted else None


def review_states(
    versions: Iterable[SubmissionVersion], decisions: Iterable[AuditRecord], members: Iterable[str]
) -> dict[str, str]:
    """entity -> pending, approved, returned (its newest accepted version) or excused (no usable return)."""
    decisions = list(decisions)
    grouped = _by_entity(versions)
    states = version_states([v for vs in grouped.values() for v in vs], decisions)
    excused = {d.entity for d in decisions if d.action == EXCUSED}
    out = {}
    for entity in members:
        used = figures_version(grouped.get(entity, []))
        if used is None:
            out[entity] = EXCUSED if entity in excused else PENDING
        else:
            state = states[(entity, used.version)]
            out[entity] = state if state in (APPROVED, RETURNED) else PENDING
    return out


# What a version newer than the one in the figures is, by its state in the machine: a reporter or an
# auditor reads "pending_review", not the checks' word "accepted", for a version nobody approved yet.
_NEWER = {"accepted": "pending_review"}


@dataclass(frozen=True)
class Newer:
    """A version newer than the one in the figures: its review state, and whether it arrived after sign-off."""

    version: int
    state: str  # pending_review | approved | returned | rejected | superseded
    late_correction: bool  # arrived after the period was signed off: it changes nothing until `restate`
    reason: str | None = None  # why the office returned it


@dataclass(frozen=True)
class Standing:
    """Where an entity's return stands: the version in the (signed) figures, its review and why, the newer ones."""

    figures_version: int | None
    review: str
    reason: str | None
    newer: tuple[Newer, ...]


def standings(
    versions: Iterable[SubmissionVersion],
    decisions: Iterable[AuditRecord],
    members: Iterable[str],
    signed: Sequence[tuple[str, int]] | None = None,
    signed_at: datetime | None = None,
) -> dict[str, Standing]:
    """entity -> its Standing. Once a period is signed off (`signed`: the (entity, version) its figures stand
    on) the version in the figures is the signed one, whatever arrived later: status, the portal and
    `explain` all take it from here, so they cannot disagree."""
    decisions, members = list(decisions), list(members)
    grouped = _by_entity(versions)
    states = version_states([v for vs in grouped.values() for v in vs], decisions)
    returned = {(d.entity, d.version): d.reason for d in decisions if d.action == RETURNED and d.entity}
    excused, reviews = excuses(decisions), review_states(versions_of(grouped), decisions, members)
    fixed = dict(signed) if signed is not None else None
    out = {}
    for entity in members:
        vs = grouped.get(entity, [])
        if fixed is None:
            used = figures_version(vs)
            number, review = (used.version if used else None), reviews[entity]
        else:  # a sign-off needs every entity approved or excused, so what it holds was approved
            number = fixed.get(entity)
            review = APPROVED if number is not None else (EXCUSED if entity in excused else PENDING)
        reason = {RETURNED: returned.get((entity, number)), EXCUSED: excused.get(entity)}.get(review)
        newer = tuple(
            Newer(
                v.version,
                _NEWER.get(states[(entity, v.version)], states[(entity, v.version)]),
                signed_at is not None and v.arrived_at > signed_at,
                returned.get((entity, v.version)) if states[(entity, v.version)] == RETURNED else None,
            )
            for v in vs
            if number is None or v.version > number
        )
        out[entity] = Standing(number, review, reason, newer)
    return out


def versions_of(grouped: Mapping[str, list[SubmissionVersion]]) -> list[SubmissionVersion]:
    return [v for vs in grouped.values() for v in vs]


def excuses(decisions: Iterable[AuditRecord]) -> dict[str, str]:
    """entity -> the reason it was excused (the latest, if more than one)."""
    return {d.entity: d.reason or "" for d in decisions if d.action == EXCUSED and d.entity}


def target(versions: Sequence[SubmissionVersion], entity: str, period: str, version: int | None) -> SubmissionVersion:
    """The version a review is about: the one named, else the entity's newest."""
    if not versions:
        raise EsgflowError(f"{entity} has no return for {period} to review")
    if version is None:
        return max(versions, key=lambda v: (v.arrived_at, v.version))
    for v in versions:
        if v.version == version:
            return v
    known = ", ".join(str(v.version) for v in versions)
    raise EsgflowError(f"{entity} has no version {version} for {period} (it has {known})")


def undecided(reviews: Mapping[str, str], order: Iterable[str]) -> list[tuple[str, str]]:
    """(entity, state) of every expected entity neither approved nor excused, in `order`."""
    return [(e, reviews[e]) for e in order if e in reviews and reviews[e] not in (APPROVED, EXCUSED)]


def signoff_refusals(reviews: Mapping[str, str], order: Iterable[str]) -> list[str]:
    """'ENTITY (state)' for every expected entity neither approved nor excused, in `order`."""
    return [f"{e} ({state})" for e, state in undecided(reviews, order)]
