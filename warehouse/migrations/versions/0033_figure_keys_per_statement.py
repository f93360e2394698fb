"""the keys of consolidated_figure (to entity, period, indicator) and of figure_source (to its figure) checked
once per statement on PostgreSQL

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08 01:00:00

A consolidation of 10,000 entities inserts 1.5 million figures, and consolidating again first deletes the
1.5 million it replaces. PostgreSQL ran a foreign key's trigger per row and key: three checks per inserted
figure (41 of the 48 s the insert took on the server) and figure_source's ON DELETE CASCADE per deleted
figure (9.2 of the 11.8 s the delete took). On PostgreSQL these four foreign keys become statement-level
triggers over the statement's transition tables, which keep the same rules with one join per statement:
- a figure inserted or updated must name an existing entity, period and indicator, and a figure_source row
  an existing figure; those rows are locked FOR KEY SHARE, as a foreign key's own check locks them, so that
  no concurrent transaction deletes them or changes their id before this one commits;
- an entity, period or indicator that a figure names can be neither deleted nor given another id, nor can a
  figure that a figure_source row names be given another id;
- deleting figures deletes their figure_source rows (ON DELETE CASCADE).
Every esgflow session runs at READ COMMITTED, where each check sees what committed before it ran: a
delete of a referred row waits for a transaction holding its key share and then sees its figures. (At
REPEATABLE READ such a delete would check against its older snapshot; nothing in esgflow deletes an
entity, period or indicator, or runs at that level.)
Refusals fail with SQLSTATE 23503 (foreign_key_violation), as the foreign keys did. Existing rows are not
checked again: the foreign keys guaranteed them.
SQLite keeps its foreign keys: it checks them cheaply inside the insert (no trigger per row), and a
row-level trigger there would cost more. The models keep the foreign keys (the ORM and SQLite use them); the
comparison of the models with a PostgreSQL database skips these four (esgflow.warehouse.db.STATEMENT_KEYS).

Downgrade drops the triggers and adds the four foreign keys back (validating every row once).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0033'
down_revision: Union[str, Sequence[str], None] = '0032'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (table, column, referred table): the foreign keys this revision turns into statement-level triggers.
KEYS = (
    ('consolidated_figure', 'entity_id', 'entity'),
    ('consolidated_figure', 'period_id', 'period'),
    ('consolidated_figure', 'indicator_id', 'indicator'),
    ('figure_source', 'figure_id', 'consolidated_figure'),
)

# One scan of the statement's rows gathers the distinct keys (hashed grouping sets); the rest works on those
# (10,000 entities, a period, 200 indicators at 10,000 entities), not on 1.5 million rows.
CHILD_CHECK = """
CREATE FUNCTION consolidated_figure_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entities integer[];
    periods integer[];
    indicators integer[];
    missing text;
BEGIN
    SELECT array_agg(entity_id) FILTER (WHERE g = 3), array_agg(period_id) FILTER (WHERE g = 5),
           array_agg(indicator_id) FILTER (WHERE g = 6)
      INTO entities, periods, indicators
      FROM (SELECT entity_id, period_id, indicator_id, GROUPING(entity_id, period_id, indicator_id) AS g
              FROM new_figures GROUP BY GROUPING SETS ((entity_id), (period_id), (indicator_id))) k;
    PERFORM 1 FROM entity p WHERE p.id = ANY(entities) FOR KEY SHARE;
    PERFORM 1 FROM period p WHERE p.id = ANY(periods) FOR KEY SHARE;
    PERFORM 1 FROM indicator p WHERE p.id = ANY(indicators) FOR KEY SHARE;
    SELECT k.what INTO missing FROM (
        SELECT format('(entity_id)=(%s)', u.id) AS what FROM unnest(entities) u(id)
         WHERE NOT EXISTS (SELECT 1 FROM entity p WHERE p.id = u.id)
        UNION ALL
        SELECT format('(period_id)=(%s)', u.id) FROM unnest(periods) u(id)
         WHERE NOT EXISTS (SELECT 1 FROM period p WHERE p.id = u.id)
        UNION ALL
        SELECT format('(indicator_id)=(%s)', u.id) FROM unnest(indicators) u(id)
         WHERE NOT EXISTS (SELECT 1 FROM indicator p WHERE p.id = u.id)
    ) k LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "consolidated_figure" violates its keys: % is not present', missing
              USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# One function for every referred table: TG_ARGV = the referring table and its column.
PARENT_CHECK = """
CREATE FUNCTION referred_row_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT o.id FROM old_rows o WHERE EXISTS (SELECT 1 FROM %I c WHERE c.%I = o.id) LIMIT 1',
                       TG_ARGV[0], TG_ARGV[1])
           INTO gone;
    ELSE
        EXECUTE format('SELECT o.id FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id) '
                       'AND EXISTS (SELECT 1 FROM %I c WHERE c.%I = o.id) LIMIT 1', TG_ARGV[0], TG_ARGV[1])
           INTO gone;
    END IF;
    IF gone IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "%" violates the key of table "%": id % is still named there',
                        TG_TABLE_NAME, TG_ARGV[0], gone
              USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

SOURCE_CHECK = """
CREATE FUNCTION figure_source_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM consolidated_figure f WHERE f.id IN (SELECT figure_id FROM new_sources) FOR KEY SHARE;
    SELECT n.figure_id INTO missing FROM new_sources n
     WHERE NOT EXISTS (SELECT 1 FROM consolidated_figure f WHERE f.id = n.figure_id) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "figure_source" violates its key: figure % is not present', missing
              USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# ON DELETE CASCADE of figure_source, once per statement. A consolidation deletes its figures' sources itself
# first, so the range of the deleted ids usually holds none: one probe of figure_source's index says so, instead of
# joining 1.5 million deleted rows (a sort on disk, 1.5-2.4 s).
SOURCES_GO = """
CREATE FUNCTION consolidated_figure_sources_go() RETURNS trigger LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
    low integer;
    high integer;
BEGIN
    SELECT min(id), max(id) INTO low, high FROM old_rows;
    IF EXISTS (SELECT 1 FROM figure_source WHERE figure_id BETWEEN low AND high) THEN
        DELETE FROM figure_source s USING old_rows o WHERE s.figure_id = o.id;
    END IF;
    RETURN NULL;
END $$
"""


def _statement_trigger(name: str, event: str, table: str, tables: str, call: str) -> None:
    op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {call}')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, _ in KEYS:  # the names PostgreSQL gave the unnamed keys of 0001
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey')
    op.execute(CHILD_CHECK)
    op.execute(SOURCE_CHECK)
    op.execute(PARENT_CHECK)
    op.execute(SOURCES_GO)
    for event in ('INSERT', 'UPDATE'):
        new = 'NEW TABLE AS new_figures'
        _statement_trigger(f'consolidated_figure_keys_{event.lower()}', event, 'consolidated_figure', new,
                           'consolidated_figure_keys()')
        _statement_trigger(f'figure_source_keys_{event.lower()}', event, 'figure_source', 'NEW TABLE AS new_sources',
                           'figure_source_keys()')
    both = 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
    for table, column, parent in KEYS:
        if parent != 'consolidated_figure':
            _statement_trigger(f'{table}_{parent}_delete', 'DELETE', parent, 'OLD TABLE AS old_rows',
                               f"referred_row_kept('{table}', '{column}')")
        _statement_trigger(f'{table}_{parent}_update', 'UPDATE', parent, both, f"referred_row_kept('{table}', '{column}')")
    _statement_trigger('figure_source_consolidated_figure_delete', 'DELETE', 'consolidated_figure',
                       'OLD TABLE AS old_rows', 'consolidated_figure_sources_go()')


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, _, parent in KEYS:
        op.execute(f'DROP TRIGGER {table}_{parent}_delete ON {parent}')
        op.execute(f'DROP TRIGGER {table}_{parent}_update ON {parent}')
    for table in ('consolidated_figure', 'figure_source'):
        for event in ('insert', 'update'):
            op.execute(f'DROP TRIGGER {table}_keys_{event} ON {table}')
    for function in ('consolidated_figure_keys', 'figure_source_keys', 'referred_row_kept',
                     'consolidated_figure_sources_go'):
        op.execute(f'DROP FUNCTION {function}()')
    for table, column, parent in KEYS:
        cascade = ' ON DELETE CASCADE' if table == 'figure_source' else ''
        op.execute(
            f'ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey '
            f'FOREIGN KEY ({column}) REFERENCES {parent} (id){cascade}'
        )
