"""portal audit log

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 15:00:00

Every sign-in at the portal (success and failure) and every submission through it (accepted,
rejected, refused, duplicate, or turned away: another entity's workbook, too large) is a row.
Names are kept as text (address, entity code), not keys, so a row outlives a revoked grant.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'portal_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('client', sa.String(length=64), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('entity', sa.String(length=32), nullable=True),
        sa.Column('period', sa.String(length=16), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_portal_event_at', 'portal_event', ['at'])


def downgrade() -> None:
    op.drop_index('ix_portal_event_at', table_name='portal_event')
    op.drop_table('portal_event')
