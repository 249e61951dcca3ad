"""Request and response bodies of `/api/orders` (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator

from backend_services.common.errors import BadRequest
from contracts.wire import CamelModel

from .domain import ticket_list_problem
from .models import Order, OrderItem

MANY, ONE = "ticketIds", "ticketId"


def _ticket_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must hold ticket ids")
    return value.strip()


class OrderIn(CamelModel):
    """`{ticketIds: [...]}` (Marketplace v2), or `{ticketId}` as before."""

    ticket_ids: list[str] | None = None
    ticket_id: str | None = None

    @field_validator("ticket_ids", mode="plain")
    @classmethod
    def _ticket_ids(cls, value: Any) -> list[str] | None:
        if not isinstance(value, list):  # null too: only an absent field means "not given"
            raise ValueError("ticketIds must be a list of ticket ids")
        ids = [_ticket_id(v, MANY) for v in value]
        problem = ticket_list_problem(ids)
        if problem is not None:
            raise ValueError(problem)
        return ids

    @field_validator("ticket_id", mode="plain")
    @classmethod
    def _one(cls, value: Any) -> str | None:
        return _ticket_id(value, ONE)

    def requested(self) -> tuple[list[str], str]:
        """The tickets asked for, and the field to name in an error about them."""
        if self.ticket_ids is not None and self.ticket_id is not None:
            raise BadRequest("Give ticketIds or ticketId, not both", field=MANY)
        if self.ticket_ids is not None:
            return self.ticket_ids, MANY
        if self.ticket_id is not None:
            return [self.ticket_id], ONE
        # Neither given: the original contract's answer (CONTRACT §4: 400 missing ticketId).
        raise BadRequest("Field required", field=ONE)


class OrderTicketOut(CamelModel):
    id: str
    title: str
    price: int

    @classmethod
    def of(cls, item: OrderItem) -> OrderTicketOut:
        return cls(id=item.ticket_id, title=item.title, price=item.price)


class OrderOut(CamelModel):
    id: str
    user_id: str
    status: str
    expires_at: datetime
    version: int
    ticket: OrderTicketOut  # the first of `tickets`
    tickets: list[OrderTicketOut]
    subtotal: int  # the tickets' prices
    fee: int  # the buyer fee
    total: int  # what the buyer pays

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        tickets = [OrderTicketOut.of(item) for item in order.items]
        return cls(
            id=order.id,
            user_id=order.user_id,
            status=order.status,
            expires_at=order.expires_at,
            version=order.version,
            ticket=tickets[0],
            tickets=tickets,
            subtotal=order.subtotal,
            fee=order.fee,
            total=order.total,
        )
