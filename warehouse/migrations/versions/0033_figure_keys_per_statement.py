"""consolidated_figure's keys to entity, period and indicator checked once per statement on PostgreSQL

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08 01:00:00

A consolidation of 10,000 entities inserts 1.5 million figures; PostgreSQL checked each of their three
foreign keys with a trigger per row and key (41 of the 48 s the insert took on the server). On PostgreSQL
the three foreign keys become statement-level triggers over the statement's transition tables, which
keep the same rule with one join per statement:
- a figure inserted or updated must name an existing entity, period and indicator; those rows are
  locked FOR KEY SHARE, as the foreign key's own check locks them, so that no concurrent transaction
  deletes them or changes their id before this one commits;
- an entity, period or indicator that a figure names can be neither deleted nor given another id.
Both fail with SQLSTATE 23503 (foreign_key_violation), as the foreign keys did. The rows of
consolidated_figure that exist are checked once here, as the foreign keys guaranteed them already.
SQLite keeps its foreign keys: it checks them cheaply inside the insert (no trigger per row), and a
row-level trigger there would cost more. The models keep the foreign keys for the ORM; the comparison of
the models with the database skips these three on PostgreSQL (esgflow.warehouse.db.STATEMENT_KEYS).

Downgrade drops the triggers and adds the three foreign keys back (validating every row once).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0033'
down_revision: Union[str, Sequence[str], None] = '0032'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PARENTS = ('entity', 'period', 'indicator')

CHILD_CHECK = """
CREATE FUNCTION consolidated_figure_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    PERFORM 1 FROM entity p WHERE p.id IN (SELECT entity_id FROM new_figures) FOR KEY SHARE;
    PERFORM 1 FROM period p WHERE p.id IN (SELECT period_id FROM new_figures) FOR KEY SHARE;
    PERFORM 1 FROM indicator p WHERE p.id IN (SELECT indicator_id FROM new_figures) FOR KEY SHARE;
    SELECT format('(entity_id, period_id, indicator_id)=(%s, %s, %s)', n.entity_id, n.period_id, n.indicator_id)
      INTO missing
      FROM new_figures n
      LEFT JOIN entity e ON e.id = n.entity_id
      LEFT JOIN period p ON p.id = n.period_id
      LEFT JOIN indicator i ON i.id = n.indicator_id
     WHERE e.id IS NULL OR p.id IS NULL OR i.id IS NULL
     LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "consolidated_figure" violates its keys: % is not present', missing
              USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# One function for the three parents: the figure's column is the parent's table name + '_id'.
PARENT_CHECK = """
CREATE FUNCTION consolidated_figure_parent_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT o.id FROM old_rows o WHERE EXISTS '
                       '(SELECT 1 FROM consolidated_figure f WHERE f.%I = o.id) LIMIT 1', TG_TABLE_NAME || '_id')
           INTO gone;
    ELSE
        EXECUTE format('SELECT o.id FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id) '
                       'AND EXISTS (SELECT 1 FROM consolidated_figure f WHERE f.%I = o.id) LIMIT 1',
                       TG_TABLE_NAME || '_id')
           INTO gone;
    END IF;
    IF gone IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "%" violates the keys of table "consolidated_figure": '
                        'id % is still named by a figure', TG_TABLE_NAME, gone
              USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for parent in PARENTS:  # the names PostgreSQL gave the unnamed keys of 0001
        op.execute(f'ALTER TABLE consolidated_figure DROP CONSTRAINT consolidated_figure_{parent}_id_fkey')
    op.execute(CHILD_CHECK)
    for event in ('INSERT', 'UPDATE'):
        op.execute(
            f'CREATE TRIGGER consolidated_figure_keys_{event.lower()} AFTER {event} ON consolidated_figure '
            'REFERENCING NEW TABLE AS new_figures FOR EACH STATEMENT EXECUTE FUNCTION consolidated_figure_keys()'
        )
    op.execute(PARENT_CHECK)
    for parent in PARENTS:
        op.execute(
            f'CREATE TRIGGER consolidated_figure_{parent}_delete AFTER DELETE ON {parent} '
            'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION consolidated_figure_parent_kept()'
        )
        op.execute(
            f'CREATE TRIGGER consolidated_figure_{parent}_update AFTER UPDATE ON {parent} '
            'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION consolidated_figure_parent_kept()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for parent in PARENTS:
        op.execute(f'DROP TRIGGER consolidated_figure_{parent}_delete ON {parent}')
        op.execute(f'DROP TRIGGER consolidated_figure_{parent}_update ON {parent}')
    op.execute('DROP FUNCTION consolidated_figure_parent_kept()')
    for event in ('insert', 'update'):
        op.execute(f'DROP TRIGGER consolidated_figure_keys_{event} ON consolidated_figure')
    op.execute('DROP FUNCTION consolidated_figure_keys()')
    for parent in PARENTS:
        op.execute(
            f'ALTER TABLE consolidated_figure ADD CONSTRAINT consolidated_figure_{parent}_id_fkey '
            f'FOREIGN KEY ({parent}_id) REFERENCES {parent} (id)'
        )
