"""audit trail and period sign-off

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00

Every change of a return's state (judgement, approval, return, excuse), every sign-off,
restatement and access grant or revoke is one row of audit_event, with who, when and why.
The table is append-only: a trigger refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL),
so the application's role cannot rewrite its own history. A signed-off period is locked:
period_signoff keeps who signed, when, the factor set and the returns its figures came from.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APPEND_ONLY = "audit_event is append-only: its rows cannot be changed or deleted"


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=True),
        sa.Column('entity', sa.String(length=32), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'period_signoff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('signed_by', sa.String(length=200), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('factor_set_id', sa.Integer(), nullable=False),
        sa.Column('returns', sa.JSON(), nullable=False),
        sa.Column('excused', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['factor_set_id'], ['factor_set.id']),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', name='uq_period_signoff_period'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TABLE period_signoff")
        op.execute("DROP TABLE audit_event")  # its triggers go with it
        op.execute("DROP FUNCTION audit_event_append_only()")
        return
    op.drop_table('period_signoff')
    op.drop_table('audit_event')
