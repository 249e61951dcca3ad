"""Request and response bodies of `/api/orders` (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator

from contracts.wire import CamelModel

from .models import Order


class OrderIn(CamelModel):
    ticket_id: str

    @field_validator("ticket_id", mode="plain")
    @classmethod
    def _ticket_id(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("ticketId must be a ticket id")
        return value.strip()


class OrderTicketOut(CamelModel):
    id: str
    title: str
    price: int


class OrderOut(CamelModel):
    id: str
    user_id: str
    status: str
    expires_at: datetime
    version: int
    ticket: OrderTicketOut

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            expires_at=order.expires_at,
            version=order.version,
            ticket=OrderTicketOut(
                id=order.ticket_id, title=order.ticket_title, price=order.ticket_price
            ),
        )
