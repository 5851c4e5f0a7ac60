"""screening: customers' meter facts indexed (by segment), so counting per combination reads no rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

FACTS = ["segment_code", "voltage_class", "ami_connected", "channel_online", "can_direct_close", "relay_type",
         "auto_reconnect"]


def upgrade() -> None:
    op.create_index("ix_customers_meter_facts", "customers", FACTS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_meter_facts", table_name="customers")
