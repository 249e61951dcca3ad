"""orders, the ticket replica, outbox and inbox"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import (
    create_unique_index_where,
    integer,
    key,
    string,
    timestamp,
    versioned_key,
)
from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None

HOLDING = sa.text("status IN ('created', 'complete')")


def upgrade() -> None:
    op.create_table(
        "order_tickets",
        *versioned_key(),
        string("title"),
        integer("price"),
        string("user_id"),
        string("status"),
        string("order_id", nullable=True),
    )
    op.create_table(
        "orders",
        key(),
        string("user_id"),
        string("ticket_id"),
        string("ticket_title"),
        integer("ticket_price"),
        string("status"),
        timestamp("expires_at"),
        integer("version"),
        timestamp("created_at"),
        sa.CheckConstraint(
            "status IN ('created', 'cancelled', 'complete')", name="ck_orders_status"
        ),
    )
    # No double-selling: at most one holding order per ticket, also under races.
    create_unique_index_where("ux_orders_holding_ticket", "orders", ["ticket_id"], HOLDING)
    op.create_index("ix_orders_user_id_created_at", "orders", ["user_id", "created_at"])
    op.create_index("ix_orders_status_expires_at", "orders", ["status", "expires_at"])
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_index("ix_orders_status_expires_at", "orders")
    op.drop_index("ix_orders_user_id_created_at", "orders")
    op.drop_index("ux_orders_holding_ticket", "orders")
    op.drop_table("orders")
    op.drop_table("order_tickets")
