"""Tables of the payments service (its own database)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import as_utc as aware  # SQLite hands back naive times
from backend_services.common.clock import utcnow
from backend_services.common.db import Keyed, Replica, indexes, unique_where

from .domain import LIVE, OrderStatus, PaymentStatus

__all__ = ["OrderStatus", "Payment", "PaymentOrder", "PaymentStatus", "StripeEvent", "aware"]

_LIVE_SQL = sa.text("status IN ({})".format(", ".join(f"'{s.value}'" for s in LIVE)))


class PaymentOrder(Replica, table=True):
    """Replica of an order, from order.created / order.cancelled / order.completed."""

    __tablename__ = "payment_orders"

    status: str = OrderStatus.CREATED.value
    user_id: str
    price: int  # US cents: the order's total, fee included (what the buyer is charged)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    payment_id: str | None = None  # the payment orders completed the order with


class Payment(Keyed, table=True):
    """One attempt to pay an order: one PaymentIntent. At most one live per order."""

    __tablename__ = "payments"
    __table_args__ = (
        unique_where("ux_payments_live_order", "order_id", _LIVE_SQL),
        *indexes("payments", ("order_id",), ("status",), ("stripe_id",)),
    )

    order_id: str
    amount: int  # US cents
    currency: str = "usd"
    status: str = PaymentStatus.PENDING.value
    attempt: int = 1  # the order's n-th attempt
    payment_method: str  # the token (a PaymentMethod id)
    stripe_id: str | None = None  # the PaymentIntent, recorded before it is confirmed
    refund_id: str | None = None
    failure_message: str | None = None
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class StripeEvent(SQLModel, table=True):
    """A webhook event applied (Stripe may deliver one several times)."""

    __tablename__ = "stripe_events"

    id: str = Field(primary_key=True)
    type: str
    received_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
