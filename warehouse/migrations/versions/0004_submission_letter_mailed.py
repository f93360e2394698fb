"""submission arrival and letter mailed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:30:00

A submission keeps when its file arrived, and the newest version is the one that arrived last.
A return that came through the inbox is owed its letter by mail (letter_owed; one ingested by
hand is answered by the ESG office). The letter is mailed by whichever collect run finds it owed: letter_claimed_at is the
lease a run takes before sending (so two runs never send it together, and a run killed while
sending leaves it to the next once the lease ends), letter_mailed_at is set once it went out.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('letter_owed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('letter_claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('letter_mailed_at', sa.DateTime(timezone=True), nullable=True))
    # Letters of returns answered before this was recorded went out with the run that answered them.
    op.execute("UPDATE submission SET letter_mailed_at = answered_at")
    # Before, versions were numbered in the order files were stored: that order stands.
    op.execute("UPDATE submission SET arrived_at = received_at")


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('letter_mailed_at')
        batch_op.drop_column('letter_claimed_at')
        batch_op.drop_column('letter_owed')
        batch_op.drop_column('arrived_at')
