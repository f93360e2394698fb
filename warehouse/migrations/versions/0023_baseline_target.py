"""base years and targets

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:55:00

Issue 28.3: the base year the ESG office sets per metric, with the group figure of that year
when it was set (the base-year figure a restatement is compared with), and targets on a metric
(scope, absolute or intensity, base year and value, target year and value, interim milestones).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import esgflow.warehouse.types


revision: str = '0023'
down_revision: Union[str, Sequence[str], None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'baseline',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('value', esgflow.warehouse.types.Quantity(), nullable=True),
        sa.Column('set_by', sa.String(length=200), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name='uq_baseline_code'),
    )
    op.create_table(
        'target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('base_year', sa.Integer(), nullable=False),
        sa.Column('base_value', esgflow.warehouse.types.Quantity(), nullable=False),
        sa.Column('target_year', sa.Integer(), nullable=False),
        sa.Column('target_value', esgflow.warehouse.types.Quantity(), nullable=False),
        sa.Column('milestones', sa.JSON(), nullable=False),
        sa.Column('added_by', sa.String(length=200), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'scope', 'target_year', name='uq_target_code_scope_year'),
    )


def downgrade() -> None:
    op.drop_table('target')
    op.drop_table('baseline')
