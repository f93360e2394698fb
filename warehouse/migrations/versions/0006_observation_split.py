"""observation splits by location

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00

A return may split an input by where it was used (electricity by province), so that each
part of an entity's Scope 2 takes its own place's grid factor. One row per place of an
observation; an observation without rows keeps its entity's registered location.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import esgflow.warehouse.types


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'observation_split',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('observation_id', sa.Integer(), nullable=False),
        sa.Column('location', sa.String(length=16), nullable=False),
        sa.Column('value', esgflow.warehouse.types.Quantity(), nullable=False),
        sa.Column('original_value', sa.Text(), nullable=True),
        sa.Column('sheet', sa.String(length=100), nullable=True),
        sa.Column('cell', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['observation_id'], ['observation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('observation_id', 'location', name='uq_observation_split_location'),
    )


def downgrade() -> None:
    op.drop_table('observation_split')
