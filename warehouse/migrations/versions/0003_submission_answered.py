"""submission answered

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:30:00

A submission is answered once its letter is written and its outcome logged; a run that
stopped between loading a return and answering it leaves answered_at empty, and the next
run that sees the same bytes answers it.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    # Submissions loaded before answering was recorded were answered by the run that loaded them.
    op.execute("UPDATE submission SET answered_at = received_at")


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
