"""submission.signatories: who stands behind a return (填报人 / 审核人 / 负责人, telephone, e-mail)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 11:15:00

The names and contacts the reporter typed in the template's meta_preparer ... meta_contact_email cells,
kept with the version they came in (NULL: a template too old to ask them, or a return stored before).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0031'
down_revision: Union[str, Sequence[str], None] = '0030'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('submission') as batch:
        batch.add_column(sa.Column('signatories', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submission') as batch:
        batch.drop_column('signatories')
