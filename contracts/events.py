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
    EVENT_CREATED = "event.created"
    EVENT_UPDATED = "event.updated"
    # Payments v2 (CONTRACT §6)
    PAYMENT_AUTHORIZED = "payment.authorized"
    ORDER_PAYMENT_REJECTED = "order.payment_rejected"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_VOIDED = "payment.voided"


class Event(CamelModel):
    subject: ClassVar[Subject]


class _Ticket(Event):
    id: str
    version: int
    title: str
    price: int
    user_id: str
    # Marketplace v2: tickets of an event, and what a buyer pays (optional until
    # tickets sends them; older events have neither).
    event_id: str | None = None
    all_in_price: int | None = None
    # Seats, the listing a ticket came in, and whether its e-ticket file is there.
    section: str | None = None
    row: str | None = None
    seat: str | None = None
    listing_id: str | None = None
    has_file: bool | None = None


class TicketCreated(_Ticket):
    subject = Subject.TICKET_CREATED


class TicketUpdated(_Ticket):
    subject = Subject.TICKET_UPDATED
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
    ticket: OrderCreatedTicket  # the first of `tickets`
    # Marketplace v2: every ticket of the order, and what the buyer pays, fee included.
    # Absent from events of older publishers: then the order is `ticket` at its price.
    tickets: list[OrderCreatedTicket] | None = None
    total: int | None = None

    @property
    def ticket_ids(self) -> list[str]:
        return [t.id for t in self.tickets or [self.ticket]]

    @property
    def amount_due(self) -> int:
        return self.total if self.total is not None else self.ticket.price


class _OrderEnded(Event):
    """An order's last word: its tickets go back on sale, or to the buyer."""

    id: str
    version: int
    ticket: OrderTicketRef  # the first of `tickets`
    tickets: list[OrderTicketRef] | None = None  # Marketplace v2 (older events: `ticket`)

    @property
    def ticket_ids(self) -> list[str]:
        return [t.id for t in self.tickets or [self.ticket]]


class OrderCancelled(_OrderEnded):
    subject = Subject.ORDER_CANCELLED


class OrderCompleted(_OrderEnded):
    subject = Subject.ORDER_COMPLETED
    payment_id: str | None = None  # Payments v2: the authorization to capture
    user_id: str | None = None  # Marketplace v2: the buyer


class ExpirationComplete(Event):
    subject = Subject.EXPIRATION_COMPLETE
    order_id: str


class _Show(Event):
    """A catalog event (a concert, a match, ...): not to be confused with `Event`, a message."""

    id: str
    version: int
    name: str
    venue: str
    city: str
    starts_at: datetime


class EventCreated(_Show):
    subject = Subject.EVENT_CREATED


class EventUpdated(_Show):
    subject = Subject.EVENT_UPDATED


# -- Payments v2 (CONTRACT §6) ---------------------------------------------------------


class PaymentAuthorized(Event):
    subject = Subject.PAYMENT_AUTHORIZED
    id: str
    order_id: str
    stripe_id: str
    amount: int


class OrderPaymentRejected(Event):
    subject = Subject.ORDER_PAYMENT_REJECTED
    id: str  # the order
    payment_id: str
    reason: Literal["cancelled", "expired", "amount_mismatch", "already_complete"]


class _PaymentSettled(Event):
    """An authorization's end: captured (the buyer paid) or voided (nothing charged)."""

    id: str
    order_id: str


class PaymentCaptured(_PaymentSettled):
    subject = Subject.PAYMENT_CAPTURED
    amount: int


class PaymentVoided(_PaymentSettled):
    subject = Subject.PAYMENT_VOIDED


EVENT_TYPES: dict[Subject, type[Event]] = {
    cls.subject: cls
    for cls in (
        TicketCreated,
        TicketUpdated,
        OrderCreated,
        OrderCancelled,
        OrderCompleted,
        ExpirationComplete,
        EventCreated,
        EventUpdated,
        PaymentAuthorized,
        OrderPaymentRejected,
        PaymentCaptured,
        PaymentVoided,
    )
}


def parse_event(subject: str, data: bytes) -> Event:
    return EVENT_TYPES[Subject(subject)].model_validate_json(data)
