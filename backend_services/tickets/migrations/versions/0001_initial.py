"""tickets, order versions, outbox and inbox

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


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price >= 50 AND price <= 10000000", name="ck_tickets_price"),
        sa.CheckConstraint("status IN ('available', 'reserved', 'sold')", name="ck_tickets_status"),
    )
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])
    op.create_table(
        "ticket_order_versions",
        sa.Column("order_id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_table("ticket_order_versions")
    op.drop_index("ix_tickets_status_created_at", "tickets")
    op.drop_index("ix_tickets_user_id", "tickets")
    op.drop_table("tickets")
