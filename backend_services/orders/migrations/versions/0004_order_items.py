"""orders hold one or more tickets (order_items) and remember their buyer fee

Each existing order becomes a one-item order at the price it was placed for, with no
fee (it was placed before fees: its total stays what payments was told to charge).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import create_unique_index_where

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HOLDING_ITEM = sa.text("holding")
HOLDING_ORDER = sa.text("status IN ('created', 'complete')")


def upgrade() -> None:
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.String(), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("ticket_id", sa.String(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("holding", sa.Boolean(), nullable=False),
    )
    op.execute(
        "INSERT INTO order_items (order_id, ticket_id, position, title, price, holding) "
        "SELECT id, ticket_id, 0, ticket_title, ticket_price, "
        "CASE WHEN status IN ('created', 'complete') THEN TRUE ELSE FALSE END FROM orders"
    )
    # No double-selling: at most one holding order per ticket, also under races.
    create_unique_index_where(
        "ux_order_items_holding_ticket", "order_items", ["ticket_id"], HOLDING_ITEM
    )
    op.drop_index("ux_orders_holding_ticket", "orders")
    # Plain ALTER TABLE, also on SQLite (3.35+): a batch copy of `orders` would drop the
    # table that order_items now references, which SQLite's foreign keys refuse.
    op.add_column("orders", sa.Column("fee", sa.Integer(), nullable=False, server_default="0"))
    for column in ("ticket_id", "ticket_title", "ticket_price"):
        op.drop_column("orders", column)


def downgrade() -> None:
    """Back to one ticket per order: each order keeps its first ticket."""
    columns = {"ticket_id": ("ticket_id", sa.String()), "ticket_title": ("title", sa.String())}
    columns["ticket_price"] = ("price", sa.Integer())
    for column, (source, kind) in columns.items():
        # Nullable: SQLite cannot tighten a column in place (and the copy would be refused).
        op.add_column("orders", sa.Column(column, kind, nullable=True))
        op.execute(
            f"UPDATE orders SET {column} = (SELECT i.{source} FROM order_items i "
            "WHERE i.order_id = orders.id AND i.position = 0)"
        )
    op.drop_column("orders", "fee")
    create_unique_index_where("ux_orders_holding_ticket", "orders", ["ticket_id"], HOLDING_ORDER)
    op.drop_index("ux_order_items_holding_ticket", "order_items")
    op.drop_table("order_items")
