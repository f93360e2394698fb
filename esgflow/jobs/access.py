"""Who may sign in: grants and revocations, the portal's sign-ins and its log, and the addresses that
may submit for an entity.
"""

from __future__ import annotations

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
    AccessRecord,
    PortalEvent,
)
from esgflow.warehouse import db, reference, trail
from esgflow.warehouse.reference import grant_for_token
from esgflow.warehouse.trail import record_portal_event


def grant_access(settings: Settings, email: str, entity: str | None, mail: bool = False) -> str:
    """Make a sign-in for a reporter of `entity` (None: the ESG office); returns its link, shown only once.

    mail: also send the link to the address (SMTP when configured, else the outbox folder).
    """
    address = checked_address(email)
    require_schema(settings)
    token = new_token()
    with db.session_scope(settings.database_url) as session:
        try:
            reference.grant_access(session, address, entity, token_hash(token), actor(None))
        except KeyError:
            raise EsgflowError(f"unknown entity {entity!r}") from None
    link = signin_link(settings.portal_url, token)
    if mail:
        who = f"{entity} reporter" if entity else "ESG office"
        mailer_for(settings).send([signin_mail(address, link, who)])
    return link


def revoke_access(settings: Settings, email: str) -> int:
    """End every sign-in of an address; how many there were."""
    require_schema(settings)
    with db.session_scope(settings.database_url) as session:
        return reference.revoke_access(session, checked_address(email), actor(None))


def signed_in(settings: Settings, token_digest: str) -> AccessRecord | None:
    """The active grant behind a token's hash (None: unknown or revoked); the portal asks on every request."""
    with db.session_scope(settings.database_url) as session:
        return grant_for_token(session, token_digest)


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
