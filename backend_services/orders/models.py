"""Tables of the orders service: its orders and its replica of tickets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import utcnow

from .domain import HOLDING, OrderStatus


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_HOLDING_SQL = sa.text("status IN ({})".format(", ".join(f"'{s.value}'" for s in HOLDING)))


class OrderTicket(SQLModel, table=True):
    """The replica of a ticket, as of the latest `ticket.*` event applied."""

    __tablename__ = "order_tickets"

    id: str = Field(primary_key=True)
    version: int
    title: str
    price: int  # US cents
    user_id: str  # the seller
    status: str = "available"
    order_id: str | None = None


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        # No double-selling: one holding order per ticket, enforced by the database.
        sa.Index(
            "ux_orders_holding_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=_HOLDING_SQL,
            postgresql_where=_HOLDING_SQL,
        ),
        sa.Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_orders_status_expires_at", "status", "expires_at"),
    )

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True)
    user_id: str
    ticket_id: str
    # What the buyer was offered, as of the order: the price payments will charge.
    ticket_title: str
    ticket_price: int
    status: str = OrderStatus.CREATED.value
    expires_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
