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
from .liveness import ConsumerHealth
from .outbox import OutboxRelay, record
from .supervisor import supervise

__all__ = [
    "Consumer",
    "ConsumerHealth",
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
    "supervise",
]
