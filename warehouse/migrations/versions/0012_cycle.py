"""yearly cycle settings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:30:00

A period's collection cycle, opened by the ESG office with `esgflow cycle open`: the deadline
the distribution and reminder flows give the reporters when a run names none. One cycle per
period; every opening and change of deadline is also a row of audit_event.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'cycle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('opened_by', sa.String(length=200), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', name='uq_cycle_period'),
    )


def downgrade() -> None:
    op.drop_table('cycle')
