"""history: on PostgreSQL the database itself refuses to update or delete history events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 05:00:00

The application never updates or deletes history; this makes PostgreSQL refuse it too, to anyone
who is not the owner dropping the trigger (the hash chains show what an owner changes). TRUNCATE
is not a row change and is left to privileges. SQLite has no users to keep apart: nothing here.
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION relayflow_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'history_events is append-only: % of event % refused', TG_OP, OLD.id;
        END $$
    """)
    op.execute("CREATE TRIGGER history_events_append_only BEFORE UPDATE OR DELETE ON history_events "
               "FOR EACH ROW EXECUTE FUNCTION relayflow_history_is_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER history_events_append_only ON history_events")
    op.execute("DROP FUNCTION relayflow_history_is_append_only()")
