"""register_row: the rows of the registers a return answers row by row (sites, climate risks)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 11:00:00

One row per filled table row of a stored submission: the register's name, the sheet and row it was typed
in, and its cells as JSON (column key -> value as text). Kept per submission, so every version has its own.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0030'
down_revision: Union[str, Sequence[str], None] = '0029'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'register_row',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=32), nullable=False),
        sa.Column('sheet', sa.String(length=100), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name='fk_register_row_submission'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id', 'table_name', 'row_number', name='uq_register_row_submission_table_row'),
    )


def downgrade() -> None:
    op.drop_table('register_row')
