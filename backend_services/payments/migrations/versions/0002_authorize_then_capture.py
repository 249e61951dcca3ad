"""Payments v2: one row per attempt (at most one live per order), webhook events,
the payment an order was completed with."""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import (
    create_unique_index_where,
    integer,
    key,
    nullable_strings,
    string,
    timestamp,
)

revision = "0002"
down_revision = "0001"

STATUSES = (
    "pending",
    "requires_action",
    "authorized",
    "capture_due",
    "void_due",
    "captured",
    "voided",
    "failed",
    "refunded",
)
LIVE = (
    "status IN ('pending', 'requires_action', 'authorized', 'capture_due', 'void_due', 'captured')"
)
# v1 charged at once: succeeded is a capture; a refund still pending is left to a human.
CARRY_OVER = """
INSERT INTO payment_attempts (id, order_id, amount, currency, status, attempt,
    payment_method, stripe_id, refund_id, failure_message, locked_until, created_at, updated_at)
SELECT id, order_id, amount, currency,
    CASE status WHEN 'succeeded' THEN 'captured' WHEN 'declined' THEN 'failed'
        WHEN 'refund_pending' THEN 'captured' ELSE status END,
    attempt, payment_method, stripe_id, refund_id,
    CASE status WHEN 'refund_pending' THEN 'v1 refund pending: refund it by hand'
        ELSE failure_message END,
    locked_until, created_at, updated_at
FROM payments
"""


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        key(),
        string("order_id"),
        integer("amount"),
        string("currency"),
        string("status"),
        integer("attempt"),
        string("payment_method"),
        *nullable_strings("stripe_id", "refund_id", "failure_message"),
        timestamp("locked_until", nullable=True),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES)),
            name="ck_payment_attempts_status",
        ),
        sa.CheckConstraint("amount > 0", name="ck_payment_attempts_amount"),
    )
    op.execute(CARRY_OVER)
    op.drop_index("ix_payments_status", "payments")
    op.drop_table("payments")
    op.rename_table("payment_attempts", "payments")
    live = sa.text(LIVE)
    create_unique_index_where("ux_payments_live_order", "payments", ["order_id"], live)
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_index("ix_payments_status", "payments", ["status"])
    op.create_index("ix_payments_stripe_id", "payments", ["stripe_id"])
    op.add_column("payment_orders", string("payment_id", nullable=True))
    op.create_table("stripe_events", key(), string("type"), timestamp("received_at"))


def downgrade() -> None:
    raise NotImplementedError("Payments v2 keeps several attempts per order; no way back")
