"""factor sets, entity locations and restatements

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00

Factors gain what they convert and for where (name, publisher, vintage, region, gas, GWP,
configured choice). Entities gain dated locations, which pick their grid factors. A period
is pinned to the factor set its figures were computed with; only a restatement, recorded
with its reason and what moved, moves it to another.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('factor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('publisher', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('vintage', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('gas', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('gwp', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('choice', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('variant', sa.String(length=32), nullable=True))
    op.create_table(
        'entity_location',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('location', sa.String(length=16), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['entity_id'], ['entity.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('entity_id', 'valid_from', name='uq_entity_location_entity_from'),
    )
    op.create_table(
        'factor_set',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest', name='uq_factor_set_digest'),
    )
    op.create_table(
        'period_factor_pin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('factor_set_id', sa.Integer(), nullable=False),
        sa.Column('pinned_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['factor_set_id'], ['factor_set.id']),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', name='uq_period_factor_pin_period'),
    )
    op.create_table(
        'restatement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('restated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('from_factor_set_id', sa.Integer(), nullable=True),
        sa.Column('to_factor_set_id', sa.Integer(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('significant', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['from_factor_set_id'], ['factor_set.id']),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.ForeignKeyConstraint(['to_factor_set_id'], ['factor_set.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', 'number', name='uq_restatement_period_number'),
    )


def downgrade() -> None:
    op.drop_table('restatement')
    op.drop_table('period_factor_pin')
    op.drop_table('factor_set')
    op.drop_table('entity_location')
    with op.batch_alter_table('factor', schema=None) as batch_op:
        for column in ('variant', 'choice', 'gwp', 'gas', 'region', 'vintage', 'publisher', 'name'):
            batch_op.drop_column(column)
