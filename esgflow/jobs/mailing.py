"""Mailing the reporters: templates, reminders, the letters that answer their returns, and the answers
to messages kept aside.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from esgflow import EsgflowError
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.feedback import letter_files
from esgflow.jobs.collection import period_statuses
from esgflow.mail import kept
from esgflow.mail.notices import (
    kept_mail,
    letter_mail,
    reminder_mail,
    template_mail,
)
from esgflow.mail.sending import Mail, mailer_for
from esgflow.periods import Period, parse_period
from esgflow.warehouse import db, reference
from esgflow.warehouse.letters import claim_letter, letters_owed, mark_mailed, release_letters
from esgflow.workbooks.naming import named_entity, template_name

# How long a run may take to send a letter before another run may send it instead.
LETTER_LEASE = timedelta(minutes=10)


def contacts(settings: Settings) -> dict[str, list[str]]:
    """entity -> reporters' addresses, as the warehouse holds them."""
    with db.session_scope(settings.database_url) as session:
        return reference.contacts(session)


def send_templates(
    settings: Settings, period: Period, deadline: date, templates: list[Path], smtp_block: str | None = None
) -> list[str]:
    """Mail each entity its template (one message per entity, to its reporters)."""
    registry, to = load_registry(), contacts(settings)
    mails = [
        template_mail(registry[entity], to[entity], period, deadline, t)
        for t in templates
        if to.get(entity := named_entity(t.name))
    ]
    return mailer_for(settings, smtp_block).send(mails)


def send_reminders(
    settings: Settings, period: Period, deadline: date, today: date, smtp_block: str | None = None
) -> list[str]:
    """Remind the reporters of every entity whose return is missing or rejected; returns the entities reminded.

    Refused for a period whose templates were never distributed: a reminder of a template nobody received
    tells the reporters something untrue. A missing return's reminder carries its template again.
    """
    issued = settings.templates / period.code
    if not any(issued.glob("*.xlsx")):
        raise EsgflowError(
            f"nothing to remind for {period}: its templates were never distributed "
            f"(run 'esgflow distribute --period {period}' first)"
        )
    registry, to = load_registry(), contacts(settings)
    due = [
        s for s in period_statuses(settings, period) if s.status in ("not_submitted", "rejected") and to.get(s.entity)
    ]
    mails = []
    for s in due:
        template = issued / template_name(s.entity, period)
        attach = template if s.status == "not_submitted" and template.is_file() else None
        entity = registry[s.entity]
        mails.append(
            reminder_mail(entity, to[s.entity], period, deadline, today, s.status, attach, settings.portal_url)
        )
    mailer_for(settings, smtp_block).send(mails)
    return [s.entity for s in due]


def send_letters(settings: Settings, smtp_block: str | None = None, lease: timedelta = LETTER_LEASE) -> list[str]:
    """Mail every answered return's letter, and every answer to a message kept aside, that has not gone out."""
    return _send_return_letters(settings, smtp_block, lease) + _answer_kept(settings, smtp_block, lease)


def _send_return_letters(settings: Settings, smtp_block: str | None, lease: timedelta) -> list[str]:
    """Mail every answered return's letter that has not gone out, whichever run answered it.

    Each letter is leased before it is sent and marked once it went out, so two runs never
    send it together and a run that died is made good by the next one. A run killed between
    sending and marking sends it again after the lease (same Message-ID and outbox file).
    """
    registry, to = load_registry(), contacts(settings)
    with db.session_scope(settings.database_url) as session:
        owed = letters_owed(session)
    mails: dict[str, tuple[int, Mail]] = {}
    for o in owed:
        letter, annotated = letter_files(settings.home / "letters", o.entity, o.period, o.version)
        if not (to.get(o.entity) or o.thread) or not letter.is_file():
            continue  # owed until the entity has a reporter to write to
        with db.session_scope(settings.database_url) as session:
            if not claim_letter(session, o.submission_id, lease):
                continue  # gone out meanwhile, or another run is sending it
        mail = letter_mail(
            registry[o.entity],
            to.get(o.entity, []),
            parse_period(o.period),
            o.version,
            o.status,
            letter,
            annotated if annotated.is_file() else None,
            o.thread,
        )
        key = f"letter-{o.entity}_{o.period}_v{o.version}-{o.content_hash[:12]}"
        mails[key] = (o.submission_id, replace(mail, key=key))
    mailed: list[int] = []

    def went_out(mail: Mail) -> None:
        submission_id = mails[mail.key or ""][0]
        with db.session_scope(settings.database_url) as session:
            mark_mailed(session, submission_id)
        mailed.append(submission_id)

    try:
        return mailer_for(settings, smtp_block).send([mail for _, mail in mails.values()], on_sent=went_out)
    finally:
        unsent = [sid for sid, _ in mails.values() if sid not in mailed]
        if unsent:  # a retry of this task may send them at once
            with db.session_scope(settings.database_url) as session:
                release_letters(session, unsent)


def _answer_kept(settings: Settings, smtp_block: str | None, lease: timedelta) -> list[str]:
    """Answer each sender whose message was kept aside, once, under a lease as letters are."""
    home = settings.home
    owed = [k for k in kept.answers_owed(home) if kept.claim_answer(home, k.key, lease.total_seconds())]
    answered: list[str] = []

    def went_out(mail: Mail) -> None:
        key = (mail.key or "").removeprefix("kept-")
        kept.mark_answered(home, key)
        answered.append(key)

    try:
        return mailer_for(settings, smtp_block).send([kept_mail(k) for k in owed], on_sent=went_out) if owed else []
    finally:
        for k in owed:
            if k.key not in answered:
                kept.release_answer(home, k.key)
