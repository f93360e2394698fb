"""access grants

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:00:00

A sign-in for a reporter of one entity, or for the ESG office (no entity). Only the token's
SHA-256 is kept; revoking sets revoked_at and the row stays, for the audit trail. An address
granted for an entity is one of its reporters, as its registered contacts are.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'access_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['entity_id'], ['entity.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash', name='uq_access_grant_token_hash'),
    )


def downgrade() -> None:
    op.drop_table('access_grant')
