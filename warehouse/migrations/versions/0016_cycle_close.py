"""a cycle can be closed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 03:40:00

`esgflow cycle close` stops a period's collection: period.collection_opened_at is cleared
(returns for it are refused and it is nobody's default period in the portal) and its cycle
records who closed it and when; `esgflow cycle open` opens it again and clears both.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('cycle') as batch:
        batch.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('closed_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cycle') as batch:
        batch.drop_column('closed_by')
        batch.drop_column('closed_at')
