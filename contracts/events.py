"""Typed payloads for every subject of the contract (JSON, camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from .wire import CamelModel


class Subject(StrEnum):
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    ORDER_CREATED = "order.created"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_COMPLETED = "order.completed"
    EXPIRATION_COMPLETE = "expiration.complete"
    PAYMENT_CREATED = "payment.created"


class Event(CamelModel):
    subject: ClassVar[Subject]


class TicketCreated(Event):
    subject = Subject.TICKET_CREATED
    id: str
    version: int
    title: str
    price: int
    user_id: str


class TicketUpdated(Event):
    subject = Subject.TICKET_UPDATED
    id: str
    version: int
    title: str
    price: int
    user_id: str
    order_id: str | None
    status: Literal["available", "reserved", "sold"]


class OrderTicketRef(CamelModel):
    id: str


class OrderCreatedTicket(CamelModel):
    id: str
    price: int


class OrderCreated(Event):
    subject = Subject.ORDER_CREATED
    id: str
    version: int
    status: Literal["created", "cancelled", "complete"]
    user_id: str
    expires_at: datetime
    ticket: OrderCreatedTicket


class OrderCancelled(Event):
    subject = Subject.ORDER_CANCELLED
    id: str
    version: int
    ticket: OrderTicketRef


class OrderCompleted(Event):
    subject = Subject.ORDER_COMPLETED
    id: str
    version: int
    ticket: OrderTicketRef


class ExpirationComplete(Event):
    subject = Subject.EXPIRATION_COMPLETE
    order_id: str


class PaymentCreated(Event):
    subject = Subject.PAYMENT_CREATED
    id: str
    order_id: str
    stripe_id: str
    amount: int


EVENT_TYPES: dict[Subject, type[Event]] = {
    cls.subject: cls
    for cls in (
        TicketCreated,
        TicketUpdated,
        OrderCreated,
        OrderCancelled,
        OrderCompleted,
        ExpirationComplete,
        PaymentCreated,
    )
}


def parse_event(subject: str, data: bytes) -> Event:
    return EVENT_TYPES[Subject(subject)].model_validate_json(data)
