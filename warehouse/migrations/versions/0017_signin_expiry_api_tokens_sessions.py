"""sign-in links used once and expiring, API tokens, sessions in the warehouse

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 03:50:00

access_grant.kind: 'link' (a sign-in link, exchanged once for a browser session) or 'api' (a
script's Bearer token, `esgflow access token`); expires_at (NULL: a grant made before links
expired, which the next sign-in treats as expired) and used_at (when a link was exchanged).
portal_session: a browser session, by the hash of its id, with its CSRF token, until it
expires or is ended (sign-out, or the grant revoked); every portal process sees the same ones.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('access_grant') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=8), server_default='link', nullable=False))
        batch.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'portal_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sid_hash', sa.String(length=64), nullable=False),
        sa.Column('grant_id', sa.Integer(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name='fk_portal_session_grant'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sid_hash', name='uq_portal_session_sid_hash'),
    )


def downgrade() -> None:
    op.drop_table('portal_session')
    with op.batch_alter_table('access_grant') as batch:
        batch.drop_column('used_at')
        batch.drop_column('expires_at')
        batch.drop_column('kind')
