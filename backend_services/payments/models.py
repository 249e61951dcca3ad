"""Tables of the payments service (its own database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import utcnow


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # an attempt is being charged (or its outcome is unknown)
    SUCCEEDED = "succeeded"
    DECLINED = "declined"  # the last attempt failed; the order stays payable
    REFUND_PENDING = "refund_pending"  # charged, but the order was cancelled: to refund
    REFUNDED = "refunded"


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class PaymentOrder(SQLModel, table=True):
    """Replica of an order, from order.created / order.cancelled / order.completed."""

    __tablename__ = "payment_orders"

    id: str = Field(primary_key=True)
    version: int
    status: str = OrderStatus.CREATED.value
    user_id: str
    price: int  # US cents
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class Payment(SQLModel, table=True):
    """At most one per order (unique), whatever the number of attempts."""

    __tablename__ = "payments"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True)
    order_id: str = Field(unique=True)
    amount: int  # US cents
    currency: str = "usd"
    status: str = Field(default=PaymentStatus.PENDING.value, index=True)
    attempt: int = 1  # part of the Stripe idempotency key
    payment_method: str  # the token of the current attempt (a PaymentMethod id)
    stripe_id: str | None = None  # the PaymentIntent
    refund_id: str | None = None
    failure_message: str | None = None
    outbox_id: str | None = None  # the payment.created event, while it may be retracted
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
