"""access_grant.role and period: an assurance provider's read-only sign-in

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 07:05:00

role 'auditor' (entity NULL) reads every entity's returns, figures and evidence and writes nothing but its
own test results; '' is a reporter (entity set) or the ESG office (entity NULL), as before. period: the one
period an auditor's sign-in is for (NULL: every period).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0029'
down_revision: Union[str, Sequence[str], None] = '0028'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('access_grant') as batch:
        batch.add_column(sa.Column('role', sa.String(length=8), server_default='', nullable=False))
        batch.add_column(sa.Column('period', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('access_grant') as batch:
        batch.drop_column('period')
        batch.drop_column('role')
