"""observation estimated

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:30:00

A reporter marks each figure as actual or estimated (a column of template version 3). The
observation keeps the mark; every figure stored before had no such column, so it is actual
(false), which is also what a blank mark means.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_column('estimated')
