"""restatement returns

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:50:00

A restatement recomputes a period from its approved returns only (issue 26): it keeps which
(entity, version) returns those were, as a sign-off does, so what the restated figures stand on
is on record. Restatements recorded before have none (they took the accepted returns).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('restatement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returns', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('restatement', schema=None) as batch_op:
        batch_op.drop_column('returns')
