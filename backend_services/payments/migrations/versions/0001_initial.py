"""payment orders (replica), payments, outbox and inbox"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import (
    integer,
    key,
    nullable_strings,
    string,
    timestamp,
    versioned_key,
)
from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        *versioned_key(),
        string("status"),
        string("user_id"),
        integer("price"),
        timestamp("expires_at"),
        sa.CheckConstraint(
            "status IN ('created', 'cancelled', 'complete')", name="ck_payment_orders_status"
        ),
    )
    op.create_table(
        "payments",
        key(),
        string("order_id", unique=True),
        integer("amount"),
        string("currency"),
        string("status"),
        integer("attempt"),
        string("payment_method"),
        *nullable_strings("stripe_id", "refund_id", "failure_message", "outbox_id"),
        timestamp("locked_until", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'declined', 'refund_pending', 'refunded')",
            name="ck_payments_status",
        ),
        sa.CheckConstraint("amount > 0", name="ck_payments_amount"),
    )
    op.create_index("ix_payments_status", "payments", ["status"])
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_index("ix_payments_status", "payments")
    op.drop_table("payments")
    op.drop_table("payment_orders")
