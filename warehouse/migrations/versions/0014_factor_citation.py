"""factor citation

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:40:00

A factor cites its official publication (title, number, date), the publisher's own URL where
one exists, the third-party transcription that was read, and a note (how it was derived, why a
URL is missing), each in a column of its own; `source` keeps the one line people read.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ('publication', 'url', 'transcription', 'note')


def upgrade() -> None:
    with op.batch_alter_table('factor', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('factor', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
