"""The event bus: typed payloads, a transactional outbox and idempotent consumers."""

from .bus import EventBus
from .consumer import Consumer, Delivery, Handler, Retry, idempotent, run_consumer
from .outbox import OutboxRelay, record
from .payloads import (
    Event,
    ExpirationComplete,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderPaymentRejected,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentVoided,
    Subject,
    TicketCreated,
    TicketUpdated,
)

__all__ = [
    "Consumer",
    "Delivery",
    "Event",
    "EventBus",
    "ExpirationComplete",
    "Handler",
    "OrderCancelled",
    "OrderCompleted",
    "OrderCreated",
    "OrderPaymentRejected",
    "OutboxRelay",
    "PaymentAuthorized",
    "PaymentCaptured",
    "PaymentVoided",
    "Retry",
    "Subject",
    "TicketCreated",
    "TicketUpdated",
    "idempotent",
    "record",
    "run_consumer",
]
