"""submission mail thread

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:00:00

A return that came by mail keeps the message it came in: its Message-ID and References, so
the return letter answers in the same thread, and the sender's address, so the letter
reaches the reporter who sent it (a granted address is not among the registered contacts).
Returns from a folder or by hand leave them empty.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_message_id', sa.String(length=998), nullable=True))
        batch_op.add_column(sa.Column('mail_references', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mail_from', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('mail_from')
        batch_op.drop_column('mail_references')
        batch_op.drop_column('mail_message_id')
