"""Who may sign in: grants and revocations, the portal's sign-ins and its log, and the addresses that
may submit for an entity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.cycle.review import (
    actor,
)
from esgflow.jobs.common import require_schema
from esgflow.mail.notices import (
    signin_mail,
)
from esgflow.mail.sending import mailer_for
from esgflow.portal.access import checked_address, new_token, signin_link, token_hash
from esgflow.records import (
    AUDITOR,
    AccessRecord,
    PortalEvent,
)
from esgflow.warehouse import db, reference, trail
from esgflow.warehouse.reference import grant_for_token
from esgflow.warehouse.trail import record_portal_event


def grant_access(
    settings: Settings,
    email: str,
    entity: str | None,
    mail: bool = False,
    auditor: bool = False,
    period: str | None = None,
) -> str:
    """Make a sign-in for a reporter of `entity` (None: the ESG office), or a read-only one for an assurance
    provider (`auditor`, of one `period` or every one); returns its link, shown only once.

    mail: also send the link to the address (SMTP when configured, else the outbox folder).
    """
    if auditor and entity is not None:
        raise EsgflowError("an auditor's sign-in is for every entity: give --auditor without --entity")
    if period is not None and not auditor:
        raise EsgflowError("--period is for an auditor's sign-in (--auditor)")
    address = checked_address(email)
    require_schema(settings)
    token = new_token()
    until = datetime.now(UTC) + timedelta(days=settings.signin_link_days)
    with db.session_scope(settings.database_url) as session:
        try:
            reference.grant_access(
                session, address, entity, token_hash(token), actor(None), expires_at=until,
                role=AUDITOR if auditor else "", period=period,
            )  # fmt: skip
        except KeyError:
            raise EsgflowError(f"unknown entity {entity!r}") from None
    link = signin_link(settings.portal_url, token)
    if mail:
        who = "auditor" if auditor else f"{entity} reporter" if entity else "ESG office"
        mailer_for(settings).send([signin_mail(address, link, who)])
    return link


def revoke_access(settings: Settings, email: str) -> int:
    """End every sign-in of an address; how many there were."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return reference.revoke_access(session, checked_address(email), actor(None))


def signed_in(settings: Settings, token_digest: str) -> AccessRecord | None:
    """The grant behind a script's API token (None: unknown, a sign-in link, expired or revoked); asked on
    every API request."""
    with db.session_scope(settings.database_url) as session:
        return grant_for_token(session, token_digest, datetime.now(UTC))


def issue_api_token(settings: Settings, email: str, days: int) -> str:
    """A script's own API token for an address already granted, for its entity (or the office), for `days`;
    shown once and kept only as its hash. `access revoke` ends it with the address's sign-ins."""
    if not 1 <= days <= 366:
        raise EsgflowError(f"--days {days}: an API token lasts from 1 to 366 days")
    address = checked_address(email)
    require_schema(settings)
    token = new_token()
    with db.session_scope(settings.database_url) as session:
        granted, entity, role, period = reference.granted_entity(session, address)
        if not granted:
            raise EsgflowError(f"{address} has no sign-in: grant it first ('esgflow access grant ...')")
        until = datetime.now(UTC) + timedelta(days=days)
        reference.grant_access(
            session, address, entity, token_hash(token), actor(None), kind="api", expires_at=until, role=role,
            period=period,
        )  # fmt: skip
    return token


def open_session(
    settings: Settings, token_digest: str, sid_digest: str, csrf: str, seconds: float
) -> AccessRecord | None:
    """Exchange a sign-in link, once, for a browser session (kept by its id's hash); None when the link is
    unknown, used, expired or revoked."""
    now = datetime.now(UTC)
    with db.session_scope(settings.database_url) as session:
        grant_id = reference.exchange_link(session, token_digest, now)
        if grant_id is None:
            return None
        reference.start_session(session, sid_digest, grant_id, csrf, now, now + timedelta(seconds=seconds))
        return reference.grant_by_id(session, grant_id)


def session_grant(settings: Settings, sid_digest: str) -> tuple[AccessRecord, str] | None:
    """(grant, CSRF token) of a live session whose grant stands; asked on every page."""
    with db.session_scope(settings.database_url) as session:
        return reference.session_grant(session, sid_digest, datetime.now(UTC))


def end_session(settings: Settings, sid_digest: str | None = None, session_id: int | None = None) -> int:
    with db.session_scope(settings.database_url) as session:
        return reference.end_sessions(session, datetime.now(UTC), sid_hash=sid_digest, session_id=session_id)


def revoke_grant(settings: Settings, grant_id: int) -> bool:
    """End one sign-in link or API token (by its id in `access list`) and its sessions."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return reference.revoke_grant(session, grant_id, actor(None))


def access_rows(settings: Settings) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every sign-in link and API token, and every browser session (esgflow access list)."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return reference.access_rows(session)


def recent_uploads(settings: Settings, email: str, entity: str | None, seconds: float) -> tuple[int, int]:
    """(uploads by a sign-in, uploads for an entity) in the last `seconds`, across every portal process."""
    since = datetime.now(UTC) - timedelta(seconds=seconds)
    with db.session_scope(settings.database_url) as session:
        return trail.recent_uploads(session, since, email, entity)


def failed_signins(settings: Settings, client: str, seconds: float) -> int:
    """Failed sign-ins from `client` in the last `seconds`, across every portal process."""
    since = datetime.now(UTC) - timedelta(seconds=seconds)
    with db.session_scope(settings.database_url) as session:
        return trail.failed_signins(session, since, client)


def portal_event(settings: Settings, event: PortalEvent) -> None:
    """Write one row of the portal's log of sign-ins and submissions."""
    with db.session_scope(settings.database_url) as session:
        record_portal_event(session, event)


def portal_events(settings: Settings, limit: int = 200) -> list[PortalEvent]:
    with db.session_scope(settings.database_url) as session:
        return trail.portal_events(session, limit)


def reporter_addresses(settings: Settings) -> dict[str, set[str]]:
    """entity -> every address that may submit for it (registered contacts and granted sign-ins)."""
    with db.session_scope(settings.database_url) as session:
        return reference.reporter_addresses(session)
