"""evidence: documents behind a return or one of its figures

Revision ID: 0028
Revises: 0017
Create Date: 2026-12-07 06:50:00

One row per document attached to an entity's return for a period (indicator NULL) or to one of
its figures; the bytes are stored once under their SHA-256 in the archive's evidence folder.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0028'
down_revision: Union[str, Sequence[str], None] = '0024'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('entity', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('indicator', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('sent_by', sa.String(length=254), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_evidence_sha256', 'evidence', ['sha256'])


def downgrade() -> None:
    op.drop_index('ix_evidence_sha256', table_name='evidence')
    op.drop_table('evidence')
