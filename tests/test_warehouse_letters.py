"""Letters owed, leased and marked (esgflow.warehouse.letters) on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from esgflow.config import Settings
from esgflow.jobs.setup import init_warehouse
from esgflow.periods import parse_period
from esgflow.warehouse import db
from esgflow.warehouse.letters import claim_letter, letters_owed, mark_answered, mark_mailed, release_letters
from esgflow.warehouse.submissions import Recorded, SubmissionIn, record_submission
from tests.returns_factory import observations

P2025 = parse_period("2025")


def _record(settings: Settings, content_hash: str, value: str | None, status: str = "accepted") -> Recorded:
    with db.session_scope(settings.database_url) as s:
        submission = SubmissionIn("SAMI", P2025, content_hash, f"{content_hash}.xlsx", status)
        diesel = None if value is None else Decimal(value)
        return record_submission(s, submission, observations({"env_diesel": diesel}, "环境", "D5"))


def test_a_letter_is_owed_once_answered_by_mail_and_leased_to_one_run_at_a_time(settings: Settings) -> None:
    init_warehouse(settings)
    by_mail, by_hand = _record(settings, "a" * 64, "1"), _record(settings, "b" * 64, "2")
    lease = timedelta(minutes=10)
    with db.session_scope(settings.database_url) as s:
        assert letters_owed(s) == []  # not answered yet
        mark_answered(s, ["a" * 64], by_mail=True)
        mark_answered(s, ["b" * 64])  # ingested by hand: no letter by mail
        [owed] = letters_owed(s)
        assert (owed.submission_id, owed.entity, owed.version) == (by_mail.submission_id, "SAMI", 1)
        assert by_hand.submission_id != owed.submission_id
        assert claim_letter(s, owed.submission_id, lease)
        assert not claim_letter(s, owed.submission_id, lease)  # another run: the lease is live
        release_letters(s, [owed.submission_id])
        assert claim_letter(s, owed.submission_id, lease)  # released: sent at once by a retry
        assert claim_letter(s, owed.submission_id, timedelta(0))  # an ended lease is taken over
        mark_mailed(s, owed.submission_id)
        assert letters_owed(s) == []
        assert not claim_letter(s, owed.submission_id, timedelta(0))  # gone out: never again
