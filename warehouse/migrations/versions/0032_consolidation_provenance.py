"""consolidation_input, consolidation_member and consolidation_feed: a consolidation's provenance without a row per
(figure, observation)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 18:00:00

A consolidation now stores the submissions it read (consolidation_input), the entity tree it consolidated
along as (scope, member) closure rows (consolidation_member: frozen, so that reloading the reference data,
which may rewrite a past period's entity_link rows, never changes a published figure's sources) and, per
indicator of its figures, the indicators whose observations feed it (consolidation_feed); a subtree
figure's sources are derived from these three (esgflow.warehouse.provenance). figure_source
stays: figures consolidated before this revision keep their rows there and read as before, and a figure
whose sources cannot be derived keeps its rows there too. No data moves on upgrade.

Downgrade drops the three tables. The figures consolidated after the upgrade then have no figure_source
rows: their provenance is derived again by consolidating the period again (`esgflow consolidate`; a
restated period by `esgflow restate`) under the older code.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0032'
down_revision: Union[str, Sequence[str], None] = '0031'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'consolidation_input',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=20), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name='fk_consolidation_input_period'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name='fk_consolidation_input_submission'),
        sa.PrimaryKeyConstraint('period_id', 'basis', 'submission_id', name='pk_consolidation_input'),
    )
    op.create_table(
        'consolidation_member',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=20), nullable=False),
        sa.Column('scope_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name='fk_consolidation_member_period'),
        sa.ForeignKeyConstraint(['scope_id'], ['entity.id'], name='fk_consolidation_member_scope'),
        sa.ForeignKeyConstraint(['member_id'], ['entity.id'], name='fk_consolidation_member_member'),
        sa.PrimaryKeyConstraint('period_id', 'basis', 'scope_id', 'member_id', name='pk_consolidation_member'),
    )
    op.create_index(
        'ix_consolidation_member_member', 'consolidation_member', ['period_id', 'basis', 'member_id', 'scope_id']
    )
    op.create_table(
        'consolidation_feed',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=20), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['period_id'], ['period.id'], name='fk_consolidation_feed_period'),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name='fk_consolidation_feed_indicator'),
        sa.ForeignKeyConstraint(['source_id'], ['indicator.id'], name='fk_consolidation_feed_source'),
        sa.PrimaryKeyConstraint('period_id', 'basis', 'indicator_id', 'source_id', name='pk_consolidation_feed'),
    )


def downgrade() -> None:
    op.drop_table('consolidation_feed')
    op.drop_index('ix_consolidation_member_member', table_name='consolidation_member')
    op.drop_table('consolidation_member')
    op.drop_table('consolidation_input')
