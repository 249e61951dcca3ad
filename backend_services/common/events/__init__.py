"""The event bus: typed payloads, a transactional outbox and idempotent consumers."""

from contracts.events import (
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

from .bus import EventBus, StreamLimits
from .consumer import Consumer, Delivery, Handler, Retry, idempotent, run_consumer
from .outbox import OutboxRelay, record

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
    "StreamLimits",
    "Subject",
    "TicketCreated",
    "TicketUpdated",
    "idempotent",
    "record",
    "run_consumer",
]
