"""The letters that answer returns: which are owed, the lease a run takes to send one, and its marking
once it went out (reads and writes together).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from esgflow.records import (
    MailThread,
    OwedLetter,
)
from esgflow.warehouse import models as m


def letters_owed(session: Session) -> list[OwedLetter]:
    """Answered returns whose letter has not been mailed, oldest first."""
    rows = session.execute(
        select(
            m.Submission.id,
            m.Entity.code,
            m.Period.code,
            m.Submission.version,
            m.Submission.status,
            m.Submission.content_hash,
            m.Submission.mail_message_id,
            m.Submission.mail_references,
            m.Submission.mail_from,
        )
        .join(m.Entity, m.Entity.id == m.Submission.entity_id)
        .join(m.Period, m.Period.id == m.Submission.period_id)
        .where(
            m.Submission.letter_owed,
            m.Submission.answered_at.is_not(None),
            m.Submission.letter_mailed_at.is_(None),
        )
        .order_by(m.Submission.id)
    )
    return [OwedLetter(*row[:6], MailThread(row[6] or "", row[7] or "", row[8]) if row[8] else None) for row in rows]


def mark_answered(session: Session, content_hashes: list[str], by_mail: bool = False) -> None:
    """Record that the submissions holding these bytes have their letters and outcomes logged.

    by_mail: the return came through the inbox, so its letter is owed by mail (esgflow.jobs.mailing.send_letters).
    """
    session.execute(
        update(m.Submission)
        .where(m.Submission.content_hash.in_(content_hashes), m.Submission.answered_at.is_(None))
        .values(answered_at=datetime.now(UTC), letter_owed=by_mail)
    )
    session.commit()


def claim_letter(session: Session, submission_id: int, lease: timedelta) -> bool:
    """Take the lease on mailing a letter; False when it went out or another run holds a live lease."""
    now = datetime.now(UTC)
    taken = session.execute(
        update(m.Submission)
        .where(
            m.Submission.id == submission_id,
            m.Submission.letter_mailed_at.is_(None),
            or_(m.Submission.letter_claimed_at.is_(None), m.Submission.letter_claimed_at < now - lease),
        )
        .values(letter_claimed_at=now)
    )
    session.commit()
    return taken.rowcount == 1  # type: ignore[attr-defined]


def mark_mailed(session: Session, submission_id: int) -> None:
    """Record that a letter went out."""
    session.execute(
        update(m.Submission).where(m.Submission.id == submission_id).values(letter_mailed_at=datetime.now(UTC))
    )
    session.commit()


def release_letters(session: Session, submission_ids: list[int]) -> None:
    """Give up the leases of letters that did not go out, so that a retry sends them at once."""
    session.execute(
        update(m.Submission)
        .where(m.Submission.id.in_(submission_ids), m.Submission.letter_mailed_at.is_(None))
        .values(letter_claimed_at=None)
    )
    session.commit()
