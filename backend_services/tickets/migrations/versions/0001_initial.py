"""tickets, order versions, outbox and inbox"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import integer, key, string, timestamp
from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        key(),
        string("title"),
        integer("price"),
        string("user_id"),
        integer("version"),
        string("order_id", nullable=True),
        string("status"),
        timestamp("created_at"),
        sa.CheckConstraint("price >= 50 AND price <= 10000000", name="ck_tickets_price"),
        sa.CheckConstraint("status IN ('available', 'reserved', 'sold')", name="ck_tickets_status"),
    )
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])
    op.create_table("ticket_order_versions", key("order_id"), integer("version"))
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_table("ticket_order_versions")
    op.drop_index("ix_tickets_status_created_at", "tickets")
    op.drop_index("ix_tickets_user_id", "tickets")
    op.drop_table("tickets")
