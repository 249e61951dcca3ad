"""Payments v2: one row per attempt (at most one live per order), webhook events,
the payment an order was completed with.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

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
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(), nullable=False),
        sa.Column("stripe_id", sa.String(), nullable=True),
        sa.Column("refund_id", sa.String(), nullable=True),
        sa.Column("failure_message", sa.String(), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
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
    op.create_index(
        "ux_payments_live_order",
        "payments",
        ["order_id"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    op.create_index("ix_payments_status", "payments", ["status"])
    op.create_index("ix_payments_stripe_id", "payments", ["stripe_id"])
    op.add_column("payment_orders", sa.Column("payment_id", sa.String(), nullable=True))
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("Payments v2 keeps several attempts per order; no way back")
