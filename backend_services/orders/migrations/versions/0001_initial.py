"""orders, the ticket replica, outbox and inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

HOLDING = sa.text("status IN ('created', 'complete')")


def upgrade() -> None:
    op.create_table(
        "order_tickets",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("ticket_id", sa.String(), nullable=False),
        sa.Column("ticket_title", sa.String(), nullable=False),
        sa.Column("ticket_price", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('created', 'cancelled', 'complete')", name="ck_orders_status"
        ),
    )
    # No double-selling: at most one holding order per ticket, also under races.
    op.create_index(
        "ux_orders_holding_ticket",
        "orders",
        ["ticket_id"],
        unique=True,
        sqlite_where=HOLDING,
        postgresql_where=HOLDING,
    )
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
