"""Who has returned what: one record per reporting entity of a period (`esgflow status`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from esgflow.cycle.review import Newer, Standing
from esgflow.cycle.states import ACCEPTED, PENDING
from esgflow.display import moment_json
from esgflow.records import NewestSubmission


@dataclass(frozen=True)
class EntityStatus:
    entity: str
    status: str  # not_submitted | accepted | accepted_with_warnings | rejected
    version: int | None
    received_at: datetime | None
    errors: int
    warnings: int
    file: str | None = None
    # the accepted version whose figures are used: the newest one, or an earlier one while a newer
    # return waits rejected for its fix
    figures_version: int | None = None
    review: str = "pending"  # pending | approved | returned | excused (the ESG office's review, esgflow.cycle.review)
    estimated: int = 0  # figures of the figures_version that its reporter marked as estimated
    review_reason: str | None = None  # why the office returned the version in the figures (or excused the entity)
    newer: tuple[Newer, ...] = ()  # the versions after figures_version: what each is (late correction, review)
    # who stands behind the newest version (meta_preparer ... meta_contact_email, as typed; empty: not given)
    signatories: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["received_at"] = moment_json(self.received_at)  # UTC with its offset, as ISO as before
        data["newer"] = [asdict(n) for n in self.newer]  # a list in JSON, as every other list
        data["signatories"] = dict(self.signatories)
        return data


@dataclass(frozen=True)
class Progress:
    accepted: int
    expected: int

    @property
    def percent(self) -> float:
        return 100.0 * self.accepted / self.expected if self.expected else 0.0


def period_status(
    newest: Iterable[NewestSubmission],
    members: Iterable[str],
    order: list[str],
    reviews: Mapping[str, str] | None = None,
    estimated: Mapping[str, int] | None = None,
    standings: Mapping[str, Standing] | None = None,
) -> list[EntityStatus]:
    """A record for every member of the group in the period (in `order`), submitted or not, with its review
    and how many of its figures are estimates (entity -> count; none where absent).

    standings (esgflow.cycle.review.standings), where given, say which version is in the (signed) figures,
    its review and why, and the newer versions; they take the place of `reviews`."""
    out = _records(newest, members, order, reviews, estimated)
    return [_standing(s, standings[s.entity]) if standings and s.entity in standings else s for s in out]


def _standing(status: EntityStatus, standing: Standing) -> EntityStatus:
    return replace(
        status,
        figures_version=standing.figures_version,
        review=standing.review,
        review_reason=standing.reason,
        newer=standing.newer,
    )


def _records(
    newest: Iterable[NewestSubmission],
    members: Iterable[str],
    order: list[str],
    reviews: Mapping[str, str] | None,
    estimated: Mapping[str, int] | None,
) -> list[EntityStatus]:
    found = {s.entity: s for s in newest}
    marked = estimated or {}
    reviewed = reviews or {}
    expected = set(members)
    out = []
    for code in (c for c in order if c in expected):
        s = found.get(code)
        if s is None:
            out.append(EntityStatus(code, "not_submitted", None, None, 0, 0, review=reviewed.get(code, PENDING)))
        else:
            out.append(
                EntityStatus(
                    code,
                    s.status,
                    s.version,
                    s.received_at,
                    s.errors,
                    s.warnings,
                    s.file,
                    s.accepted_version,
                    reviewed.get(code, PENDING),
                    marked.get(code, 0),
                    signatories=s.signatories,
                )
            )
    return out


def progress(statuses: list[EntityStatus]) -> Progress:
    return Progress(sum(s.status in ACCEPTED for s in statuses), len(statuses))
