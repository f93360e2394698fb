"""Scope 3 screening: each category of a period relevant or not, with reason, method and approval

Revision ID: 0024
Revises: 0017
Create Date: 2026-12-07 07:10:00

scope3_screening: one row per period and category (1-15), written by `esgflow scope3 screen`
and approved by another person with `esgflow scope3 approve`; a new screening clears the approval.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0024'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'scope3_screening',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Integer(), nullable=False),
        sa.Column('relevant', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('method', sa.Text(), nullable=False),
        sa.Column('screened_by', sa.String(length=200), nullable=False),
        sa.Column('screened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name='fk_scope3_screening_period'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', 'category', name='uq_scope3_screening_period_category'),
    )


def downgrade() -> None:
    op.drop_table('scope3_screening')
