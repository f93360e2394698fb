"""disclosure texts

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-07 06:50:00

`esgflow disclosure explain` and `esgflow disclosure narrative` (issue 28.5) keep, per period and
framework item, why the item is not disclosed or a narrative answer, in Chinese and English, with
who wrote it and who approved it (never the same person); `carried_from` names the period whose
approved text a confirmed draft took over.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'disclosure_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('framework', sa.String(length=8), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text_zh', sa.Text(), nullable=False),
        sa.Column('text_en', sa.Text(), nullable=False),
        sa.Column('written_by', sa.String(length=200), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('carried_from', sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', 'framework', 'item', name='uq_disclosure_text_item'),
    )


def downgrade() -> None:
    op.drop_table('disclosure_text')
